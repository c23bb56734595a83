/**
 * The sync pipeline: evaluate → gate (waves, then limits) → remediate → record. Every caller runs
 * these steps and no others: the one-shot cycle (cycle.ts), the daemon, approvals and fix
 * validation. The steps live one per file (evaluate.ts, gate.ts, remediate.ts, record.ts); this
 * file holds what several callers compose from them.
 */
import type { DesiredObject, LiveObject } from '../core/model.ts';
import type { ClusterDesiredState } from '../repo/desired-state.ts';
import type { FleetState } from '../repo/fleet-state.ts';
import type { ChangeSetEntry } from './change-set.ts';
import { type Evaluation, type EvaluationSwitches, evaluateObject, evaluationContext } from './evaluate.ts';
import { type OutcomeStore, recordOutcome } from './record.ts';
import { type Remediation, remediateDrift } from './remediate.ts';

/**
 * evaluateRequested evaluates one object for a change someone asked for (an approval, a proposed
 * fix): auto may stand whatever the deployment's remediate switch says, as the change is explicit.
 */
export function evaluateRequested(
  state: FleetState,
  cluster: ClusterDesiredState,
  objects: { desired: DesiredObject | undefined; live: LiveObject | undefined },
  switches: EvaluationSwitches,
  now: Date,
): Evaluation | undefined {
  const context = evaluationContext(state.policy, { ...switches, remediate: true }, now);
  return evaluateObject(cluster, objects.desired, objects.live, context);
}

/** RecordTarget is where and in whose name an outcome is recorded. */
export interface RecordTarget {
  store: OutcomeStore;
  revision: string;
  actor: string;
  /** intent is the write intent an approval's claim opened; the audit record completes it. */
  intent?: string;
}

/**
 * remediateAndRecord runs the remediate and record steps for one evaluated (and gated) object:
 * the audit record in the actor's name, and the approval a held change waits in.
 */
export async function remediateAndRecord(r: Remediation, at: RecordTarget): Promise<ChangeSetEntry> {
  const entry = await remediateDrift(r);
  if (at.intent !== undefined) entry.intent = at.intent;
  await recordOutcome(
    at.store,
    { revision: at.revision, entry, drift: r.evaluation.drift },
    { actor: at.actor },
  );
  return entry;
}
