/**
 * The pipeline's first step, evaluate: one object's drift (ignored paths left out) and the policy's
 * decision about it, with what the plan needs from the rules. Pure. The decision is set here, and
 * changed afterwards only through `setDecision` (the gate), so the drift's public copy never lags.
 */
import {
  decide,
  type IgnoreSpec,
  ignoreSpecOf,
  matchingRules,
  type PolicyDecision,
} from '../../policies/engine.ts';
import type { Policy } from '../../policies/policy-file.ts';
import type { Decision } from '../core/decision.ts';
import {
  type DesiredObject,
  type Drift,
  formatRepoError,
  type LiveObject,
  objectKey,
  type RepoError,
} from '../core/model.ts';
import { diffObject } from '../diff/diff.ts';
import type { ClusterDesiredState } from '../repo/desired-state.ts';
import { isOwnObject } from './plan.ts';

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

/** EvaluationSwitches are the run's switches an evaluation depends on. */
export interface EvaluationSwitches {
  fieldManager: string;
  installation?: string;
  remediate: boolean;
  /** dryRun shows what remediation would do: auto stands as with remediate. */
  dryRun?: boolean;
}

/**
 * evaluationContext is the one way an evaluation context is built: the policy of the revision in
 * use, the run's switches and the time the policy's windows are read at.
 */
export function evaluationContext(
  policy: Policy,
  switches: EvaluationSwitches,
  now: Date,
): EvaluationContext {
  return {
    fieldManager: switches.fieldManager,
    ...(switches.installation !== undefined ? { installation: switches.installation } : {}),
    policy,
    remediate: switches.remediate || switches.dryRun === true,
    now,
  };
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
  const evaluation = { drift, decision, ignore };
  setDecision(evaluation, decision);
  return drift.status === 'in-sync' ? compactInSync(evaluation) : evaluation;
}

// Shared, frozen: most objects are in sync, and the daemon keeps an evaluation for each.
const none: readonly never[] = Object.freeze([]);
const inSyncReasons: readonly string[] = Object.freeze(['in sync']);

/**
 * compactInSync makes an in-sync evaluation share its empty lists (changes, attribution, rule
 * references, limits, ignore lists) and its one reason with every other: it is only read, and the
 * daemon holds one per object and cluster.
 */
function compactInSync(evaluation: Evaluation): Evaluation {
  const { drift, decision, ignore } = evaluation;
  const share = <T>(list: T[]): T[] => (list.length === 0 ? (none as never as T[]) : list);
  drift.changes = share(drift.changes);
  drift.driftedBy = share(drift.driftedBy);
  decision.ruleRefs = share(decision.ruleRefs);
  decision.limits = share(decision.limits);
  if (decision.reasons.length === 1 && decision.reasons[0] === inSyncReasons[0])
    decision.reasons = inSyncReasons as string[];
  ignore.paths = share(ignore.paths);
  ignore.managers = share(ignore.managers);
  return evaluation;
}

/**
 * setDecision is the one place an evaluation's decision is set (by evaluation, then by the gate):
 * a drift that is not in sync carries the public part of it, as reported and stored.
 */
export function setDecision(evaluation: Evaluation, decision: PolicyDecision): void {
  evaluation.decision = decision;
  if (evaluation.drift.status !== 'in-sync') evaluation.drift.decision = publicDecision(decision);
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
