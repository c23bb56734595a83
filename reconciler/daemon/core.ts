/**
 * What the daemon's parts share: its edges (DaemonDeps), the revision in use, the runtime of each
 * cluster it watches, and the announcer of its changes. One object, owned by the Daemon and passed
 * to each part; no part keeps a copy of another's state.
 */
import type { Logger } from 'pino';
import type { DesiredObject, Drift, LiveObject, ObjectRef } from '../core/model.ts';
import type { RepoSnapshot, SyncResult } from '../git/git-source.ts';
import type { ClusterAccess } from '../kube/kube-cluster.ts';
import type { ClusterDesiredState } from '../repo/desired-state.ts';
import type { FleetCluster } from '../repo/fleet-config.ts';
import type { FleetState } from '../repo/fleet-state.ts';
import type { Blame } from '../repo/provenance.ts';
import type { AuditStore } from '../store/store.ts';
import type { Evaluation } from '../sync/evaluate.ts';
import type { CycleOptions } from '../sync/options.ts';
import type { AuditIndex } from './audit-index.ts';
import type { ClusterWatch } from './cluster-watch.ts';
import type { DaemonMetrics } from './metrics.ts';
import type { Ownership } from './status.ts';
import { PendingCounts, StoreWriter } from './store-writer.ts';

/** DaemonDeps are the daemon's edges, passed in. */
export interface DaemonDeps {
  source: { sync(): Promise<SyncResult>; blame(revision: string, file: string): ReturnType<Blame> };
  buildState: (snapshot: RepoSnapshot) => Promise<FleetState>;
  access: (cluster: FleetCluster) => ClusterAccess;
  store: AuditStore;
  metrics: DaemonMetrics;
  log: Logger;
  options: CycleOptions;
  /** audit, when audit events are received: the recent writes detection joins drift with (who made it). */
  audit?: AuditIndex;
}

/** DaemonEvent is a change the daemon announces (the console's live updates). */
export type DaemonEvent =
  | ({ type: 'drift'; status: Drift['status'] } & ObjectRef)
  | ({ type: 'remediation'; action: string; error?: string } & ObjectRef)
  | ({ type: 'flap'; manager: string; retryAt?: string } & ObjectRef)
  | { type: 'status' };

/** ClusterRuntime is one watched cluster: its live cache, what the daemon found there, its queue. */
export interface ClusterRuntime {
  cluster: FleetCluster;
  access: ClusterAccess;
  watch: ClusterWatch;
  live: Map<string, LiveObject>;
  listed: Set<string>;
  reachable: boolean;
  error?: string;
  lastSync?: string;
  /** evaluations of objects trueup reports on (drifted or in sync), by objectKey. */
  drifts: Map<string, Evaluation>;
  queue: Set<string>;
  draining?: Promise<void>;
  /** stopped: this replica gave the cluster up (or the fleet dropped it); nothing more is queued. */
  stopped?: boolean;
  /** evaluating counts evaluateAll passes: a newer pass (relist, revision) ends an older one at its next slice. */
  evaluating?: number;
  /** evaluated: a pass over every object of the listed cluster has finished (the first sync's detection is done). */
  evaluated?: boolean;
}

/** DaemonCore is the daemon's shared state. */
export interface DaemonCore {
  deps: DaemonDeps;
  /** state is the fleet state of the revision in use (undefined before the first good build). */
  state?: FleetState;
  /** desiredByKey indexes each cluster's desired objects by objectKey (rebuilt per revision). */
  desiredByKey: Map<string, Map<string, DesiredObject>>;
  clusters: Map<string, ClusterRuntime>;
  stopped: boolean;
  /** ownership, with several replicas, limits the clusters watched to those this replica owns. */
  ownership?: Ownership;
  /** writes orders the store writes of the synchronous evaluation path. */
  writes: StoreWriter;
  /** pending caches the pending approvals per cluster that the status shows. */
  pending: PendingCounts;
  emit(event: DaemonEvent): void;
}

/** createCore makes the shared state of a daemon that has read nothing yet. */
export function createCore(
  deps: DaemonDeps,
  listeners: ReadonlySet<(event: DaemonEvent) => void>,
): DaemonCore {
  return {
    deps,
    desiredByKey: new Map(),
    clusters: new Map(),
    stopped: false,
    writes: new StoreWriter(deps.log),
    pending: new PendingCounts(deps.store),
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (err) {
          deps.log.error({ err: (err as Error).message }, 'daemon listener failed');
        }
      }
    },
  };
}

/** clusterStateOf is a cluster's desired state in the revision in use. */
export function clusterStateOf(core: DaemonCore, cluster: string): ClusterDesiredState | undefined {
  return core.state?.clusters.find((c) => c.cluster.name === cluster);
}
