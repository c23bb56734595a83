/**
 * Leader election with one coordination.k8s.io/v1 Lease (the I/O loop around ha/lease.ts). The
 * leader renews every duration/3; anyone else looks every retry period and takes the lease once it
 * is released or has not changed for its duration. A leader whose renewals have failed for the
 * renew deadline (2/3 of the duration, counted from when its last successful renewal was sent)
 * stops leading at once — before anyone else can take the lease — and `isLeader()` answers from the
 * clock, so a write checked against it is refused the moment the deadline passes, not at the
 * loop's next turn.
 */
import type { Logger } from 'pino';
import { KubeError } from '../reconciler/kube/kube-cluster.ts';
import {
  decideLease,
  holdsAt,
  type LeaseTimings,
  leaseTimings,
  type Observation,
  observe,
  releasedSpec,
} from './lease.ts';
import type { LeaseApi } from './lease-api.ts';

/** ElectorDeps configure a LeaderElector. */
export interface ElectorDeps {
  api: LeaseApi;
  /** name is the Lease's name. */
  name: string;
  identity: string;
  durationSeconds: number;
  log: Logger;
  /** onChange hears every change of leadership (this replica leads or not). */
  onChange(leading: boolean): void;
  now?: () => number;
}

/** LeaderElector runs the election loop for one replica. */
export class LeaderElector {
  #deps: ElectorDeps;
  #timings: LeaseTimings;
  #now: () => number;
  /** #renewedAt is when the last successful create/acquire/renew was sent. */
  #renewedAt?: number;
  #leading = false;
  #holder?: string;
  #observed?: Observation;
  #timer?: NodeJS.Timeout;
  #deadline?: NodeJS.Timeout;
  #tick?: Promise<void>;
  #stopped = false;

  constructor(deps: ElectorDeps) {
    this.#deps = deps;
    this.#timings = leaseTimings(deps.durationSeconds);
    this.#now = deps.now ?? Date.now;
  }

  /** start begins the loop. */
  start(): void {
    this.#schedule(0);
  }

  /** isLeader says whether this replica leads right now (renewed within the deadline). */
  isLeader(): boolean {
    return this.#leading && holdsAt(this.#renewedAt, this.#now(), this.#timings);
  }

  /** leader is who holds the lease as last read (undefined: nobody). */
  leader(): string | undefined {
    return this.isLeader() ? this.#deps.identity : this.#holder;
  }

  /** stop ends the loop; call release after the work that needed the lease has stopped. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#deadline);
    await this.#tick;
  }

  /** release gives the lease up (if held) so another replica takes over without waiting for expiry. */
  async release(): Promise<void> {
    const held = this.isLeader();
    this.#setLeading(false, 'stopping');
    if (!held) return;
    const { api, name, identity, log } = this.#deps;
    try {
      const lease = await api.get(name);
      if (lease?.holder === identity)
        await api.replace(name, lease.resourceVersion, releasedSpec(lease, this.#now()), lease.labels);
      log.info({ lease: name, identity }, 'leader lease released');
    } catch (err) {
      log.warn({ lease: name, err: (err as Error).message }, 'could not release the leader lease');
    }
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
    const { api, name, identity, durationSeconds, log } = this.#deps;
    const started = this.#now();
    let next = this.#timings.retryMs;
    try {
      const lease = await api.get(name);
      this.#observed = observe(this.#observed, lease, this.#now());
      const decision = decideLease({
        ...(lease ? { lease } : {}),
        ...(this.#observed ? { observed: this.#observed } : {}),
        identity,
        holding: this.isLeader(),
        now: this.#now(),
        durationSeconds,
      });
      if (decision.action === 'wait' || decision.action === 'lost') {
        this.#noteHolder(decision.holder);
        if (decision.action === 'lost')
          this.#setLeading(false, `the lease is held by ${decision.holder ?? 'nobody'}`);
      } else {
        // The write's send time, not its answer's, starts the deadline: the conservative end.
        const sent = this.#now();
        const written =
          decision.action === 'create'
            ? await api.create(name, decision.spec)
            : await api.replace(name, decision.resourceVersion, decision.spec, lease?.labels ?? {});
        this.#observed = { resourceVersion: written.resourceVersion, at: sent };
        this.#renewedAt = sent;
        this.#holder = identity;
        this.#armDeadline();
        this.#setLeading(true, decision.action, written.transitions);
        next = Math.max(0, this.#timings.renewEveryMs - (this.#now() - started));
      }
    } catch (err) {
      const conflict = err instanceof KubeError && err.reason === 'conflict';
      // A conflict is another replica's write winning the race: no error, look again.
      if (!conflict)
        log.warn({ lease: name, err: (err as Error).message }, 'leader election: lease request failed');
      this.#checkDeadline();
    }
    this.#schedule(next);
  }

  #armDeadline(): void {
    clearTimeout(this.#deadline);
    if (this.#renewedAt === undefined) return;
    const wait = this.#renewedAt + this.#timings.renewDeadlineMs - this.#now();
    this.#deadline = setTimeout(() => this.#checkDeadline(), Math.max(0, wait) + 1);
  }

  #checkDeadline(): void {
    if (this.#leading && !this.isLeader()) this.#setLeading(false, 'renew deadline passed');
  }

  #noteHolder(holder: string | undefined): void {
    if (holder !== this.#holder)
      this.#deps.log.info({ lease: this.#deps.name, leader: holder ?? null }, 'leader changed');
    this.#holder = holder;
  }

  #setLeading(leading: boolean, why: string, transitions?: number): void {
    if (leading === this.#leading) return;
    this.#leading = leading;
    const { log, name, identity } = this.#deps;
    if (leading) log.info({ lease: name, identity, how: why, transitions }, 'became the leader');
    else log.warn({ lease: name, identity, why, leader: this.#holder ?? null }, 'stopped leading');
    if (!leading && this.#holder === identity) this.#holder = undefined;
    this.#deps.onChange(leading);
  }
}
