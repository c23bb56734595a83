/**
 * Blast-radius limits for one cycle: `maxObjectsPerCluster` (at most N objects changed per cluster)
 * and `maxFleetPercent` (at most P% of the fleet's clusters changed). What exceeds a limit is held:
 * auto becomes approve, with the limit as the reason, so it waits for the next cycle or a human.
 * Pure and deterministic: clusters in fleet order, objects in the order given.
 */
import type { PolicyDecision } from './engine.ts';

/** LimitCandidate is one object's decision in the cycle. */
export interface LimitCandidate {
  cluster: string;
  /** key identifies the object within its cluster; the same object counts once per cycle. */
  key: string;
  decision: PolicyDecision;
}

/** LimitTracker counts what a cycle has changed so far; admit applies the limits to one more change. */
export interface LimitTracker {
  admit(cluster: string, key: string, decision: PolicyDecision): PolicyDecision;
}

/** limitTracker starts a cycle over a fleet of the given clusters. */
export function limitTracker(fleetClusters: readonly string[]): LimitTracker {
  const perCluster = new Map<string, number>();
  const changedClusters: string[] = [];
  const admitted = new Set<string>();
  return {
    admit(cluster, key, decision) {
      // An object already admitted this cycle (re-evaluated, e.g. by a watch event) counts once.
      if (decision.mode !== 'auto' || admitted.has(`${cluster}/${key}`)) return decision;
      const held = (reason: string): PolicyDecision => ({
        ...decision,
        mode: 'approve',
        hold: 'limit',
        reasons: [...decision.reasons, `${reason}: auto becomes approve`],
      });
      for (const limit of decision.limits) {
        if (limit.maxFleetPercent === undefined || changedClusters.includes(cluster)) continue;
        const allowed = Math.max(1, Math.floor((limit.maxFleetPercent / 100) * fleetClusters.length));
        if (changedClusters.length >= allowed) {
          return held(
            `limit of ${limit.ref}: at most ${limit.maxFleetPercent}% of the fleet (${allowed} of ${fleetClusters.length} clusters) per cycle, already ${changedClusters.join(', ')}`,
          );
        }
      }
      const count = perCluster.get(cluster) ?? 0;
      for (const limit of decision.limits) {
        if (limit.maxObjectsPerCluster !== undefined && count >= limit.maxObjectsPerCluster) {
          return held(
            `limit of ${limit.ref}: at most ${limit.maxObjectsPerCluster} objects per cluster per cycle`,
          );
        }
      }
      perCluster.set(cluster, count + 1);
      admitted.add(`${cluster}/${key}`);
      if (!changedClusters.includes(cluster)) changedClusters.push(cluster);
      return decision;
    },
  };
}

/** applyLimits returns, for each candidate (same order), the decision after the limits of one cycle. */
export function applyLimits(
  candidates: LimitCandidate[],
  fleetClusters: readonly string[],
): PolicyDecision[] {
  const tracker = limitTracker(fleetClusters);
  return candidates.map(({ cluster, key, decision }) => tracker.admit(cluster, key, decision));
}
