/**
 * Drift: exact, key-by-key comparison of a desired object with its live counterpart. Pure.
 *
 * What counts: every data / binaryData key on either side (keys added out of band are drift), the
 * labels and annotations the repo declares (others belong to other controllers), a Secret's type,
 * and `immutable` when the repo sets it. What never counts: server defaults, key order,
 * managedFields, resourceVersion, stringData vs data, last-applied-configuration.
 *
 * A changed ConfigMap value that holds a JSON or YAML document also lists the paths inside it that
 * differ (document-diff.ts); a value that differs only at paths the policy ignores is not drift.
 */
import type { IgnoreSpec } from '../../policies/engine.ts';
import { matchesAny } from '../core/glob.ts';
import { documentIgnoresOf, ignoresField, ignoresPointer } from '../core/ignore-path.ts';
import type {
  DesiredObject,
  DocumentDiff,
  Drift,
  FieldChange,
  KeyOrigin,
  LiveObject,
  ObjectRef,
} from '../core/model.ts';
import { digestOf, SecretValue } from '../core/secret-value.ts';
import { attributeChanges, ownersOf } from './attribution.ts';
import { diffDocuments, documentFormatOf, parseDocument } from './document-diff.ts';

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

  const ignorePaths = options.ignore?.paths ?? [];
  const sealed = new Set(desired.secretPaths);
  const liveDigests = desired.kind === 'Secret';
  const all: FieldChange[] = [
    ...compareMaps('data', desired.data, live.data, {
      allKeys: true,
      liveDigests,
      sealed,
      // Only ConfigMap text values are parsed: a Secret's plaintext is never shown, even in part.
      documents: desired.kind === 'ConfigMap' ? ignorePaths : undefined,
    }),
    ...compareMaps('binaryData', desired.binaryData, live.binaryData, { allKeys: true, sealed }),
    ...compareMaps('metadata.labels', desired.labels, live.labels, { allKeys: false, sealed }),
    ...compareMaps('metadata.annotations', desired.annotations, live.annotations, {
      allKeys: false,
      sealed,
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
 * drift ('added'); without it (labels, annotations) only declared keys are compared. With
 * liveDigests, live values are digests (a live Secret value is never read into memory). Values the
 * repo holds as secret (SecretValue, or a path in sealed: SOPS decrypted it) show as digests on both
 * sides. With documents (the policy's ignore paths), changed values that hold documents are
 * compared path by path.
 */
function compareMaps(
  prefix: string,
  desired: Record<string, string | SecretValue>,
  live: Record<string, string>,
  {
    allKeys,
    liveDigests = false,
    sealed,
    documents,
  }: { allKeys: boolean; liveDigests?: boolean; sealed: Set<string>; documents?: string[] },
): FieldChange[] {
  const changes: FieldChange[] = [];
  const keys = new Set(Object.keys(desired));
  if (allKeys) for (const k of Object.keys(live)) keys.add(k);
  for (const key of [...keys].sort()) {
    const path = `${prefix}.${key}`;
    const want = desired[key];
    const have = live[key];
    const secret = liveDigests || want instanceof SecretValue || sealed.has(path);
    const show = (value: string | SecretValue | undefined, isLive: boolean) =>
      value instanceof SecretValue
        ? value.digest
        : value === undefined || !secret || (isLive && liveDigests)
          ? value
          : digestOf(value);
    if (want === undefined) {
      changes.push({ path, type: 'added', live: show(have, true) });
    } else if (have === undefined) {
      changes.push({ path, type: 'removed', desired: show(want, false) });
    } else if (!sameValue(want, have, liveDigests)) {
      const document =
        documents && typeof want === 'string' && !sealed.has(path)
          ? compareDocuments(path, key, want, have, documents)
          : undefined;
      if (document === 'ignored') continue;
      changes.push({
        path,
        type: 'changed',
        desired: show(want, false),
        live: show(have, true),
        ...(document ? { document } : {}),
      });
    }
  }
  return changes;
}

// A live Secret value arrives as its digest: compare digests; anything else compares as text.
function sameValue(want: string | SecretValue, have: string, liveDigests: boolean): boolean {
  return want instanceof SecretValue ? want.matches(have, liveDigests ? 'digest' : 'text') : want === have;
}

/** maxDocumentChanges caps the paths listed for one value; the rest are counted in `more`. */
const maxDocumentChanges = 100;

/**
 * compareDocuments lists the paths that differ inside a value holding a JSON or YAML document, less
 * those the ignore paths name (`data.<key>#/pointer`). Where ignore paths name paths inside the
 * value, it is compared as a document: 'ignored' when no other path differs, even if the text does
 * (formatting, comments). Undefined when the value is no document (compared as text, as any value).
 */
export function compareDocuments(
  path: string,
  key: string,
  desired: string,
  live: string,
  ignorePaths: readonly string[],
): DocumentDiff | 'ignored' | undefined {
  const format = documentFormatOf(key, desired, live);
  if (!format) return undefined;
  const want = parseDocument(format, desired);
  const have = want && parseDocument(format, live);
  const all = want && have ? diffDocuments(want, have) : undefined;
  if (!all) return undefined;
  const patterns = documentIgnoresOf(ignorePaths, path);
  const kept = all.filter((c) => !ignoresPointer(patterns, c.pointer));
  if (patterns.length > 0 && kept.length === 0) return 'ignored';
  const ignored = all.length - kept.length;
  const more = kept.length - maxDocumentChanges;
  return {
    format,
    changes: kept.slice(0, maxDocumentChanges),
    ...(more > 0 ? { more } : {}),
    ...(ignored > 0 ? { ignored } : {}),
  };
}

/** withoutIgnored drops ignored paths, and keys added by tolerated field managers. */
function withoutIgnored(changes: FieldChange[], live: LiveObject, ignore: IgnoreSpec): FieldChange[] {
  return changes.filter((c) => {
    if (ignoresField(ignore.paths, c.path)) return false;
    if (c.type !== 'added' || ignore.managers.length === 0) return true;
    const owners = ownersOf(c.path, live.managedFields);
    return !(owners.length > 0 && owners.every((m) => matchesAny(ignore.managers, m)));
  });
}
