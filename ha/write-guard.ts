/**
 * The last line of leader election and sharding: every write trueup makes to a cluster (apply,
 * key removal, delete, Event) asks, right before the request is sent, whether this replica still
 * owns that cluster. Stopping the watch loop is not enough — a remediation already under way would
 * still apply — so the check sits in the cluster access itself. Server dry-runs and reads pass.
 */

import { statusOf, type TrueupCode } from '../reconciler/core/errors.ts';
import type { ClusterAccess } from '../reconciler/kube/kube-cluster.ts';
import type { FleetCluster } from '../reconciler/repo/fleet-config.ts';

/** WriteGuard says why this replica may not write to a cluster now, or undefined when it may. */
export type WriteGuard = (cluster: string) => string | undefined;

/** NotOwnerError is a write refused because this replica does not own the cluster (HTTP 409 at the API). */
export class NotOwnerError extends Error {
  override name = 'NotOwnerError';
  readonly cluster: string;
  /** statusCode and code let the HTTP edge answer 409 TRUEUP_NOT_OWNER when one escapes to it. */
  readonly statusCode = statusOf('TRUEUP_NOT_OWNER');
  readonly code: TrueupCode = 'TRUEUP_NOT_OWNER';

  constructor(cluster: string, why: string) {
    super(`cluster ${cluster}: not written: ${why}`);
    this.cluster = cluster;
  }
}

/** guardAccess wraps one cluster's access so that every write first passes the guard. */
export function guardAccess(access: ClusterAccess, guard: WriteGuard): ClusterAccess {
  const check = (dryRun: boolean) => {
    if (dryRun) return;
    const why = guard(access.name);
    if (why !== undefined) throw new NotOwnerError(access.name, why);
  };
  return {
    ...access,
    async apply(manifest, options) {
      check(options.dryRun);
      return access.apply(manifest, options);
    },
    async removeKeys(ref, paths, resourceVersion, options) {
      check(options.dryRun);
      return access.removeKeys(ref, paths, resourceVersion, options);
    },
    async delete(ref, precondition, options) {
      check(options.dryRun);
      return access.delete(ref, precondition, options);
    },
    async recordEvent(ref, uid, event) {
      check(false);
      return access.recordEvent(ref, uid, event);
    },
  };
}

/**
 * guardAccessFactory guards every access the factory makes. With refuseEarly, asking for a cluster
 * this replica does not own already throws: an approval sent to the wrong replica is refused before
 * anything is read or recorded, and stays pending.
 */
export function guardAccessFactory(
  factory: (cluster: FleetCluster) => ClusterAccess,
  guard: WriteGuard,
  options: { refuseEarly?: boolean } = {},
): (cluster: FleetCluster) => ClusterAccess {
  return (cluster) => {
    const why = options.refuseEarly ? guard(cluster.name) : undefined;
    if (why !== undefined) throw new NotOwnerError(cluster.name, why);
    return guardAccess(factory(cluster), guard);
  };
}
