/**
 * Remediation planning: from a drift, the objects and the decision to the requests that fix it.
 * Pure; the kube edge executes a plan (dry-run first, then for real).
 */
import type { Decision } from '../core/decision.ts';
import { ignoresField } from '../core/ignore-path.ts';
import type { DesiredObject, Drift, LiveObject, ObjectRef } from '../core/model.ts';
import type { SecretValue } from '../core/secret-value.ts';
import { compareDocuments } from '../diff/diff.ts';

/** createdByAnnotation marks objects trueup created; only those may ever be pruned. */
export const createdByAnnotation = 'trueup.io/created-by';

/**
 * installationAnnotation carries the id of the trueup installation that applied an object (every
 * apply sets it). Only objects carrying an installation's own id are its orphans, and only those
 * it may prune: two installations on one cluster never take each other's objects for orphans.
 */
export const installationAnnotation = 'trueup.io/installation';

/**
 * isOwnObject tells whether a live object belongs to this installation for orphan reporting and
 * pruning: it carries this installation's id. Without an id (a library caller), the legacy rule:
 * applied by this field manager, and not marked by another installation.
 */
export function isOwnObject(
  live: Pick<LiveObject, 'annotations' | 'managedFields'>,
  fieldManager: string,
  installation: string | undefined,
): boolean {
  const mark = live.annotations[installationAnnotation];
  if (installation !== undefined) return mark === installation;
  if (mark !== undefined) return false;
  return live.managedFields.some((f) => f.manager === fieldManager && f.operation === 'Apply');
}

/** ChangeAction is what a remediation did (or would do) to one object. */
export type ChangeAction = 'created' | 'configured' | 'replaced' | 'unchanged' | 'skipped' | 'deleted';

/** ApplyManifest is the body of a server-side apply request (Secret values already base64). */
export interface ApplyManifest {
  apiVersion: 'v1';
  kind: 'ConfigMap' | 'Secret';
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  type?: string;
  immutable?: boolean;
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/**
 * Plan is what to do with one object. Steps run in order: `removeKeys` (a JSON patch guarded by the
 * observed resourceVersion, so a concurrent edit is never overwritten with stale data), `delete`,
 * then `apply` (server-side apply, forced so the repo's values win).
 */
export interface Plan {
  ref: ObjectRef;
  action: ChangeAction;
  reasons: string[];
  removeKeys?: { paths: string[]; resourceVersion: string };
  delete?: { uid: string; resourceVersion: string };
  apply?: ApplyManifest;
  /**
   * keepLive lists the Secret keys the policy ignores whose live value differs from the repo's: the
   * apply sends their live values, read right before it (trueup holds only their digests).
   */
  keepLive?: string[];
  /** force takes over fields other managers own (server-side apply `force`). */
  force: boolean;
}

/** PlanOptions are the run's remediation switches. */
export interface PlanOptions {
  /** replaceImmutable allows delete + create of an immutable object that drifted. */
  replaceImmutable: boolean;
  /** prune allows deleting objects trueup created that the repo no longer declares. */
  prune: boolean;
  /** complete is false when repo errors may hide objects: then nothing is pruned. */
  complete: boolean;
  /** force takes over fields owned by other managers (policy `force`, default true). */
  force: boolean;
  /** ignorePaths (policy `ignore.paths` globs) are never touched by the apply. */
  ignorePaths: string[];
  /** installation is this installation's id: every apply marks the object with it; only marked objects are pruned. */
  installation?: string;
}

/** defaultPlanOptions is the safe default: no replacing, no pruning. */
export function defaultPlanOptions(): PlanOptions {
  return { replaceImmutable: false, prune: false, complete: true, force: true, ignorePaths: [] };
}

/** planRemediation plans the fix for one drift. */
export function planRemediation(
  drift: Drift,
  desired: DesiredObject | undefined,
  live: LiveObject | undefined,
  decision: Decision,
  options: PlanOptions,
): Plan {
  const ref: ObjectRef = {
    cluster: drift.cluster,
    kind: drift.kind,
    namespace: drift.namespace,
    name: drift.name,
  };
  const plan = planFor(
    drift,
    ref,
    desired && live ? withoutIgnoredPaths(desired, live, options.ignorePaths) : desired,
    live,
    decision,
    options,
  );
  const keepLive = plan.apply && desired && live ? ignoredSecretKeysToKeep(desired, live, options) : [];
  return { ...plan, ...(keepLive.length ? { keepLive } : {}), force: options.force };
}

/** ignoredSecretKeysToKeep lists a Secret's ignored keys that are live with a value other than the repo's. */
function ignoredSecretKeysToKeep(desired: DesiredObject, live: LiveObject, options: PlanOptions): string[] {
  if (desired.kind !== 'Secret' || options.ignorePaths.length === 0) return [];
  return Object.entries(desired.data)
    .filter(([k, v]) => {
      const have = live.data[k];
      if (have === undefined || !ignoresField(options.ignorePaths, `data.${k}`)) return false;
      return typeof v === 'string' ? have !== v : !v.matches(have, 'digest');
    })
    .map(([k]) => k);
}

function planFor(
  drift: Drift,
  ref: ObjectRef,
  desired: DesiredObject | undefined,
  live: LiveObject | undefined,
  decision: Decision,
  options: PlanOptions,
): Omit<Plan, 'force'> {
  if (drift.status === 'in-sync') return { ref, action: 'unchanged', reasons: ['in sync'] };
  // Held by a repo error: whatever the decision, an object whose desired state is unknown is left alone.
  if (drift.status === 'unknown')
    return { ref, action: 'skipped', reasons: drift.decision?.reasons ?? ['held by repo errors'] };
  if (decision.mode !== 'auto') return { ref, action: 'skipped', reasons: decision.reasons };

  if (drift.status === 'orphaned' || !desired) return planPrune(ref, live, options);

  if (!live) {
    return {
      ref,
      action: 'created',
      reasons: ['missing on the cluster'],
      apply: toApplyManifest(desired, true, options.installation),
    };
  }
  const createdByTrueup = live.annotations[createdByAnnotation] !== undefined;
  if (live.immutable) {
    if (!options.replaceImmutable) {
      return {
        ref,
        action: 'skipped',
        reasons: ['the live object is immutable; replacing it needs --replace-immutable'],
      };
    }
    return {
      ref,
      action: 'replaced',
      reasons: ['the live object is immutable: delete and create (--replace-immutable)'],
      delete: { uid: live.uid, resourceVersion: live.resourceVersion },
      apply: toApplyManifest(desired, createdByTrueup, options.installation),
    };
  }
  const extraKeys = drift.changes
    .filter((c) => c.type === 'added' && (c.path.startsWith('data.') || c.path.startsWith('binaryData.')))
    .map((c) => c.path);
  return {
    ref,
    action: 'configured',
    reasons: decision.reasons,
    ...(extraKeys.length > 0
      ? { removeKeys: { paths: extraKeys, resourceVersion: live.resourceVersion } }
      : {}),
    apply: toApplyManifest(desired, createdByTrueup, options.installation),
  };
}

/** planPrune plans an object the repo no longer declares: deleted only with prune, and only if it is this installation's own. */
function planPrune(ref: ObjectRef, live: LiveObject | undefined, options: PlanOptions): Omit<Plan, 'force'> {
  if (!live) return { ref, action: 'unchanged', reasons: ['already gone'] };
  if (!options.prune)
    return { ref, action: 'skipped', reasons: ['not in the repo any more; prune is off (--prune)'] };
  if (live.annotations[createdByAnnotation] === undefined) {
    return {
      ref,
      action: 'skipped',
      reasons: [`not in the repo any more, but trueup did not create it (no ${createdByAnnotation})`],
    };
  }
  const mark = live.annotations[installationAnnotation];
  if (options.installation !== undefined && mark !== options.installation) {
    return {
      ref,
      action: 'skipped',
      reasons: [
        mark === undefined
          ? `not in the repo any more, but it carries no installation id (${installationAnnotation}): never pruned`
          : `not in the repo any more, but another trueup installation (${mark}) applied it`,
      ],
    };
  }
  if (!options.complete) return { ref, action: 'skipped', reasons: ['not pruned while the repo has errors'] };
  return {
    ref,
    action: 'deleted',
    reasons: ['not in the repo any more; --prune'],
    delete: { uid: live.uid, resourceVersion: live.resourceVersion },
  };
}

/**
 * withoutIgnoredPaths keeps what the policy ignores as it is live. An ignored field whose live value
 * differs is applied with its live value rather than left out: leaving out a field trueup's field
 * manager owns would make server-side apply delete it (a repo change to an ignored key removed the
 * key). An ignored field that is not live is left out. A ConfigMap value that differs only at ignored
 * paths inside its document is applied with its live value too; one that differs elsewhere as well is
 * applied whole, as the repo has it. Secret values are held only as digests, so an ignored Secret
 * key whose live value differs is left out here and listed in the plan's `keepLive`: the apply reads
 * its live value right before it is sent.
 */
export function withoutIgnoredPaths(
  desired: DesiredObject,
  live: LiveObject,
  ignorePaths: string[],
): DesiredObject {
  if (ignorePaths.length === 0) return desired;
  const keepLive = <T extends string | SecretValue>(
    prefix: string,
    want: Record<string, T>,
    have: Record<string, string>,
  ) => {
    const out: Record<string, T | string> = {};
    for (const [k, v] of Object.entries(want)) {
      if (!ignoresField(ignorePaths, `${prefix}.${k}`)) out[k] = v;
      else if (have[k] !== undefined) out[k] = have[k];
    }
    return out;
  };
  const keepMatching = (want: Record<string, SecretValue | string>, have: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(want).filter(([k, v]) => {
        if (!ignoresField(ignorePaths, `data.${k}`)) return true;
        const live = have[k];
        if (live === undefined) return false;
        return typeof v === 'string' ? live === v : v.matches(live, 'digest');
      }),
    );
  let data: DesiredObject['data'];
  if (desired.kind === 'ConfigMap') {
    const plain = keepLive('data', desired.data, live.data);
    for (const [k, v] of Object.entries(plain)) {
      const have = live.data[k];
      // A SOPS-decrypted ConfigMap value (a SecretValue) is not parsed as a document.
      if (typeof v !== 'string' || have === undefined || have === v) continue;
      if (compareDocuments(`data.${k}`, k, v, have, ignorePaths) === 'ignored') plain[k] = have;
    }
    data = plain;
  } else {
    data = keepMatching(desired.data, live.data);
  }
  return {
    ...desired,
    data,
    binaryData: keepLive('binaryData', desired.binaryData, live.binaryData),
    labels: keepLive('metadata.labels', desired.labels, live.labels),
    annotations: keepLive('metadata.annotations', desired.annotations, live.annotations),
  };
}

/**
 * toApplyManifest renders the server-side apply body, marked with the installation id when given;
 * Secret values are revealed here and only here.
 */
export function toApplyManifest(
  desired: DesiredObject,
  createdByTrueup: boolean,
  installation?: string,
): ApplyManifest {
  const annotations = {
    ...desired.annotations,
    ...(createdByTrueup ? { [createdByAnnotation]: 'trueup' } : {}),
    ...(installation !== undefined ? { [installationAnnotation]: installation } : {}),
  };
  const manifest: ApplyManifest = {
    apiVersion: 'v1',
    kind: desired.kind,
    metadata: {
      name: desired.name,
      namespace: desired.namespace,
      ...(Object.keys(desired.labels).length ? { labels: desired.labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
  };
  if (desired.kind === 'Secret') manifest.type = desired.type ?? 'Opaque';
  if (desired.immutable !== undefined) manifest.immutable = desired.immutable;
  // A ConfigMap value SOPS decrypted is a SecretValue too, but ConfigMap data is text, not base64.
  const data = Object.entries(desired.data).map(([k, v]) => [
    k,
    typeof v === 'string' ? v : desired.kind === 'Secret' ? v.reveal().toString('base64') : v.revealString(),
  ]);
  if (data.length) manifest.data = Object.fromEntries(data);
  if (Object.keys(desired.binaryData).length) manifest.binaryData = desired.binaryData;
  return manifest;
}

/** jsonPointer turns a drift path (`data.ca.crt`) into a JSON patch path (`/data/ca.crt`). */
export function jsonPointer(path: string): string {
  const [top, ...rest] = path.startsWith('binaryData.')
    ? ['binaryData', path.slice(11)]
    : ['data', path.slice(5)];
  return `/${top}/${rest.join('.').replaceAll('~', '~0').replaceAll('/', '~1')}`;
}
