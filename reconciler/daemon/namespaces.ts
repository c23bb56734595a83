/**
 * Per-namespace state for the fleet heat map: each cluster × namespace cell's objects, drifted and
 * pending-approval counts, and its worst state (unreachable, errors, held, drifted, in-sync) by the
 * same rule as the cluster's. Pure over what the daemon and the store report.
 */
import { hasDrifted, type RepoError } from '../core/model.ts';
import type { DaemonCore } from './core.ts';
import type { ClusterHealth, DaemonStatus } from './status.ts';

/** NamespaceCounts are one cell's counts as the daemon holds them. */
export interface NamespaceCounts {
  cluster: string;
  namespace: string;
  objects: number;
  drifted: number;
}

/** NamespaceState is one cluster × namespace cell of the fleet heat map. */
export interface NamespaceState extends NamespaceCounts {
  status: ClusterHealth;
  pendingApprovals: number;
}

/** namespaceCounts counts desired and drifted objects per cluster and namespace (every namespace with either). */
export function namespaceCounts(core: DaemonCore): NamespaceCounts[] {
  const cells = new Map<string, NamespaceCounts>();
  const cell = (cluster: string, namespace: string) => {
    const key = `${cluster}/${namespace}`;
    let found = cells.get(key);
    if (!found) {
      found = { cluster, namespace, objects: 0, drifted: 0 };
      cells.set(key, found);
    }
    return found;
  };
  for (const [cluster, desired] of core.desiredByKey)
    for (const object of desired.values()) cell(cluster, object.namespace).objects += 1;
  for (const rt of core.clusters.values())
    for (const evaluation of rt.drifts.values())
      if (hasDrifted(evaluation.drift)) cell(rt.cluster.name, evaluation.drift.namespace).drifted += 1;
  return [...cells.values()].sort(
    (a, b) => a.cluster.localeCompare(b.cluster) || a.namespace.localeCompare(b.namespace),
  );
}

/** holdsNamespace says whether a repo error bears on a cluster's namespace (no holds: the whole cluster). */
function holdsNamespace(error: RepoError, cluster: string, namespace: string): boolean {
  if (error.cluster !== undefined && error.cluster !== cluster) return false;
  if (!error.holds || error.holds.length === 0) return true;
  return error.holds.some((held) => held.split('/')[1] === namespace);
}

/**
 * namespaceStates gives each cell its worst state: the cluster unreachable or in error (its own
 * error, or a repo error bearing on the namespace), changes pending approval there, drift, in sync.
 * Clusters the status knows but with no namespace yet get no cells.
 */
export function namespaceStates(
  status: Pick<DaemonStatus, 'clusters' | 'errors'>,
  counts: NamespaceCounts[],
  pending: Map<string, number>,
): NamespaceState[] {
  const clusters = new Map(status.clusters.map((c) => [c.name, c]));
  const cells = new Map(counts.map((c) => [`${c.cluster}/${c.namespace}`, { ...c }]));
  // A pending approval in a namespace with nothing desired (an orphan) still gets a cell.
  for (const key of pending.keys()) {
    const [cluster = '', namespace = ''] = key.split('/');
    if (!cells.has(key) && clusters.has(cluster))
      cells.set(key, { cluster, namespace, objects: 0, drifted: 0 });
  }
  return [...cells.entries()]
    .filter(([, c]) => clusters.has(c.cluster))
    .map(([key, c]) => {
      const cluster = clusters.get(c.cluster);
      const pendingApprovals = pending.get(key) ?? 0;
      const errors =
        cluster?.error !== undefined || status.errors.some((e) => holdsNamespace(e, c.cluster, c.namespace));
      const state: ClusterHealth = !cluster?.reachable
        ? 'unreachable'
        : errors
          ? 'errors'
          : pendingApprovals > 0
            ? 'held'
            : c.drifted > 0
              ? 'drifted'
              : 'in-sync';
      return { ...c, status: state, pendingApprovals };
    })
    .sort((a, b) => a.cluster.localeCompare(b.cluster) || a.namespace.localeCompare(b.namespace));
}
