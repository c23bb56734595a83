/**
 * The pipeline's record step: one function writes a remediation's outcome to the audit store — the
 * audit record of what was done (in the actor's name), and the pending approval a held change waits
 * in. The store comes in as an interface; nothing here opens one. (A fix diagnosis proposes is
 * queued by `proposeApproval` in approvals.ts: a proposal, not an outcome.)
 */
import type { Drift } from '../core/model.ts';
import type { Approval, AuditStore } from '../store/store.ts';
import type { ChangeSetEntry } from './change-set.ts';

/** OutcomeStore is the part of the audit store the record step writes. */
export type OutcomeStore = Pick<AuditStore, 'recordRemediation' | 'queueApproval'>;

/** Outcome is one remediation's change set entry and the drift it answered, at a revision. */
export interface Outcome {
  revision: string;
  entry: ChangeSetEntry;
  /** drift is what the approval shows; without it no approval is queued. */
  drift: Drift | undefined;
}

/** RecordOptions say what of an outcome is recorded. */
export interface RecordOptions {
  /** actor, when given, writes the audit record of the remediation in that name (a proposal has none). */
  actor?: string;
}

/**
 * recordOutcome records an outcome: the remediation (when an actor did it), then the approval it
 * waits for, whose id it notes on the entry. It returns the approval queued, if any.
 */
export async function recordOutcome(
  store: OutcomeStore,
  outcome: Outcome,
  options: RecordOptions,
): Promise<Approval | undefined> {
  const { revision, entry, drift } = outcome;
  if (options.actor !== undefined) await store.recordRemediation(revision, entry, options.actor);
  if (!drift || !entry.pending) return undefined;
  const approval = await store.queueApproval(revision, entry, drift);
  entry.approval = approval.id;
  return approval;
}
