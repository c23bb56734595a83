/**
 * The pipeline's gate step, between evaluate and remediate: canary waves first, then blast-radius
 * limits. What they hold waits for approval. A one-shot cycle gates all of its drift at once
 * (`gateCycle`); the daemon gates each object as it is evaluated (its WaveGate, then `admitLimit`).
 * Pure; every decision changes through `setDecision`.
 */
import { applyLimits, type LimitTracker } from '../../policies/limits.ts';
import { applyWaves } from '../../policies/waves.ts';
import { type LiveObject, objectKey } from '../core/model.ts';
import type { ClusterDesiredState } from '../repo/desired-state.ts';
import { type Evaluation, setDecision } from './evaluate.ts';
import { cycleReadings, observationsOf } from './wave-state.ts';

/** ClusterEvaluations is one cluster's part of a cycle: what was listed and how it was evaluated. */
export interface ClusterEvaluations {
  desired: ClusterDesiredState;
  live: LiveObject[];
  evaluations: Evaluation[];
}

/**
 * gateCycle applies canary waves, then blast-radius limits, across the whole cycle. An earlier wave
 * drifted in this cycle holds the later ones: it is not settled.
 */
export function gateCycle(
  fleet: readonly ClusterDesiredState[],
  listed: readonly ClusterEvaluations[],
  now: Date,
  changedAt?: (cluster: string, key: string) => Date | undefined,
): void {
  const drifted = listed.flatMap((l) => l.evaluations.filter((e) => e.drift.status !== 'in-sync'));
  const readings = cycleReadings(fleet, new Map(listed.map((l) => [l.desired.cluster.name, l] as const)));
  for (const e of drifted) {
    const reading = readings.find((r) => r.cluster.name === e.drift.cluster);
    if (!reading || e.decision.mode !== 'auto' || !e.decision.limits.some((l) => l.waves)) continue;
    const observed = observationsOf(readings, objectKey(e.drift), changedAt);
    setDecision(e, applyWaves(e.decision, reading.cluster, observed, now).decision);
  }
  const limited = applyLimits(
    drifted.map((e) => ({ cluster: e.drift.cluster, key: objectKey(e.drift), decision: e.decision })),
    fleet.map((c) => c.cluster.name),
  );
  drifted.forEach((e, i) => {
    setDecision(e, limited[i] ?? e.decision);
  });
}

/**
 * admitLimit counts one drifted auto change against the daemon's blast-radius limits; one over a
 * limit is held. Limits count changes per cycle; the daemon's cycle runs from one resync to the next.
 */
export function admitLimit(e: Evaluation, limits: LimitTracker, cluster: string, key: string): void {
  if (e.drift.status === 'in-sync' || e.decision.mode !== 'auto') return;
  setDecision(e, limits.admit(cluster, key, e.decision));
}
