/**
 * What `/api/v1/status`, the console and chat read of the daemon: per-cluster health and the
 * fleet's readiness, and the drifts it currently holds. Read-only over the daemon's state.
 */
import { type Drift, hasDrifted, type RepoError } from '../core/model.ts';
import { addProvenanceCommits } from '../repo/provenance.ts';
import { driftWithCommits } from '../sync/object-reader.ts';
import type { ClusterRuntime, DaemonCore } from './core.ts';

/** ClusterHealth summarises a cluster for the fleet view, worst first. */
export type ClusterHealth = 'unreachable' | 'errors' | 'held' | 'drifted' | 'in-sync';

/** ClusterStatus is one cluster's state as the daemon sees it. */
export interface ClusterStatus {
  name: string;
  labels: Record<string, string>;
  /** status is the one-word summary: unreachable, errors (repo errors for it), held (pending approvals), drifted, in-sync. */
  status: ClusterHealth;
  /** pendingApprovals counts the changes waiting for approval on the cluster. */
  pendingApprovals: number;
  /** @deprecated held is pendingApprovals' old name, kept in the status JSON for scripts that read it. */
  held: number;
  reachable: boolean;
  synced: boolean;
  error?: string;
  lastSync?: string;
  objects: number;
  drifted: number;
  /** flapping counts objects another field manager keeps undoing, where trueup backs off. */
  flapping?: number;
}

/**
 * ReplicaStatus says, when several replicas share the fleet (leader election or sharding), who this
 * replica is, which clusters it owns and who owns the rest.
 */
export interface ReplicaStatus {
  identity: string;
  mode: 'leader-election' | 'sharding';
  /** leader (leader election): whether this replica leads; leaderIdentity: who does (null: nobody). */
  leader?: boolean;
  leaderIdentity?: string | null;
  /** owned are the clusters this replica watches and remediates. */
  owned: string[];
  /** sharding: this replica's fair share, the live replicas, and each cluster's owner (null: nobody). */
  share?: number;
  replicas?: string[];
  owners?: Record<string, string | null>;
}

/** Ownership restricts a daemon to the clusters this replica owns (see Daemon.own). */
export interface Ownership {
  owns(cluster: string): boolean;
  describe(): ReplicaStatus;
}

/** DaemonStatus is the daemon's state for health checks and the API. */
export interface DaemonStatus {
  revision?: string;
  gitError?: string;
  ready: boolean;
  clusters: ClusterStatus[];
  errors: RepoError[];
  /** replica, with leader election or sharding: what this replica owns (the clusters above are those). */
  replica?: ReplicaStatus;
}

/** StatusInputs are what the status reads besides the shared state. */
export interface StatusInputs {
  gitError?: string;
  repoErrors: RepoError[];
  /** flapping counts a cluster's flapping objects. */
  flapping(cluster: string): number;
}

/** daemonStatus reports revision, readiness and per-cluster state. */
export function daemonStatus(core: DaemonCore, inputs: StatusInputs): DaemonStatus {
  const pending = core.pending.get();
  const clusters = [...core.clusters.values()].map((rt) =>
    clusterStatus(core, rt, pending.get(rt.cluster.name) ?? 0, inputs),
  );
  return {
    ...(core.state ? { revision: core.state.revision } : {}),
    ...(inputs.gitError ? { gitError: inputs.gitError } : {}),
    // Ready once the repo is read and every cluster has been listed or has reported why not.
    ready: core.state !== undefined && clusters.every((c) => c.synced || c.error !== undefined),
    clusters,
    errors: inputs.repoErrors,
    ...(core.ownership ? { replica: core.ownership.describe() } : {}),
  };
}

function clusterStatus(
  core: DaemonCore,
  rt: ClusterRuntime,
  pendingApprovals: number,
  inputs: StatusInputs,
): ClusterStatus {
  const name = rt.cluster.name;
  const drifted = [...rt.drifts.values()].filter((e) => hasDrifted(e.drift)).length;
  const repoErrors = inputs.repoErrors.some((e) => e.cluster === name || e.cluster === undefined);
  const status: ClusterHealth = !rt.reachable
    ? 'unreachable'
    : repoErrors || rt.error
      ? 'errors'
      : pendingApprovals > 0
        ? 'held'
        : drifted > 0
          ? 'drifted'
          : 'in-sync';
  return {
    name,
    labels: rt.cluster.labels ?? {},
    status,
    pendingApprovals,
    held: pendingApprovals,
    reachable: rt.reachable,
    synced: rt.listed.size === 2,
    ...(rt.error ? { error: rt.error } : {}),
    ...(rt.lastSync ? { lastSync: rt.lastSync } : {}),
    objects: core.desiredByKey.get(name)?.size ?? 0,
    drifted,
    flapping: inputs.flapping(name),
  };
}

/** currentDrifts returns the current drift of every object that is not in sync, with provenance commits. */
export async function currentDrifts(core: DaemonCore): Promise<Drift[]> {
  // Copies: the commits are filled into this answer, not into the evaluations (or the fleet
  // state whose origins they share).
  const drifts = [...core.clusters.values()].flatMap((rt) =>
    [...rt.drifts.values()].map((e) => driftWithCommits(e.drift, {})).filter(hasDrifted),
  );
  const revision = core.state?.revision;
  if (revision) await addProvenanceCommits(drifts, (file) => core.deps.source.blame(revision, file));
  return drifts;
}
