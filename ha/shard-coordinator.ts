/**
 * Sharding by Leases (the I/O loop around ha/shards.ts and ha/lease.ts). Every retry period a
 * replica lists its group's Leases in one request, renews its heartbeat Lease
 * (`<base>-replica-<identity>`), counts the live replicas, and with planShards decides which
 * cluster Leases (`<base>-cluster-<cluster>`) to renew, give up or take. It works on a cluster only
 * while it holds that cluster's Lease: `holds(cluster)` answers from the clock (renewed within the
 * deadline), so writes checked against it stop the moment a renewal is overdue. A Lease is given up
 * only after the work on its cluster has stopped and drained.
 */
import type { Logger } from 'pino';
import { KubeError } from '../reconciler/kube/kube-cluster.ts';
import {
  decideLease,
  holdsAt,
  isFree,
  isRenewDue,
  type LeaseRecord,
  type LeaseTimings,
  leaseTimings,
  type Observation,
  observe,
  releasedSpec,
} from './lease.ts';
import type { LeaseApi } from './lease-api.ts';
import { clusterLeaseName, goneReplicas, liveReplicas, planShards, replicaLeaseName } from './shards.ts';

/** ShardDeps configure a ShardCoordinator. */
export interface ShardDeps {
  api: LeaseApi;
  /** base prefixes the Lease names and labels the group (--lease-name). */
  base: string;
  identity: string;
  durationSeconds: number;
  log: Logger;
  /** clusters are the fleet's clusters now (from the repo). */
  clusters(): string[];
  /** onChange hears the clusters this replica owns, whenever they change. */
  onChange(owned: string[]): void;
  /** drained resolves once no remediation runs (before a Lease is given up). */
  drained(): Promise<void>;
  now?: () => number;
}

/** ShardView is what a replica knows about the sharding (status API). */
export interface ShardView {
  owned: string[];
  share: number;
  replicas: string[];
  /** owners: the holder of each fleet cluster's Lease as last read (null: nobody). */
  owners: Record<string, string | null>;
}

const roleLabel = 'trueup.io/lease-role';

/**
 * clusterHolders gives, per fleet cluster, who holds its Lease as read: undefined when the Lease is
 * missing, released or expired by this replica's observation (free to take).
 */
function clusterHolders(
  clusters: string[],
  byName: Map<string, LeaseRecord>,
  observed: Map<string, Observation>,
  at: { base: string; now: number; durationSeconds: number },
): Record<string, string | undefined> {
  const holders: Record<string, string | undefined> = {};
  for (const c of clusters) {
    const lease = byName.get(clusterLeaseName(at.base, c));
    const seen = lease && observed.get(lease.name);
    holders[c] = lease && !isFree(lease, seen, at.now, at.durationSeconds) ? lease.holder : undefined;
  }
  return holders;
}

/** shardView is the status API's view after a round (owned is filled in when read). */
function shardView(
  identity: string,
  clusters: string[],
  replicas: string[],
  holders: Record<string, string | undefined>,
  share: number,
): ShardView {
  return {
    owned: [],
    share,
    replicas: [...new Set([...replicas, identity])].sort(),
    owners: Object.fromEntries(clusters.map((c) => [c, holders[c] ?? null])),
  };
}

/** ShardCoordinator runs the sharding loop for one replica. */
export class ShardCoordinator {
  #deps: ShardDeps;
  #timings: LeaseTimings;
  #now: () => number;
  #labels: Record<string, string>;
  /** #renewedAt: per cluster this replica holds, when its last successful write was sent. */
  #renewedAt = new Map<string, number>();
  #observed = new Map<string, Observation>();
  #releasing = new Set<string>();
  #published: string[] = [];
  #view: ShardView = { owned: [], share: 0, replicas: [], owners: {} };
  #beatAt?: number;
  #timer?: NodeJS.Timeout;
  #watchdog?: NodeJS.Timeout;
  #tick?: Promise<void>;
  #releases = new Set<Promise<void>>();
  #stopped = false;

  constructor(deps: ShardDeps) {
    this.#deps = deps;
    this.#timings = leaseTimings(deps.durationSeconds);
    this.#now = deps.now ?? Date.now;
    this.#labels = { 'app.kubernetes.io/managed-by': 'trueup', 'trueup.io/lease-group': deps.base };
  }

  /** start begins the loop. */
  start(): void {
    this.#schedule(0);
  }

  /** holds says whether this replica owns a cluster right now (its Lease renewed within the deadline). */
  holds(cluster: string): boolean {
    return !this.#releasing.has(cluster) && holdsAt(this.#renewedAt.get(cluster), this.#now(), this.#timings);
  }

  /** view is the sharding as this replica last saw it. */
  view(): ShardView {
    return { ...this.#view, owned: this.#ownedNow() };
  }

  /** stop ends the loop, lets the work drain, then gives every Lease up so others take over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#watchdog);
    await this.#tick;
    const held = [...this.#renewedAt.keys()];
    this.#renewedAt.clear();
    this.#publish();
    await this.#deps.drained();
    await Promise.all([...this.#releases]);
    await Promise.all([
      ...held.map((c) => this.#release(clusterLeaseName(this.#deps.base, c))),
      this.#release(replicaLeaseName(this.#deps.base, this.#deps.identity)),
    ]);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.#round().finally(() => {
        this.#tick = undefined;
      });
    }, ms);
  }

  async #round(): Promise<void> {
    const { api, log } = this.#deps;
    try {
      const leases = await api.list(this.#labels);
      const now = this.#now();
      const byName = new Map(leases.map((l) => [l.name, l]));
      for (const name of this.#observed.keys()) if (!byName.has(name)) this.#observed.delete(name);
      for (const l of leases)
        this.#observed.set(l.name, observe(this.#observed.get(l.name), l, now) as Observation);
      await this.#heartbeat(byName);
      await this.#balance(byName);
    } catch (err) {
      log.warn({ leases: api.where, err: (err as Error).message }, 'sharding: lease request failed');
    }
    this.#publish();
    this.#armWatchdog();
    this.#schedule(this.#timings.retryMs);
  }

  async #heartbeat(byName: Map<string, LeaseRecord>): Promise<void> {
    const name = replicaLeaseName(this.#deps.base, this.#deps.identity);
    if (!isRenewDue(this.#beatAt, this.#now(), this.#timings)) return;
    const sent = this.#now();
    if (await this.#write(name, byName.get(name), false, { [roleLabel]: 'replica' })) this.#beatAt = sent;
  }

  async #balance(byName: Map<string, LeaseRecord>): Promise<void> {
    const { base, identity, durationSeconds, log } = this.#deps;
    const now = this.#now();
    const beats = [...byName.values()].filter((l) => l.labels[roleLabel] === 'replica');
    const replicas = liveReplicas(beats, now, durationSeconds);
    await this.#collect(beats, now);
    const clusters = this.#deps.clusters();
    const holders = clusterHolders(clusters, byName, this.#observed, { base, now, durationSeconds });
    for (const c of clusters) {
      const holder = byName.get(clusterLeaseName(base, c))?.holder;
      // Someone else holds a Lease we thought ours: it lapsed and was taken.
      if (this.#renewedAt.has(c) && holder !== identity) this.#lose(c, `taken by ${holder ?? 'nobody'}`);
    }
    const held = [...this.#renewedAt.keys()].filter((c) => this.holds(c));
    const plan = planShards({ identity, clusters, replicas, holders, held });
    this.#view = shardView(identity, clusters, replicas, holders, plan.share);
    for (const c of plan.release) this.#startRelease(c, plan.share);
    const writes = [
      ...plan.keep.filter((c) => isRenewDue(this.#renewedAt.get(c), now, this.#timings)),
      ...plan.acquire.filter((c) => !this.#releasing.has(c)),
    ];
    await Promise.all(
      writes.map(async (c) => {
        const name = clusterLeaseName(base, c);
        const sent = this.#now();
        const had = this.#renewedAt.has(c);
        if (
          await this.#write(name, byName.get(name), had, { [roleLabel]: 'cluster', 'trueup.io/cluster': c })
        ) {
          this.#renewedAt.set(c, sent);
          this.#view.owners[c] = identity;
          if (!had)
            log.info({ cluster: c, lease: name, identity, share: plan.share }, 'cluster lease acquired');
        }
      }),
    );
  }

  /** #collect deletes heartbeats silent for ten durations: replicas that died (pod names do not come back). */
  async #collect(beats: LeaseRecord[], now: number): Promise<void> {
    for (const b of goneReplicas(beats, this.#deps.identity, now, this.#timings.durationMs)) {
      // The precondition makes sure it is the silent record that goes, not one just renewed.
      await this.#deps.api.delete(b.name, b.resourceVersion).catch(() => {});
      this.#deps.log.info(
        { lease: b.name, replica: b.holder ?? null },
        'removed the heartbeat of a replica gone',
      );
    }
  }

  /** #write creates, takes or renews one Lease as decideLease says; true when this replica holds it now. */
  async #write(
    name: string,
    lease: LeaseRecord | undefined,
    holding: boolean,
    labels: Record<string, string>,
  ): Promise<boolean> {
    const { api, identity, durationSeconds, log } = this.#deps;
    const observed = this.#observed.get(name);
    const decision = decideLease({
      ...(lease ? { lease } : {}),
      ...(observed ? { observed } : {}),
      identity,
      holding,
      now: this.#now(),
      durationSeconds,
    });
    if (decision.action === 'wait' || decision.action === 'lost') return false;
    const all = { ...this.#labels, ...labels };
    try {
      const written =
        decision.action === 'create'
          ? await api.create(name, decision.spec, all)
          : await api.replace(name, decision.resourceVersion, decision.spec, all);
      this.#observed.set(name, { resourceVersion: written.resourceVersion, at: this.#now() });
      return true;
    } catch (err) {
      // A conflict is another replica's write winning the race for this Lease: not an error.
      if (err instanceof KubeError && err.reason === 'conflict')
        log.debug(
          { lease: name, action: decision.action },
          'sharding: another replica wrote the lease first',
        );
      else log.warn({ lease: name, err: (err as Error).message }, 'sharding: lease write failed');
      return false;
    }
  }

  /** #startRelease stops the work on a cluster at once and gives its Lease up once that work drained. */
  #startRelease(cluster: string, share: number): void {
    if (this.#releasing.has(cluster)) return;
    this.#releasing.add(cluster);
    this.#renewedAt.delete(cluster);
    this.#publish();
    this.#deps.log.info(
      { cluster, identity: this.#deps.identity, share },
      'giving a cluster up (above the fair share)',
    );
    const done: Promise<void> = this.#deps
      .drained()
      .then(() => this.#release(clusterLeaseName(this.#deps.base, cluster)))
      .finally(() => {
        this.#releasing.delete(cluster);
        this.#releases.delete(done);
      });
    this.#releases.add(done);
  }

  async #release(name: string): Promise<void> {
    const { api, identity, log } = this.#deps;
    try {
      const lease = await api.get(name);
      if (lease?.holder === identity)
        await api.replace(name, lease.resourceVersion, releasedSpec(lease, this.#now()), lease.labels);
    } catch (err) {
      log.warn({ lease: name, err: (err as Error).message }, 'sharding: could not release a lease');
    }
  }

  #lose(cluster: string, why: string): void {
    if (!this.#renewedAt.delete(cluster)) return;
    this.#deps.log.warn({ cluster, identity: this.#deps.identity, why }, 'cluster lease lost');
  }

  #ownedNow(): string[] {
    return [...this.#renewedAt.keys()].filter((c) => this.holds(c)).sort();
  }

  /** #publish tells the daemon which clusters it owns, when that changed. */
  #publish(): void {
    for (const c of this.#renewedAt.keys()) if (!this.holds(c)) this.#lose(c, 'renew deadline passed');
    const owned = this.#ownedNow();
    if (owned.join('\n') === this.#published.join('\n')) return;
    this.#published = owned;
    this.#deps.log.info({ identity: this.#deps.identity, owned }, 'owned clusters changed');
    this.#deps.onChange(owned);
  }

  /** #armWatchdog re-publishes when the first held Lease passes its deadline, even if a request hangs. */
  #armWatchdog(): void {
    clearTimeout(this.#watchdog);
    const deadlines = [...this.#renewedAt.values()].map((t) => t + this.#timings.renewDeadlineMs);
    if (deadlines.length === 0 || this.#stopped) return;
    const wait = Math.min(...deadlines) - this.#now();
    this.#watchdog = setTimeout(() => {
      this.#publish();
      this.#armWatchdog();
    }, Math.max(0, wait) + 1);
  }
}
