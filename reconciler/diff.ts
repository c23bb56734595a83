/**
 * Drift: exact, key-by-key comparison of a desired object with its live counterpart. Pure.
 *
 * What counts: every data / binaryData key on either side (keys added out of band are drift), the
 * labels and annotations the repo declares (others belong to other controllers), a Secret's type,
 * and `immutable` when the repo sets it. What never counts: server defaults, key order,
 * managedFields, resourceVersion, stringData vs data, last-applied-configuration.
 */
import { type IgnoreSpec, matchesAny } from '../policies/engine.ts';
import { attributeChanges, ownersOf } from './attribution.ts';
import type { Change, DesiredObject, Drift, KeyOrigin, LiveObject, ObjectRef } from './model.ts';
import { SecretValue, shortDigest } from './secret-value.ts';

/** DiffOptions configures diffObject. */
export interface DiffOptions {
  /** fieldManager is trueup's own field manager; its writes are not drift attribution. */
  fieldManager: string;
  /**
   * ignore (from policy rules): paths (globs) that are never drift, and field managers whose
   * out-of-band keys are tolerated (a key they added is not drift).
   */
  ignore?: IgnoreSpec;
}

/** diffObject compares one object; pass undefined for the side that does not exist. */
export function diffObject(
  ref: ObjectRef,
  desired: DesiredObject | undefined,
  live: LiveObject | undefined,
  options: DiffOptions,
): Drift {
  const base = {
    cluster: ref.cluster,
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    driftedBy: [],
  };
  if (desired && !live) return { ...base, status: 'missing', changes: [], provenance: desired.provenance };
  if (!desired && live) return { ...base, status: 'orphaned', changes: [] };
  if (!desired || !live) throw new Error('diffObject needs a desired or a live object');

  const all: Change[] = [
    ...compareMaps('data', desired.data, live.data, { allKeys: true, secret: desired.kind === 'Secret' }),
    ...compareMaps('binaryData', desired.binaryData, live.binaryData, { allKeys: true, secret: false }),
    ...compareMaps('metadata.labels', desired.labels, live.labels, { allKeys: false, secret: false }),
    ...compareMaps('metadata.annotations', desired.annotations, live.annotations, {
      allKeys: false,
      secret: false,
    }),
  ];
  if (desired.kind === 'Secret' && (desired.type ?? 'Opaque') !== (live.type ?? 'Opaque')) {
    all.push({
      path: 'type',
      type: 'changed',
      desired: desired.type ?? 'Opaque',
      live: live.type ?? 'Opaque',
    });
  }
  if (desired.immutable !== undefined && desired.immutable !== (live.immutable ?? false)) {
    all.push({
      path: 'immutable',
      type: 'changed',
      desired: String(desired.immutable),
      live: String(live.immutable ?? false),
    });
  }
  const changes = options.ignore ? withoutIgnored(all, live, options.ignore) : all;
  if (changes.length === 0) return { ...base, status: 'in-sync', changes };

  const provenance: Record<string, KeyOrigin> = {};
  for (const c of changes) {
    const origin = desired.provenance[c.path];
    if (origin) provenance[c.path] = origin;
  }
  return {
    ...base,
    status: 'modified',
    changes,
    driftedBy: attributeChanges(changes, live.managedFields, options.fieldManager),
    provenance,
  };
}

/**
 * compareMaps compares one map of fields. With allKeys, live keys the repo does not declare are
 * drift ('added'); without it (labels, annotations) only declared keys are compared. With secret,
 * live values are digests (a live Secret value is never read into memory).
 */
function compareMaps(
  prefix: string,
  desired: Record<string, string | SecretValue>,
  live: Record<string, string>,
  { allKeys, secret }: { allKeys: boolean; secret: boolean },
): Change[] {
  const show = (value: string | SecretValue | undefined) =>
    value instanceof SecretValue ? value.toString() : secret && value ? shortDigest(value) : value;
  const changes: Change[] = [];
  const keys = new Set(Object.keys(desired));
  if (allKeys) for (const k of Object.keys(live)) keys.add(k);
  for (const key of [...keys].sort()) {
    const path = `${prefix}.${key}`;
    const want = desired[key];
    const have = live[key];
    if (want === undefined) {
      changes.push({ path, type: 'added', live: show(have) });
    } else if (have === undefined) {
      changes.push({ path, type: 'removed', desired: show(want) });
    } else if (!sameValue(want, have)) {
      changes.push({ path, type: 'changed', desired: show(want), live: show(have) });
    }
  }
  return changes;
}

// A live Secret value arrives as its digest: compare digests, show short digests.
function sameValue(want: string | SecretValue, have: string): boolean {
  return want instanceof SecretValue ? want.digest === have : want === have;
}

/** withoutIgnored drops ignored paths, and keys added by tolerated field managers. */
function withoutIgnored(changes: Change[], live: LiveObject, ignore: IgnoreSpec): Change[] {
  return changes.filter((c) => {
    if (matchesAny(ignore.paths, c.path)) return false;
    if (c.type !== 'added' || ignore.managers.length === 0) return true;
    const owners = ownersOf(c.path, live.managedFields);
    return !(owners.length > 0 && owners.every((m) => matchesAny(ignore.managers, m)));
  });
}
