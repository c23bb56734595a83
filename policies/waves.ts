/**
 * Canary waves: a rule's `limits.waves` orders the fleet's clusters (a canary cluster or label
 * group first, then the rest), and `limits.settle` says how long a wave must stay in sync before the
 * next one may change. For one object (kind/namespace/name), a cluster of wave N is auto-remediated
 * only once every cluster of the waves before it that has the object is in sync for it, and has
 * been for `settle`. Otherwise auto becomes approve (hold 'wave'), with the wave that blocks as the
 * reason. Pure: the caller says what it knows of the object on each cluster.
 */

import { matchesAny } from '../reconciler/core/glob.ts';
import { matchesSelector } from '../reconciler/core/selector.ts';
import type { PolicyDecision } from './engine.ts';
import type { RuleSpec } from './policy-file.ts';
import { parseDuration } from './windows.ts';

/** WaveSpec selects the clusters of one wave by name (globs) and/or labels; `{}` selects every cluster. */
export type WaveSpec = NonNullable<NonNullable<RuleSpec['limits']>['waves']>[number];

/** WaveCluster is a cluster as waves select it. */
export interface WaveCluster {
  name: string;
  labels: Record<string, string>;
}

/**
 * WaveObservation is what is known of the object on one cluster: in sync (since when, if known),
 * drifted, or unknown (the cluster was not read: unreachable or not selected in this run).
 */
export interface WaveObservation {
  cluster: WaveCluster;
  state: 'in-sync' | 'drifted' | 'unknown';
  /** since is when the object was last written while it is in sync now; unknown counts as settled. */
  since?: Date;
}

/** WaveOutcome is a decision after the waves, and when to look again if only settling holds it. */
export interface WaveOutcome {
  decision: PolicyDecision;
  retryAt?: Date;
}

/**
 * waveOf returns a cluster's wave, 0-based: the first wave that selects it. A cluster no wave
 * selects comes after all of them (wave `waves.length`), so the listed waves always go first.
 */
export function waveOf(waves: readonly WaveSpec[], cluster: WaveCluster): number {
  const index = waves.findIndex(
    (w) =>
      (!w.clusters || matchesAny(w.clusters, cluster.name)) &&
      (!w.clusterLabels || matchesSelector(w.clusterLabels, cluster.labels)),
  );
  return index === -1 ? waves.length : index;
}

/** describeWave renders what a wave selects: `clusters [staging]`, `labels {...}`, or `the rest`. */
export function describeWave(wave: WaveSpec | undefined): string {
  const parts = [
    ...(wave?.clusters ? [`clusters [${wave.clusters.join(', ')}]`] : []),
    ...(wave?.clusterLabels ? [`cluster labels ${JSON.stringify(wave.clusterLabels)}`] : []),
  ];
  return parts.length ? parts.join(' and ') : 'every cluster (the rest)';
}

/** formatDuration renders milliseconds as `1h5m`, `3m`, `12s` (whole seconds, rounded down). */
export function formatDuration(ms: number): string {
  let s = Math.max(0, Math.floor(ms / 1000));
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const out: string[] = [];
  for (const [unit, size] of units) {
    if (s >= size) {
      out.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return out.join('') || '0s';
}

/** WaveLimit is one rule's waves, as carried by a decision's limits. */
export interface WaveLimit {
  ref: string;
  waves: WaveSpec[];
  settle?: string;
}

/**
 * waveHold says why the object on `cluster` must wait for an earlier wave, or undefined when every
 * earlier wave is settled. retryAt is set when only settling is left (when it will be done).
 */
export function waveHold(
  limit: WaveLimit,
  cluster: WaveCluster,
  observations: readonly WaveObservation[],
  now: Date,
): { text: string; retryAt?: Date } | undefined {
  const settleMs = parseDuration(limit.settle ?? '0s') ?? 0;
  const mine = waveOf(limit.waves, cluster);
  for (let wave = 0; wave < mine; wave++) {
    const members = observations.filter(
      (o) => o.cluster.name !== cluster.name && waveOf(limit.waves, o.cluster) === wave,
    );
    const waiting: string[] = [];
    let retryAt: Date | undefined;
    for (const o of members) {
      if (o.state === 'drifted') waiting.push(`${o.cluster.name} is not in sync`);
      else if (o.state === 'unknown') waiting.push(`${o.cluster.name} was not read in this cycle`);
      else if (o.since && now.getTime() - o.since.getTime() < settleMs) {
        const inSync = now.getTime() - o.since.getTime();
        waiting.push(
          `${o.cluster.name} in sync for ${formatDuration(inSync)} of ${formatDuration(settleMs)}`,
        );
        const done = new Date(o.since.getTime() + settleMs);
        if (!retryAt || done > retryAt) retryAt = done;
      }
    }
    if (waiting.length === 0) continue;
    const onlySettling = members.every((o) => o.state === 'in-sync');
    const names = members.map((o) => o.cluster.name).join(', ');
    return {
      text: `wave ${mine + 1} of ${limit.ref} waits for wave ${wave + 1} (${names}) to settle: ${waiting.join('; ')}`,
      ...(onlySettling && retryAt ? { retryAt } : {}),
    };
  }
  return undefined;
}

/** applyWaves holds an auto decision while an earlier wave of any of its rules has not settled. */
export function applyWaves(
  decision: PolicyDecision,
  cluster: WaveCluster,
  observations: readonly WaveObservation[],
  now: Date,
): WaveOutcome {
  if (decision.mode !== 'auto') return { decision };
  for (const limit of decision.limits) {
    if (!limit.waves) continue;
    const held = waveHold({ ...limit, waves: limit.waves }, cluster, observations, now);
    if (!held) continue;
    return {
      decision: {
        ...decision,
        mode: 'approve',
        hold: 'wave',
        reasons: [...decision.reasons, `${held.text}: auto becomes approve`],
      },
      ...(held.retryAt ? { retryAt: held.retryAt } : {}),
    };
  }
  return { decision };
}
