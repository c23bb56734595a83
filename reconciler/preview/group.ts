/**
 * Grouping clusters whose preview is identical — the same object changes, the same live drift and
 * the same fates — so a change to a base file on a hundred clusters reads as one group. Pure.
 */
import type { ClusterGroup, ClusterPreview } from './model.ts';
import { groupSummary } from './summary.ts';

/**
 * signatureOf is what must be equal for two clusters to share a group. Reasons and error texts are
 * left out (they may name the cluster); the decision's mode, hold and rules are in.
 */
export function signatureOf(c: ClusterPreview): string {
  return JSON.stringify({
    reachable: c.reachable,
    error: c.reachable ? undefined : (c.error ?? ''),
    changes: c.changes,
    drift: c.drift,
    applies: c.applies.map((a) => ({
      ref: [a.kind, a.namespace, a.name],
      cause: a.cause,
      fate: a.fate,
      action: a.action,
      dryRun: a.dryRun,
      mode: a.decision.mode,
      hold: a.decision.hold,
      rules: a.decision.ruleRefs,
      failure: a.failure?.code,
      base: a.baseDecision?.mode,
    })),
  });
}

/** groupClusters groups clusters with identical previews, largest group first, then fleet order. */
export function groupClusters(clusters: readonly ClusterPreview[]): ClusterGroup[] {
  const groups = new Map<string, ClusterPreview[]>();
  for (const c of clusters) {
    const key = signatureOf(c);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()]
    .map((members) => ({
      clusters: members.map((m) => m.name),
      summary: groupSummary(members[0] as ClusterPreview),
    }))
    .sort((a, b) => b.clusters.length - a.clusters.length);
}
