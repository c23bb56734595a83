/**
 * Approvals on a store replicas share (PostgreSQL), decided through a replica that does not own the
 * approval's cluster: that replica records the decision (pending -> accepted, a conditional
 * update), signals it, and waits a while for the outcome; the owner hears the signal (or finds it by
 * polling), claims it (accepted -> applying: exactly one claim wins), re-checks and applies it once.
 */
import type { Approval, AuditStore } from '../store/store.ts';
import type { ApprovalOutcome, Approver } from './approvals.ts';

/** ApprovalRelay says which clusters this replica applies to, and how long an approver waits. */
export interface ApprovalRelay {
  /** owns: this replica applies approvals of cluster (else it records them for the owner). */
  owns(cluster: string): boolean;
  /** waitMs is how long an approver waits for the owner's outcome before hearing `accepted`. */
  waitMs: number;
  /** pollMs is how often the wait looks at the approval (default 250). */
  pollMs?: number;
}

/** isSettled: the approval is no longer waiting for, or going through, its apply. */
export function isSettled(approval: Pick<Approval, 'state'>): boolean {
  return approval.state !== 'accepted' && approval.state !== 'applying';
}

/** relayApproval records a pending approval as accepted for its cluster's owner and answers its outcome. */
export async function relayApproval(
  store: AuditStore,
  relay: ApprovalRelay,
  item: Approval,
  by: Approver,
): Promise<ApprovalOutcome> {
  if (!(await store.decideApproval(item.id, 'accepted', by))) {
    const current = await store.approval(item.id);
    return {
      ok: false,
      reason: `approval ${item.id} is ${current?.state ?? 'gone'}, not pending`,
      code: 'TRUEUP_APPROVAL_REFUSED',
    };
  }
  // Best effort: the owner also polls for accepted approvals.
  await store
    .signal({ topic: 'approval', data: { id: item.id, state: 'accepted', cluster: item.entry.cluster } })
    .catch(() => {});
  return outcomeOf(store, await awaitSettled(store, item.id, relay));
}

/** awaitSettled reads the approval until it is settled or waitMs passed; returns it as last read. */
export async function awaitSettled(store: AuditStore, id: string, relay: ApprovalRelay): Promise<Approval> {
  const deadline = Date.now() + relay.waitMs;
  let current = (await store.approval(id)) as Approval;
  while (!isSettled(current) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, relay.pollMs ?? 250));
    current = (await store.approval(id)) ?? current;
  }
  return current;
}

/** outcomeOf is the approver's answer for an approval the owner settled (or is still working on). */
export async function outcomeOf(store: AuditStore, approval: Approval): Promise<ApprovalOutcome> {
  const { id, state, note } = approval;
  if (!isSettled(approval) || state === 'approved') {
    const entry = state === 'approved' ? await appliedEntry(store, approval) : undefined;
    return { ok: true, approval, ...(entry ? { entry } : {}) };
  }
  if (state === 'failed')
    return { ok: false, reason: note ?? `approval ${id} failed`, code: 'TRUEUP_APPROVAL_FAILED' };
  if (state === 'stale') {
    const ref = approval.entry;
    const [fresh] = await store.pendingApprovals(ref);
    return {
      ok: false,
      reason: `approval ${id} is stale: ${note ?? 'the change is no longer the one shown'}; nothing was applied`,
      code: 'TRUEUP_APPROVAL_REFUSED',
      ...(fresh ? { fresh } : {}),
    };
  }
  return {
    ok: false,
    reason: `approval ${id} is ${state}${note ? ` (${note})` : ''}`,
    code: 'TRUEUP_APPROVAL_REFUSED',
  };
}

// The owner's audit record of this approval's apply (its reasons name the approval).
async function appliedEntry(store: AuditStore, approval: Approval) {
  const { cluster, kind, namespace, name } = approval.entry;
  const records = await store.remediations({ cluster, kind, namespace, name, limit: 20 });
  return records.find((r) => r.entry.decision.reasons.some((x) => x.endsWith(`(${approval.id})`)))?.entry;
}
