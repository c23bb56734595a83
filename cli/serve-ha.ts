/**
 * serve's replicas: leader election (`--leader-elect`: one leader works, the others stand by) or
 * sharding (`--shards auto`: each replica owns the clusters whose Lease it holds). Wires the Lease
 * loops of ha/ to the daemon (which clusters to watch), to every cluster write (the guard), to the
 * metrics and to the status API. With neither flag it changes nothing.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { LeaderElector } from '../ha/leader-elector.ts';
import { kubeLeaseApi, leaseKubeConfig } from '../ha/lease-api.ts';
import { ShardCoordinator } from '../ha/shard-coordinator.ts';
import { guardAccessFactory, type WriteGuard } from '../ha/write-guard.ts';
import type { Daemon, Ownership, ReplicaStatus } from '../reconciler/daemon/daemon.ts';
import type { ClusterAccess } from '../reconciler/kube/kube-cluster.ts';
import type { FleetCluster } from '../reconciler/repo/fleet-config.ts';
import { UsageError } from './errors.ts';
import type { ServeOptions } from './options.ts';

/** ReplicaSetup is serve's part in leader election or sharding (a no-op with neither). */
export interface ReplicaSetup {
  /** guardAccess makes every write of the factory's accesses check that this replica owns the cluster. */
  guardAccess(
    factory: (cluster: FleetCluster) => ClusterAccess,
    options?: { refuseEarly?: boolean },
  ): (cluster: FleetCluster) => ClusterAccess;
  /** coordinated: several replicas share the fleet (--leader-elect or --shards). */
  coordinated: boolean;
  /** owns says whether this replica works on cluster now (with neither flag: every cluster). */
  owns(cluster: string): boolean;
  /** attach tells the daemon to watch no cluster until this replica owns it (before daemon.start). */
  attach(daemon: Daemon): void;
  /** start starts the Lease loop (after the repo's first fetch: sharding needs the cluster list). */
  start(): void;
  /** stop ends the loop and gives the Leases up; call it once the daemon stopped and drained. */
  stop(): Promise<void>;
}

const leaseNamePattern = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** replicaIdentity is this replica's name in Leases: POD_NAME, else hostname-pid. */
export function replicaIdentity(options: Pick<ServeOptions, 'identity'>): string {
  return options.identity ?? process.env.POD_NAME ?? `${hostname()}-${process.pid}`;
}

/** setupReplicas checks the options and prepares leader election or sharding. */
export function setupReplicas(options: ServeOptions, log: Logger, registry: Registry): ReplicaSetup {
  if (!options.leaderElect && options.shards === undefined) return single;
  if (options.leaderElect && options.shards !== undefined)
    throw new UsageError(
      '--leader-elect and --shards: choose one (sharding already gives each cluster one owner)',
    );
  if (options.shards !== undefined && options.shards !== 'auto')
    throw new UsageError(`--shards: only "auto" is supported (Lease-based), got ${options.shards}`);
  const duration = options.leaseDuration ?? 15;
  const leaseName = options.leaseName ?? 'trueup';
  if (!Number.isInteger(duration) || duration < 2)
    throw new UsageError(`--lease-duration: a whole number of seconds, at least 2, got ${duration}`);
  if (!leaseNamePattern.test(leaseName))
    throw new UsageError(`--lease-name: lower-case letters, digits and '-', at most 40, got ${leaseName}`);
  const namespace = options.leaseNamespace ?? process.env.POD_NAMESPACE ?? 'trueup';
  let lease: ReturnType<typeof leaseKubeConfig>;
  try {
    lease = leaseKubeConfig(options);
  } catch (err) {
    throw new UsageError(`--lease-cluster: ${(err as Error).message}`);
  }
  const api = kubeLeaseApi(lease.kubeConfig, lease.cluster, namespace, {
    timeoutMs: Math.max(1000, Math.min(options.timeout * 1000, (duration * 1000) / 2)),
  });
  const identity = replicaIdentity(options);
  const common = { api, identity, durationSeconds: duration, leaseName };
  const owned = new Gauge({
    name: 'trueup_owned_clusters',
    help: 'Clusters this replica watches and remediates (leader election: all or none; sharding: its share).',
    labelNames: ['identity'],
    registers: [registry],
  });
  const ha = log.child({ component: 'ha', identity });
  ha.info(
    {
      mode: options.leaderElect ? 'leader-election' : 'sharding',
      leases: api.where,
      leaseDuration: duration,
    },
    'replica coordination by Leases',
  );
  return options.leaderElect ? leaderSetup(common, ha, registry, owned) : shardSetup(common, ha, owned);
}

type Common = {
  api: ReturnType<typeof kubeLeaseApi>;
  identity: string;
  durationSeconds: number;
  leaseName: string;
};

function leaderSetup(
  common: Common,
  log: Logger,
  registry: Registry,
  owned: Gauge<'identity'>,
): ReplicaSetup {
  const leader = new Gauge({
    name: 'trueup_leader',
    help: '1 while this replica holds the leader Lease (--leader-elect), else 0.',
    labelNames: ['identity'],
    registers: [registry],
  });
  leader.set({ identity: common.identity }, 0);
  let daemon: Daemon | undefined;
  const fleet = () => daemon?.fleetState()?.fleet?.clusters.map((c) => c.name) ?? [];
  const elector: LeaderElector = new LeaderElector({
    ...common,
    name: common.leaseName,
    log,
    onChange: (leading) => {
      leader.set({ identity: common.identity }, leading ? 1 : 0);
      owned.set({ identity: common.identity }, leading ? fleet().length : 0);
      if (daemon) daemon.own(ownership);
    },
  });
  const describe = (): ReplicaStatus => ({
    identity: common.identity,
    mode: 'leader-election',
    leader: elector.isLeader(),
    leaderIdentity: elector.leader() ?? null,
    owned: elector.isLeader() ? fleet() : [],
  });
  const ownership: Ownership = { owns: () => elector.isLeader(), describe };
  const guard: WriteGuard = () =>
    elector.isLeader()
      ? undefined
      : `this replica (${common.identity}) is not the leader (leader: ${elector.leader() ?? 'none'})`;
  return {
    guardAccess: (factory, o) => guardAccessFactory(factory, guard, o),
    coordinated: true,
    owns: () => elector.isLeader(),
    attach: (d) => {
      daemon = d;
      d.own(ownership);
    },
    start: () => elector.start(),
    stop: async () => {
      await elector.stop();
      await elector.release();
    },
  };
}

function shardSetup(common: Common, log: Logger, owned: Gauge<'identity'>): ReplicaSetup {
  let daemon: Daemon | undefined;
  const coordinator: ShardCoordinator = new ShardCoordinator({
    ...common,
    base: common.leaseName,
    log,
    clusters: () => daemon?.fleetState()?.fleet?.clusters.map((c) => c.name) ?? [],
    drained: () => daemon?.drained() ?? Promise.resolve(),
    onChange: (clusters) => {
      owned.set({ identity: common.identity }, clusters.length);
      if (daemon) daemon.own(ownership);
    },
  });
  const ownership: Ownership = {
    owns: (cluster) => coordinator.holds(cluster),
    describe: () => ({ identity: common.identity, mode: 'sharding', ...coordinator.view() }),
  };
  const guard: WriteGuard = (cluster) => {
    if (coordinator.holds(cluster)) return undefined;
    const owner = coordinator.view().owners[cluster];
    return `this replica (${common.identity}) does not hold the Lease of cluster ${cluster} (owner: ${owner ?? 'none'})`;
  };
  return {
    guardAccess: (factory, o) => guardAccessFactory(factory, guard, o),
    coordinated: true,
    owns: (cluster) => coordinator.holds(cluster),
    attach: (d) => {
      daemon = d;
      d.own(ownership);
    },
    start: () => coordinator.start(),
    stop: () => coordinator.stop(),
  };
}

const single: ReplicaSetup = {
  guardAccess: (factory) => factory,
  coordinated: false,
  owns: () => true,
  attach: () => {},
  start: () => {},
  stop: async () => {},
};
