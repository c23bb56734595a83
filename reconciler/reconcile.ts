/**
 * One reconcile cycle over the fleet: read each cluster, compute drift, and — where the decision
 * says auto — remediate: every request first with dryRun=All, then for real, then re-read to
 * confirm the object is in sync. Clusters run in parallel; one that is down or slow only reports
 * its own error. Returns what it did and what it held back, and why (also when parts failed).
 */
import { type Decision, decideRemediation } from '../policies/decision.ts';
import type { ClusterDesiredState, DesiredState } from './desired-state.ts';
import { diffObject } from './diff.ts';
import type { ClusterAccess } from './kube-cluster.ts';
import {
  type DesiredObject,
  type Drift,
  type LiveObject,
  type ObjectRef,
  objectKey,
  type RepoError,
} from './model.ts';
import { type ChangeAction, type Plan, planRemediation } from './plan.ts';
import { digestOf, shortDigest } from './secret-value.ts';

/** CycleOptions are the switches of one reconcile cycle. */
export interface CycleOptions {
  fieldManager: string;
  /** remediate turns remediation on (the decision may still hold changes back). */
  remediate: boolean;
  /** dryRun plans and validates with the server's dry-run but changes nothing. */
  dryRun: boolean;
  prune: boolean;
  replaceImmutable: boolean;
  /** recordEvents writes Kubernetes Events on remediated and failed objects. */
  recordEvents: boolean;
  /** decide overrides the decision point (the policies issue plugs in here). */
  decide?: (drift: Drift) => Decision;
}

/** defaultCycleOptions: report only, trueup's field manager, nothing unsafe. */
export function defaultCycleOptions(): CycleOptions {
  return {
    fieldManager: 'trueup',
    remediate: false,
    dryRun: false,
    prune: false,
    replaceImmutable: false,
    recordEvents: false,
  };
}

/** ChangeSetEntry is the outcome of remediating (or holding back) one object. */
export interface ChangeSetEntry extends ObjectRef {
  action: ChangeAction;
  reasons: string[];
  decision: Decision;
  /** dryRun is the server dry-run's verdict, when one ran. */
  dryRun?: 'passed' | 'failed';
  /** error says what failed; action is then what was attempted. */
  error?: string;
  /** before and after digests of the object's managed content. */
  before?: string;
  after?: string;
}

/** ClusterReport is one cluster's part of a cycle. */
export interface ClusterReport {
  name: string;
  reachable: boolean;
  error?: string;
  drifts: Drift[];
  changes: ChangeSetEntry[];
}

/** CycleReport is what a reconcile cycle found and did. */
export interface CycleReport {
  revision: string;
  clusters: ClusterReport[];
  errors: RepoError[];
}

/** reconcileFleet runs one cycle on the selected clusters of the desired state. */
export async function reconcileFleet(
  state: DesiredState,
  access: (cluster: ClusterDesiredState['cluster']) => ClusterAccess,
  options: CycleOptions,
  selected?: readonly string[],
): Promise<CycleReport> {
  const clusters = state.clusters.filter((c) => !selected?.length || selected.includes(c.cluster.name));
  const reports = await Promise.all(
    clusters.map((c) => {
      let cluster: ClusterAccess;
      try {
        cluster = access(c.cluster);
      } catch (err) {
        // e.g. no such kubeconfig context: that cluster alone is reported.
        return {
          name: c.cluster.name,
          reachable: false,
          error: (err as Error).message,
          drifts: [],
          changes: [],
        };
      }
      return reconcileCluster(c, cluster, options);
    }),
  );
  return { revision: state.revision, clusters: reports, errors: state.errors };
}

/** findDrifts compares a cluster's desired objects with its live objects (orphans included). */
export function findDrifts(desired: ClusterDesiredState, live: LiveObject[], fieldManager: string): Drift[] {
  const liveByKey = new Map(live.map((o) => [objectKey(o), o]));
  const drifts = desired.objects.map((d) => diffObject(d, d, liveByKey.get(objectKey(d)), { fieldManager }));
  const declared = new Set(desired.objects.map(objectKey));
  for (const o of live) {
    const key = objectKey(o);
    // Orphans: objects trueup applied that the repo no longer declares (unknown ones are not ours).
    if (declared.has(key) || desired.erroredObjects.has(key)) continue;
    if (o.managedFields.some((f) => f.manager === fieldManager && f.operation === 'Apply')) {
      drifts.push(diffObject(o, undefined, o, { fieldManager }));
    }
  }
  return drifts;
}

async function reconcileCluster(
  desired: ClusterDesiredState,
  cluster: ClusterAccess,
  options: CycleOptions,
): Promise<ClusterReport> {
  const name = desired.cluster.name;
  let live: LiveObject[];
  try {
    live = await cluster.listObjects();
  } catch (err) {
    return { name, reachable: false, error: (err as Error).message, drifts: [], changes: [] };
  }
  const drifts = findDrifts(desired, live, options.fieldManager);
  const changes: ChangeSetEntry[] = [];
  if (options.remediate || options.dryRun) {
    const desiredByKey = new Map(desired.objects.map((o) => [objectKey(o), o]));
    const liveByKey = new Map(live.map((o) => [objectKey(o), o]));
    // One object at a time per cluster: a remediation must see the result of the previous one.
    for (const drift of drifts) {
      if (drift.status === 'in-sync') continue;
      const key = objectKey(drift);
      const entry = await remediateDrift(
        drift,
        desiredByKey.get(key),
        liveByKey.get(key),
        desired.complete,
        cluster,
        options,
      );
      changes.push(entry);
    }
  }
  return { name, reachable: true, drifts, changes };
}

/** remediateDrift decides, plans and (after a passing dry-run) executes the fix for one drift. */
export async function remediateDrift(
  drift: Drift,
  desired: DesiredObject | undefined,
  live: LiveObject | undefined,
  complete: boolean,
  cluster: ClusterAccess,
  options: CycleOptions,
): Promise<ChangeSetEntry> {
  const decision = (
    options.decide ?? ((d) => decideRemediation(d, { remediate: options.remediate || options.dryRun }))
  )(drift);
  const plan = planRemediation(drift, desired, live, decision, {
    prune: options.prune,
    replaceImmutable: options.replaceImmutable,
    complete,
  });
  const ref: ObjectRef = {
    cluster: drift.cluster,
    kind: drift.kind,
    namespace: drift.namespace,
    name: drift.name,
  };
  const entry: ChangeSetEntry = {
    ...ref,
    action: plan.action,
    reasons: plan.reasons,
    decision,
    ...(live ? { before: contentDigest(live) } : {}),
  };
  if (plan.action === 'skipped' || plan.action === 'unchanged') return entry;

  try {
    await execute(plan, cluster, true);
    entry.dryRun = 'passed';
  } catch (err) {
    entry.dryRun = 'failed';
    entry.error = `dry-run failed, nothing applied: ${(err as Error).message}`;
    await event(cluster, options, ref, live?.uid, 'Warning', 'RemediationFailed', entry.error);
    return entry;
  }
  if (options.dryRun) {
    entry.reasons = [...entry.reasons, 'dry run: validated by the server, not applied'];
    return entry;
  }
  try {
    await execute(plan, cluster, false);
    const after = await cluster.read(ref);
    if (plan.action === 'deleted') {
      if (after) throw new Error('still present after delete');
    } else {
      if (!after) throw new Error('not found after apply');
      entry.after = contentDigest(after);
      const check = diffObject(ref, desired, after, { fieldManager: options.fieldManager });
      if (check.status !== 'in-sync') {
        throw new Error(`still drifted after apply: ${check.changes.map((c) => c.path).join(', ')}`);
      }
    }
    await event(
      cluster,
      options,
      ref,
      after?.uid ?? live?.uid,
      'Normal',
      'DriftRemediated',
      remediationMessage(plan, drift),
    );
  } catch (err) {
    entry.error = (err as Error).message;
    await event(cluster, options, ref, live?.uid, 'Warning', 'RemediationFailed', entry.error);
  }
  return entry;
}

/** execute runs a plan's requests in order: remove keys, delete, apply. */
async function execute(plan: Plan, cluster: ClusterAccess, dryRun: boolean): Promise<void> {
  if (plan.removeKeys)
    await cluster.removeKeys(plan.ref, plan.removeKeys.paths, plan.removeKeys.resourceVersion, { dryRun });
  if (plan.delete) await cluster.delete(plan.ref, plan.delete, { dryRun });
  // After a dry-run delete the object still exists, so a replacement's create cannot be dry-run.
  if (plan.apply && !(dryRun && plan.delete)) await cluster.apply(plan.apply, { dryRun });
}

function remediationMessage(plan: Plan, drift: Drift): string {
  const paths = drift.changes.map((c) => c.path);
  return `trueup ${plan.action} ${drift.kind} ${drift.namespace}/${drift.name}${paths.length ? `: ${paths.join(', ')}` : ''}`;
}

async function event(
  cluster: ClusterAccess,
  options: CycleOptions,
  ref: ObjectRef,
  uid: string | undefined,
  type: 'Normal' | 'Warning',
  reason: 'DriftRemediated' | 'RemediationFailed',
  message: string,
): Promise<void> {
  if (!options.recordEvents || options.dryRun) return;
  // An Event is a courtesy: failing to record one must not fail the remediation.
  await cluster.recordEvent(ref, uid, { type, reason, message }).catch(() => {});
}

/** contentDigest is a short digest of an object's managed content (Secret values are digests already). */
export function contentDigest(o: LiveObject): string {
  const content = JSON.stringify([
    o.type ?? null,
    o.immutable ?? null,
    sorted(o.data),
    sorted(o.binaryData),
    sorted(o.labels),
    sorted(o.annotations),
  ]);
  return shortDigest(digestOf(Buffer.from(content)));
}

function sorted(map: Record<string, string>): [string, string][] {
  return Object.entries(map).sort(([a], [b]) => a.localeCompare(b));
}
