/**
 * serve's one cluster-access pool: one connection pool per cluster for the whole process, made once
 * and handed out guarded, so every access serve gives away asks the HA write guard before a write:
 * the daemon's, the approval API's, recovery's and diagnosis's (whose fix validation only dry-runs).
 */
import type { ClusterAccess } from '../reconciler/kube/kube-cluster.ts';
import type { FleetCluster } from '../reconciler/repo/fleet-config.ts';
import type { ClusterAccessFactory } from './fleet-run.ts';
import type { ReplicaSetup } from './serve-ha.ts';

/** ServeAccess is serve's one pool of cluster access, every write guarded. */
export interface ServeAccess {
  /** guarded is the pool with every write guarded: the daemon, recovery, diagnosis. */
  guarded: (cluster: FleetCluster) => ClusterAccess;
  /**
   * approvals is the pool as the approval API gets it: guarded, and refusing at once to hand out a
   * cluster this replica does not own (the approval stays pending for the replica that does).
   */
  approvals: (cluster: FleetCluster) => ClusterAccess;
  /** close closes the pool's connections (once serve has stopped using them). */
  close(): Promise<void>;
}

/** serveAccess guards one pool for every user in serve. */
export function serveAccess(
  pool: ClusterAccessFactory,
  replicas: Pick<ReplicaSetup, 'guardAccess'>,
): ServeAccess {
  return {
    guarded: replicas.guardAccess(pool),
    approvals: replicas.guardAccess(pool, { refuseEarly: true }),
    close: () => pool.close(),
  };
}
