/**
 * Approvals: the one path by which a held remediation is approved or rejected, whatever the
 * channel (CLI today; console and chat-ops later). An approval is bound to the exact change it
 * showed: when the git revision or the live object changed since, it is refused as stale and a
 * fresh pending item is queued instead. An approved change still goes through dry-run, then apply.
 * A pending approval that a later evaluation makes unnecessary (the object is in sync) or different
 * (the drift changed) is marked stale with a note saying so (`supersedeApprovals`).
 */

import {
  type DesiredObject,
  type Drift,
  type LiveObject,
  type ObjectRef,
  objectKey,
  parseObjectKey,
  type RepoError,
} from '../core/model.ts';
import type { DaemonMetrics } from '../daemon/metrics.ts';
import type { ClusterAccess } from '../kube/kube-cluster.ts';
import type { ClusterDesiredState } from '../repo/desired-state.ts';
import type { FleetCluster } from '../repo/fleet-config.ts';
import type { FleetState } from '../repo/fleet-state.ts';
import type { Approval, AuditStore, DecidableState } from '../store/store.ts';
import { type ApprovalRelay, relayApproval } from './approval-relay.ts';
import type { ChangeSetEntry } from './change-set.ts';
import type { Evaluation } from './evaluate.ts';
import type { CycleOptions } from './options.ts';
import { evaluateRequested, remediateAndRecord } from './pipeline.ts';
import { recordOutcome } from './record.ts';
import { claimJournal } from './recovery.ts';
import { remediateDrift } from './remediate.ts';

/** ApprovalDeps are what deciding an approval needs. */
export interface ApprovalDeps {
  store: AuditStore;
  /** loadState fetches the repo now and builds the fleet state of its newest revision. */
  loadState: () => Promise<FleetState>;
  access: (cluster: FleetCluster) => ClusterAccess;
  options: CycleOptions;
  /** metrics, in serve: a replacement that could not create its object again is counted. */
  metrics?: Pick<DaemonMetrics, 'recreateFailures'>;
  /** relay, on a store replicas share: approvals of clusters another replica owns go to it (approval-relay.ts). */
  relay?: ApprovalRelay;
}

/** Approver is who decided, and through which channel (cli, console, slack, …). */
export interface Approver {
  actor: string;
  channel: string;
}

/** ApprovalOutcome is what became of an approve or reject request. */
export type ApprovalOutcome =
  | { ok: true; approval: Approval; entry?: ChangeSetEntry }
  | { ok: false; reason: string; code: ApprovalRefusal; fresh?: Approval };

/**
 * ApprovalRefusal codes a refused approve or reject: REFUSED (unknown, no longer pending, or stale)
 * or FAILED (claimed, but the change failed: the change-set entry's failure says why).
 */
export type ApprovalRefusal = 'TRUEUP_APPROVAL_REFUSED' | 'TRUEUP_APPROVAL_FAILED';

/** rejectApproval rejects a pending approval. */
export async function rejectApproval(
  store: AuditStore,
  id: string,
  by: Approver,
  note?: string,
): Promise<ApprovalOutcome> {
  const item = await store.approval(id);
  if (!item) return { ok: false, reason: `no approval ${id}`, code: 'TRUEUP_APPROVAL_REFUSED' };
  if (!(await store.decideApproval(id, 'rejected', { ...by, ...(note ? { note } : {}) }))) {
    return {
      ok: false,
      reason: `approval ${id} is ${item.state}${item.note ? ` (${item.note})` : ''}, not pending`,
      code: 'TRUEUP_APPROVAL_REFUSED',
    };
  }
  return { ok: true, approval: (await store.approval(id)) as Approval };
}

/**
 * approveApproval re-checks that the change is still the one shown, then remediates it. With a
 * relay and a cluster another replica owns, it records the approval as accepted for that owner
 * instead, and answers its outcome; the owner decides it `from: 'accepted'`.
 */
export async function approveApproval(
  deps: ApprovalDeps,
  id: string,
  by: Approver,
  options: { from?: DecidableState } = {},
): Promise<ApprovalOutcome> {
  const { store } = deps;
  const from = options.from ?? 'pending';
  const item = await store.approval(id);
  if (!item) return { ok: false, reason: `no approval ${id}`, code: 'TRUEUP_APPROVAL_REFUSED' };
  if (item.state !== from) {
    return {
      ok: false,
      reason: `approval ${id} is ${item.state}${item.note ? ` (${item.note})` : ''}, not ${from}`,
      code: 'TRUEUP_APPROVAL_REFUSED',
    };
  }
  if (from === 'pending' && deps.relay && !deps.relay.owns(item.entry.cluster))
    return relayApproval(store, deps.relay, item, by);
  const ref: ObjectRef = {
    cluster: item.entry.cluster,
    kind: item.entry.kind,
    namespace: item.entry.namespace,
    name: item.entry.name,
  };
  const state = await deps.loadState();
  const clusterState = state.clusters.find((c) => c.cluster.name === ref.cluster);
  if (!clusterState)
    return await stale(deps, item, by, `cluster ${ref.cluster} is no longer in the fleet`, from);
  const access = deps.access(clusterState.cluster);
  const live = await access.read(ref);
  const desired = clusterState.objects.find((o) => objectKey(o) === objectKey(ref));
  if (!desired) {
    // A file that cannot be read here (a SOPS file without its key, a syntax error) hides what the
    // repo declares: nothing to compare with is not "in sync". Refuse and keep the approval pending.
    const hidden = hiddenBy(clusterState, ref);
    if (hidden.length) return refuseHidden(item, hidden);
  }
  const evaluation = evaluateRequested(state, clusterState, { desired, live }, deps.options, new Date());
  const now: Standing = { state, clusterState, access, desired, live, evaluation };
  const why = staleBecause(item, now);
  if (why) return refuseStale(deps, item, by, why, now, from);
  if (!evaluation) return await stale(deps, item, by, 'the object is in sync now', from);
  return applyApproved(deps, item, by, { ...now, evaluation }, from);
}

/** hiddenBy lists the repo errors that may hide an object's desired state on its cluster. */
function hiddenBy(clusterState: ClusterDesiredState, ref: ObjectRef): RepoError[] {
  const key = objectKey(ref);
  const holding = clusterState.unreadable.filter((e) => e.holds?.includes(key));
  // An error that names nothing it holds may hide anything on the cluster.
  return holding.length ? holding : clusterState.unreadable.filter((e) => !e.holds?.length);
}

/** refuseHidden refuses an approval whose object the repo cannot show now, leaving it pending. */
function refuseHidden(item: Approval, errors: RepoError[]): ApprovalOutcome {
  const where = errors
    .slice(0, 3)
    .map((e) => `${e.file ?? 'repo'}${e.line !== undefined ? `:${e.line}` : ''}: ${e.message}`)
    .join('; ');
  return {
    ok: false,
    reason: `approval ${item.id} stays pending: the repo cannot be read completely here (${where}); nothing was applied`,
    code: 'TRUEUP_APPROVAL_REFUSED',
  };
}

/** Standing is an approval's object as it stands now, read and evaluated afresh. */
interface Standing {
  state: FleetState;
  clusterState: ClusterDesiredState;
  access: ClusterAccess;
  desired: DesiredObject | undefined;
  live: LiveObject | undefined;
  evaluation: Evaluation | undefined;
}

/** staleBecause says why an approval no longer shows the change as it stands, if it does not. */
function staleBecause(item: Approval, now: Standing): string | undefined {
  const { state, live, evaluation } = now;
  if (state.revision !== item.revision) {
    return `the git revision changed since it was shown (${item.revision.slice(0, 12)} -> ${state.revision.slice(0, 12)})`;
  }
  if ((live?.resourceVersion ?? '') !== item.resourceVersion) {
    return `the live object changed since it was shown (resourceVersion ${item.resourceVersion || 'none'} -> ${live?.resourceVersion || 'none'})`;
  }
  if (!evaluation || evaluation.drift.status === 'in-sync') return 'the object is in sync now';
  return undefined;
}

/** refuseStale marks the approval stale and queues the change as it stands now, so the approver can look again. */
async function refuseStale(
  deps: ApprovalDeps,
  item: Approval,
  by: Approver,
  why: string,
  now: Standing,
  from: DecidableState,
): Promise<ApprovalOutcome> {
  const outcome = await stale(deps, item, by, why, from);
  const { evaluation } = now;
  if (!evaluation || evaluation.drift.status === 'in-sync' || evaluation.decision.mode !== 'approve')
    return outcome;
  const entry = await remediateDrift({
    evaluation,
    desired: now.desired,
    live: now.live,
    complete: now.clusterState.complete,
    cluster: now.access,
    options: { ...deps.options, remediate: true, dryRun: false },
  });
  const fresh = await recordOutcome(
    deps.store,
    { revision: now.state.revision, entry, drift: evaluation.drift },
    {},
  );
  return fresh && !outcome.ok ? { ...outcome, fresh } : outcome;
}

/** applyApproved claims the approval, then remediates the change as approved and records it. */
async function applyApproved(
  deps: ApprovalDeps,
  item: Approval,
  by: Approver,
  now: Standing & { evaluation: Evaluation },
  from: DecidableState,
): Promise<ApprovalOutcome> {
  const { store } = deps;
  const { id } = item;
  // Claim it first (pending or accepted -> applying, atomically): a second approver, another
  // replica, or the daemon seeing the object return to sync while this applies, can no longer decide it.
  if (!(await store.decideApproval(id, 'applying', by, undefined, from))) {
    const current = await store.approval(id);
    return {
      ok: false,
      reason: `approval ${id} is ${current?.state ?? 'gone'}, not ${from}`,
      code: 'TRUEUP_APPROVAL_REFUSED',
    };
  }
  // The approved change, not a new evaluation: the drift as shown keeps the decision it was shown with.
  const { decision } = now.evaluation;
  const approved: Evaluation = {
    ...now.evaluation,
    decision: {
      ...decision,
      mode: 'auto',
      reasons: [...decision.reasons, `approved by ${by.actor} via ${by.channel} (${id})`],
    },
  };
  const actor = `${by.actor} (${by.channel})`;
  const { revision } = now.state;
  // The claim's intent: a crash from here on leaves it open, and recovery settles the approval.
  const intent = await store.beginIntent({ ...refOf(item.entry), revision, actor, approval: id });
  const entry = await remediateAndRecord(
    {
      evaluation: approved,
      desired: now.desired,
      live: now.live,
      complete: now.clusterState.complete,
      cluster: now.access,
      options: { ...deps.options, remediate: true, dryRun: false, journal: claimJournal(store, intent) },
    },
    { store, revision, actor, intent },
  );
  if (entry.recreateFailed) deps.metrics?.recreateFailures.inc({ cluster: entry.cluster });
  const final = entry.error ? 'failed' : 'approved';
  await store.finishApproval(id, final, { ...by, ...(entry.error ? { note: entry.error } : {}) });
  const approval = (await store.approval(id)) as Approval;
  return entry.error
    ? { ok: false, reason: entry.error, code: 'TRUEUP_APPROVAL_FAILED' }
    : { ok: true, approval, entry };
}

function refOf(ref: ObjectRef): ObjectRef {
  return { cluster: ref.cluster, kind: ref.kind, namespace: ref.namespace, name: ref.name };
}

async function stale(
  deps: ApprovalDeps,
  item: Approval,
  by: Approver,
  why: string,
  from: DecidableState,
): Promise<ApprovalOutcome> {
  await deps.store.decideApproval(item.id, 'stale', { ...by, note: why }, undefined, from);
  return {
    ok: false,
    reason: `approval ${item.id} is stale: ${why}; nothing was applied`,
    code: 'TRUEUP_APPROVAL_REFUSED',
  };
}

/** ObjectNow is what a later evaluation found for an object that has pending approvals. */
export interface ObjectNow {
  /** drift is the object's drift now; undefined when it is no longer reported (not trueup's, or ignored). */
  drift?: Drift;
  /** remediated: the cycle that found the drift also fixed it. */
  remediated?: boolean;
}

/**
 * supersededBecause says why a later evaluation made a pending approval unnecessary (the object is
 * in sync, or was remediated) or shows a different change (the drift changed), or undefined when
 * the approval still shows the change as it stands. A new revision alone does not supersede: the
 * approval is then refused when used, and a fresh one queued for the change as it is.
 */
export function supersededBecause(approval: Pick<Approval, 'drift'>, now: ObjectNow): string | undefined {
  if (now.remediated) return 'superseded: remediated by a later cycle';
  if (!now.drift) return 'superseded: the object is no longer drifted (not managed, or ignored, now)';
  if (now.drift.status === 'in-sync') return 'superseded: the object is in sync now';
  const shown = JSON.stringify([approval.drift.status, approval.drift.changes]);
  if (JSON.stringify([now.drift.status, now.drift.changes]) !== shown) {
    const paths = now.drift.changes.map((c) => c.path).join(', ');
    return `superseded: the drift changed since it was shown (now ${now.drift.status}${paths ? `: ${paths}` : ''})`;
  }
  return undefined;
}

/** supersedeApprovals marks stale the pending approvals a later evaluation superseded; returns them. */
export async function supersedeApprovals(
  store: AuditStore,
  pending: readonly Approval[],
  now: (approval: Approval) => ObjectNow,
  by: Approver,
): Promise<Approval[]> {
  const staled: Approval[] = [];
  for (const a of pending) {
    const note = supersededBecause(a, now(a));
    if (note !== undefined && (await store.decideApproval(a.id, 'stale', { ...by, note }))) staled.push(a);
  }
  return staled;
}

/** supersedeObject supersedes the pending approvals of one object (cluster, objectKey) given its drift now. */
export async function supersedeObject(
  store: AuditStore,
  cluster: string,
  key: string,
  drift: Drift | undefined,
  by: Approver,
): Promise<Approval[]> {
  const object = parseObjectKey(key);
  const pending = object ? await store.pendingApprovals({ cluster, ...object }) : [];
  return pending.length ? await supersedeApprovals(store, pending, () => (drift ? { drift } : {}), by) : [];
}

/** ApprovalProposer queues a change that passed the gates for a human decision, and nothing else. */
export interface ApprovalProposer {
  propose(revision: string, entry: ChangeSetEntry, drift: Drift): Promise<Approval>;
}

/**
 * proposeApproval queues a change (planned and dry-run by the caller) as a pending approval, the
 * same as a held remediation: the same change keeps its id, a different one supersedes the older.
 * Diagnosis proposes its validated fixes through it; approving one goes through approveApproval.
 */
export function proposeApproval(
  store: Pick<AuditStore, 'queueApproval'>,
  revision: string,
  entry: ChangeSetEntry,
  drift: Drift,
): Promise<Approval> {
  return store.queueApproval(revision, entry, drift);
}

/** approvalProposer is the ApprovalProposer over an audit store. */
export function approvalProposer(store: Pick<AuditStore, 'queueApproval'>): ApprovalProposer {
  return { propose: (revision, entry, drift) => proposeApproval(store, revision, entry, drift) };
}
