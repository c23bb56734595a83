/**
 * One reconcile cycle over the fleet: read each cluster, compute drift, and — where the decision
 * says auto — remediate: every request first with dryRun=All, then for real, then re-read to
 * confirm the object is in sync. Clusters run in parallel; one that is down or slow only reports
 * its own error. Returns what it did and what it held back, and why (also when parts failed).
 */

import {
  decide,
  type IgnoreSpec,
  ignoreSpecOf,
  matchingRules,
  type PolicyDecision,
} from '../../policies/engine.ts';
import { applyLimits } from '../../policies/limits.ts';
import type { Policy } from '../../policies/policy-file.ts';
import { applyWaves } from '../../policies/waves.ts';
import type { Decision } from '../core/decision.ts';
import { codeOf, type Failure, failureOf, isTransient, type TrueupCode } from '../core/errors.ts';
import {
  type DesiredObject,
  type Drift,
  formatRepoError,
  type LiveObject,
  type ObjectRef,
  objectKey,
  type RepoError,
} from '../core/model.ts';
import { digestOf, shortDigest } from '../core/secret-value.ts';
import { diffObject } from '../diff/diff.ts';
import type { ClusterAccess } from '../kube/kube-cluster.ts';
import type { ClusterDesiredState } from '../repo/desired-state.ts';
import type { FleetState } from '../repo/fleet-state.ts';
import { expectationOf, type WriteJournal } from './intents.ts';
import { type ApplyManifest, type ChangeAction, isOwnObject, type Plan, planRemediation } from './plan.ts';
import { cycleReadings, observationsOf } from './wave-state.ts';

/** CycleOptions are the switches of one reconcile cycle. */
export interface CycleOptions {
  fieldManager: string;
  /** installation is this installation's id (trueup.io/installation): marks applies, bounds orphans and prune. */
  installation?: string;
  /** remediate turns remediation on (the decision may still hold changes back). */
  remediate: boolean;
  /** dryRun plans and validates with the server's dry-run but changes nothing. */
  dryRun: boolean;
  prune: boolean;
  replaceImmutable: boolean;
  /** recordEvents writes Kubernetes Events on remediated and failed objects. */
  recordEvents: boolean;
  /** now is the clock policy windows (and canary waves' settle time) are read with. */
  now?: () => Date;
  /**
   * changedAt tells when trueup last remediated an object (e.g. from the audit store), so canary
   * waves measure settle time from it even when the live object carries no stamp of it.
   */
  changedAt?: (cluster: string, key: string) => Date | undefined;
  /** journal records an intent before each remediation's first write (crash consistency, see intents.ts). */
  journal?: WriteJournal;
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
  /** failure is the same failure coded from the error catalog: `{code, message, transient}`. */
  failure?: Failure;
  /**
   * pending is set when the change waits for approval: what it would do, and the live
   * resourceVersion it was planned (and dry-run) against. An approval is bound to both.
   */
  pending?: { action: ChangeAction; resourceVersion: string };
  /** approval is the id of the pending approval queued for it (`trueup approve <id>`). */
  approval?: string;
  /** before and after digests of the object's managed content. */
  before?: string;
  after?: string;
  /**
   * recreateFailed: a replacement deleted the object but could not create it again (after
   * retrying); the object is missing on the cluster until a later remediation creates it.
   */
  recreateFailed?: boolean;
  /** intent is the id of the write intent recorded before the first write; its audit record completes it. */
  intent?: string;
}

/** ClusterReport is one cluster's part of a cycle. */
export interface ClusterReport {
  name: string;
  reachable: boolean;
  error?: string;
  drifts: Drift[];
  /** changeSet is what the cycle did or held back for each drifted object (`changes` in the JSON, deprecated). */
  changeSet: ChangeSetEntry[];
}

/** CycleReport is what a reconcile cycle found and did. */
export interface CycleReport {
  revision: string;
  clusters: ClusterReport[];
  errors: RepoError[];
}

/** reconcileFleet runs one cycle on the selected clusters of the desired state. */
export async function reconcileFleet(
  state: FleetState,
  access: (cluster: ClusterDesiredState['cluster']) => ClusterAccess,
  options: CycleOptions,
  selected?: readonly string[],
): Promise<CycleReport> {
  const clusters = state.clusters.filter((c) => !selected?.length || selected.includes(c.cluster.name));
  const context = {
    fieldManager: options.fieldManager,
    ...(options.installation !== undefined ? { installation: options.installation } : {}),
    policy: state.policy,
    remediate: options.remediate || options.dryRun,
    now: (options.now ?? (() => new Date()))(),
  };
  // 1. List and evaluate every cluster, in parallel; one that fails is reported alone.
  const listed = await Promise.all(clusters.map((c) => listCluster(c, access, context)));
  // 2. Canary waves, then blast-radius limits, across the whole cycle (what they hold waits for
  //    approval). An earlier wave drifted in this cycle holds the later ones: it is not settled.
  const drifted = listed.flatMap((l) =>
    'evaluations' in l ? l.evaluations.filter((e) => e.drift.status !== 'in-sync') : [],
  );
  const readings = cycleReadings(
    state.clusters,
    new Map(listed.flatMap((l) => ('evaluations' in l ? [[l.desired.cluster.name, l] as const] : []))),
  );
  for (const e of drifted) {
    const reading = readings.find((r) => r.cluster.name === e.drift.cluster);
    if (!reading || e.decision.mode !== 'auto' || !e.decision.limits.some((l) => l.waves)) continue;
    const observed = observationsOf(readings, objectKey(e.drift), options.changedAt);
    e.decision = applyWaves(e.decision, reading.cluster, observed, context.now).decision;
  }
  const limited = applyLimits(
    drifted.map((e) => ({ cluster: e.drift.cluster, key: objectKey(e.drift), decision: e.decision })),
    state.clusters.map((c) => c.cluster.name),
  );
  drifted.forEach((e, i) => {
    e.decision = limited[i] ?? e.decision;
    e.drift.decision = publicDecision(e.decision);
  });
  // 3. Remediate, clusters in parallel, objects one at a time per cluster.
  const reports = await Promise.all(
    listed.map((l) => ('evaluations' in l ? remediateCluster(l, options) : l)),
  );
  return { revision: state.revision, clusters: reports, errors: state.errors };
}

interface ListedCluster {
  desired: ClusterDesiredState;
  cluster: ClusterAccess;
  live: LiveObject[];
  evaluations: Evaluation[];
}

async function listCluster(
  desired: ClusterDesiredState,
  access: (cluster: ClusterDesiredState['cluster']) => ClusterAccess,
  context: EvaluationContext,
): Promise<ListedCluster | ClusterReport> {
  const name = desired.cluster.name;
  try {
    // access() fails e.g. for a missing kubeconfig context: that cluster alone is reported.
    const cluster = access(desired.cluster);
    const live = await cluster.listObjects();
    return { desired, cluster, live, evaluations: evaluateCluster(desired, live, context) };
  } catch (err) {
    return { name, reachable: false, error: (err as Error).message, drifts: [], changeSet: [] };
  }
}

async function remediateCluster(l: ListedCluster, options: CycleOptions): Promise<ClusterReport> {
  const changeSet: ChangeSetEntry[] = [];
  if (options.remediate || options.dryRun) {
    const desiredByKey = new Map(l.desired.objects.map((o) => [objectKey(o), o]));
    const liveByKey = new Map(l.live.map((o) => [objectKey(o), o]));
    // One object at a time per cluster: a remediation must see the result of the previous one.
    for (const evaluation of l.evaluations) {
      if (evaluation.drift.status === 'in-sync') continue;
      const key = objectKey(evaluation.drift);
      changeSet.push(
        await remediateDrift(
          evaluation,
          desiredByKey.get(key),
          liveByKey.get(key),
          l.desired.complete,
          l.cluster,
          options,
        ),
      );
    }
  }
  return {
    name: l.desired.cluster.name,
    reachable: true,
    drifts: l.evaluations.map((e) => e.drift),
    changeSet,
  };
}

/** Evaluation is one object's drift under the policy, with what the plan needs from the rules. */
export interface Evaluation {
  drift: Drift;
  decision: PolicyDecision;
  ignore: IgnoreSpec;
}

/** EvaluationContext is what evaluating drift depends on besides the objects. */
export interface EvaluationContext {
  fieldManager: string;
  /** installation: this installation's id; only live objects carrying it can be its orphans. */
  installation?: string;
  policy: Policy;
  /** remediate: whether auto may stand (diff passes true to show what remediation would do). */
  remediate: boolean;
  now: Date;
}

/**
 * evaluateObject computes one object's drift (ignored paths left out) and the policy decision.
 * Undefined when there is nothing to report: not trueup's object, or the policy says ignore.
 */
export function evaluateObject(
  desiredState: ClusterDesiredState,
  desired: DesiredObject | undefined,
  live: LiveObject | undefined,
  context: EvaluationContext,
): Evaluation | undefined {
  const ref = desired ?? live;
  if (!ref) return undefined;
  if (!desired) {
    // Orphans: objects trueup applied that the repo no longer declares (unknown ones are not ours).
    const key = objectKey(ref);
    const ours = live !== undefined && isOwnObject(live, context.fieldManager, context.installation);
    if (!ours || desiredState.erroredObjects.has(key)) return undefined;
  }
  const object = {
    cluster: desiredState.cluster,
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    labels: desired?.labels ?? live?.labels ?? {},
  };
  const ignore = ignoreSpecOf(matchingRules(context.policy, object));
  const drift = diffObject({ ...ref, cluster: desiredState.cluster.name }, desired, live, {
    fieldManager: context.fieldManager,
    ignore,
  });
  let decision = decide(context.policy, object, drift, { remediate: context.remediate, now: context.now });
  if (decision.mode === 'ignore' && drift.status !== 'in-sync') return undefined;
  const heldBy = desired ? undefined : heldByRepoErrors(desiredState, objectKey(ref));
  if (heldBy) {
    // Not orphaned: a file that cannot be read may declare it. Report it, touch nothing.
    drift.status = 'unknown';
    drift.heldBy = heldBy;
    decision = { ...decision, mode: 'observe', hold: undefined, reasons: [heldReason(heldBy)] };
  }
  if (drift.status !== 'in-sync') drift.decision = publicDecision(decision);
  return { drift, decision, ignore };
}

/**
 * heldByRepoErrors returns the repo errors that make an undeclared object's desired state unknown on
 * a cluster: the errors of the file seen to declare it, else every error that leaves the cluster's
 * desired state incomplete (it may be declared there). Undefined when the desired state is complete.
 */
export function heldByRepoErrors(state: ClusterDesiredState, key: string): RepoError[] | undefined {
  const unreadable = state.unreadable ?? [];
  if (unreadable.length === 0) return undefined;
  const own = unreadable.filter((e) => e.holds?.includes(key));
  return (own.length > 0 ? own : unreadable).map(({ holds: _holds, ...error }) => error);
}

function heldReason(errors: RepoError[]): string {
  const [first, ...rest] = errors;
  const more = rest.length > 0 ? ` (and ${rest.length} more repo error(s))` : '';
  return `held by repo error ${first ? formatRepoError(first) : ''}${more}: its desired state is unknown, so it is not orphaned and never pruned`;
}

/** publicDecision is the part of a decision that is reported and stored. */
export function publicDecision(d: PolicyDecision): Decision {
  return { mode: d.mode, reasons: d.reasons, ruleRefs: d.ruleRefs, ...(d.hold ? { hold: d.hold } : {}) };
}

/** evaluateCluster evaluates every desired and every live object of one cluster. */
export function evaluateCluster(
  desired: ClusterDesiredState,
  live: LiveObject[],
  context: EvaluationContext,
): Evaluation[] {
  const liveByKey = new Map(live.map((o) => [objectKey(o), o]));
  const declared = new Set(desired.objects.map(objectKey));
  const evaluations = desired.objects.map((d) =>
    evaluateObject(desired, d, liveByKey.get(objectKey(d)), context),
  );
  for (const o of live)
    if (!declared.has(objectKey(o))) evaluations.push(evaluateObject(desired, undefined, o, context));
  return evaluations.filter((e): e is Evaluation => e !== undefined);
}

/** remediateDrift decides, plans and (after a passing dry-run) executes the fix for one drift. */
export async function remediateDrift(
  { drift, decision, ignore }: Evaluation,
  desired: DesiredObject | undefined,
  live: LiveObject | undefined,
  complete: boolean,
  cluster: ClusterAccess,
  options: CycleOptions,
): Promise<ChangeSetEntry> {
  // A change waiting for approval is planned and dry-run like an auto one, so the approver sees
  // exactly what would be applied and whether the server accepts it; it is not applied.
  const awaitingApproval = decision.mode === 'approve' && options.remediate;
  const planned = awaitingApproval ? { ...decision, mode: 'auto' as const } : decision;
  const plan = planRemediation(drift, desired, live, planned, {
    prune: options.prune || decision.prune,
    replaceImmutable: options.replaceImmutable || decision.replaceImmutable,
    complete,
    force: decision.force,
    ignorePaths: ignore.paths,
    ...(options.installation !== undefined ? { installation: options.installation } : {}),
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
    decision: publicDecision(decision),
    ...(live ? { before: contentDigest(live) } : {}),
  };
  if (plan.action === 'skipped' || plan.action === 'unchanged') return entry;

  try {
    await execute(plan, cluster, true);
    entry.dryRun = 'passed';
  } catch (err) {
    entry.dryRun = 'failed';
    entry.error = `dry-run failed, nothing applied: ${(err as Error).message}`;
    // A cluster that cannot be reached keeps its own (transient) code; any other refusal is the dry-run's.
    const code = codeOf(err, 'TRUEUP_DRY_RUN_FAILED');
    entry.failure = failureOf(isTransient(code) ? code : 'TRUEUP_DRY_RUN_FAILED', entry.error);
    await event(cluster, options, ref, live?.uid, 'Warning', 'RemediationFailed', entry.error);
    return entry;
  }
  if (awaitingApproval) {
    entry.pending = { action: plan.action, resourceVersion: live?.resourceVersion ?? '' };
    entry.action = 'skipped';
    entry.reasons = [...decision.reasons, 'waiting for approval'];
    return entry;
  }
  if (options.dryRun) {
    entry.reasons = [...entry.reasons, 'dry run: validated by the server, not applied'];
    return entry;
  }
  try {
    // Recorded before the first write: a crash from here on leaves an intent that recovery settles.
    if (options.journal) entry.intent = options.journal.intend(ref, expectationOf(plan, live));
    await execute(plan, cluster, false);
    const after = await cluster.read(ref);
    if (plan.action === 'deleted') {
      if (after) throw new Error('still present after delete');
    } else {
      if (!after) throw new Error('not found after apply');
      entry.after = contentDigest(after);
      const check = diffObject(ref, desired, after, { fieldManager: options.fieldManager, ignore });
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
    entry.failure = failureOf(codeOf(err, 'TRUEUP_APPLY_FAILED'), entry.error);
    if (err instanceof RecreateFailedError) entry.recreateFailed = true;
    await event(cluster, options, ref, live?.uid, 'Warning', 'RemediationFailed', entry.error);
  }
  return entry;
}

/** recreateAttempts bounds the immediate retries of a replacement's create after its delete. */
const recreateAttempts = 3;

/**
 * RecreateFailedError is a replacement whose delete went through but whose create did not, even
 * after retrying: the object is missing on the cluster until a later remediation creates it.
 */
export class RecreateFailedError extends Error {
  override name = 'RecreateFailedError';
  readonly code: TrueupCode = 'TRUEUP_RECREATE_FAILED';
  readonly ref: ObjectRef;

  constructor(ref: ObjectRef, attempts: number, cause: Error) {
    super(
      `${ref.kind} ${ref.namespace}/${ref.name} was deleted to be replaced, but creating it again failed ${attempts} times; it is missing until the next remediation creates it: ${cause.message}`,
    );
    this.ref = ref;
  }
}

/**
 * execute runs a plan's requests in order: remove keys, delete, apply. A replacement (delete, then
 * create) is validated whole in the dry-run: the delete, and the create as a new object, so that a
 * create the server would refuse (admission, quota, invalid) never follows a delete.
 */
async function execute(plan: Plan, cluster: ClusterAccess, dryRun: boolean): Promise<void> {
  if (plan.removeKeys)
    await cluster.removeKeys(plan.ref, plan.removeKeys.paths, plan.removeKeys.resourceVersion, { dryRun });
  if (plan.delete) await cluster.delete(plan.ref, plan.delete, { dryRun });
  if (!plan.apply) return;
  if (dryRun && plan.delete) return cluster.validateCreate(plan.apply);
  if (dryRun || !plan.delete) {
    await cluster.apply(plan.apply, { dryRun, force: plan.force });
    return;
  }
  await recreate(plan, plan.apply, cluster);
}

/** recreate creates a replaced object again, retrying at once (bounded) since it is gone meanwhile. */
async function recreate(plan: Plan, manifest: ApplyManifest, cluster: ClusterAccess): Promise<void> {
  let last: Error | undefined;
  for (let attempt = 1; attempt <= recreateAttempts; attempt++) {
    try {
      await cluster.apply(manifest, { dryRun: false, force: plan.force });
      return;
    } catch (err) {
      last = err as Error;
      if (attempt < recreateAttempts) await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
  throw new RecreateFailedError(plan.ref, recreateAttempts, last as Error);
}

function remediationMessage(plan: Plan, drift: Drift): string {
  const paths = drift.changes.map((c) => c.path);
  return `trueup ${plan.action} ${drift.kind} ${drift.namespace}/${drift.name}${paths.length ? `: ${paths.join(', ')}` : ''} (${plan.reasons.join('; ')})`;
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
