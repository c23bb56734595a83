/**
 * serve's approvals: the deps of the one approval path as the API and chat get them and, on a
 * store replicas share, the relay (an approval of a cluster another replica owns is recorded as
 * accepted for it) and the loop that applies the accepted approvals of the clusters this replica
 * owns (reconciler/daemon/accepted-approvals.ts). On SQLite neither: a replica approves its own.
 */
import type { Logger } from 'pino';
import { AcceptedApprovals } from '../reconciler/daemon/accepted-approvals.ts';
import type { ApprovalDeps } from '../reconciler/sync/approvals.ts';
import type { EventHub } from '../web/events/routes.ts';
import type { ServeCore } from './serve.ts';

/** APPROVAL_WAIT_MS is how long an approver on a non-owner waits for the owner's outcome (then 202). */
export const APPROVAL_WAIT_MS = 20_000;

/** serveApprovalDeps are the approval deps of the API and chat; relayed on a shared, coordinated store. */
export function serveApprovalDeps(core: ServeCore): ApprovalDeps {
  const { daemon, store, replicas } = core;
  return {
    store,
    loadState: async () => {
      await daemon.refresh();
      const state = daemon.fleetState();
      if (!state) throw new Error('the fleet repo has not been read yet');
      return state;
    },
    access: core.access.approvals,
    options: core.cycle,
    metrics: core.metrics,
    ...(store.shared && replicas.coordinated
      ? { relay: { owns: (cluster: string) => replicas.owns(cluster), waitMs: APPROVAL_WAIT_MS } }
      : {}),
  };
}

/** acceptedApprovals is the loop applying approvals accepted on other replicas; none on SQLite. */
export function acceptedApprovals(
  core: ServeCore,
  deps: ApprovalDeps,
  hub: EventHub,
  log: Logger,
): AcceptedApprovals | undefined {
  if (!core.store.shared) return undefined;
  return new AcceptedApprovals({
    approvals: deps,
    owns: (cluster) => core.replicas.owns(cluster),
    log: log.child({ component: 'approvals' }),
    onDecided: (a) => hub.publish({ type: 'approval', data: { id: a.id, state: a.state } }),
  });
}
