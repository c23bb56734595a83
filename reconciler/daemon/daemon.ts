/**
 * The `serve` daemon's engine: keeps the fleet repo's desired state current (poll + refresh hook),
 * watches every targeted cluster, re-evaluates an object the moment it changes, records drift,
 * and — where the decision says auto — remediates, one object at a time per cluster. A full
 * resync runs on a cron schedule and on every new commit. A repo that cannot be fetched keeps the
 * last good revision; a cluster that is down only affects itself.
 *
 * The Daemon is the lifecycle and the public face; its parts: revision.ts (the revision in use),
 * runtime.ts (per cluster: live cache and watch), detect.ts (evaluate and gate what changed),
 * queue.ts (remediate and record), status.ts (what the API and the console read).
 */
import type { AuditRecord } from '../audit/event.ts';
import { type DesiredObject, type Drift, type LiveObject, type ObjectRef, objectKey } from '../core/model.ts';
import type { FleetState } from '../repo/fleet-state.ts';
import type { ChangeSetEntry } from '../sync/change-set.ts';
import type { Evaluation } from '../sync/evaluate.ts';
import { createCore, type DaemonCore, type DaemonDeps, type DaemonEvent } from './core.ts';
import { Detector } from './detect.ts';
import { type NamespaceCounts, namespaceCounts } from './namespaces.ts';
import { RemediationQueue } from './queue.ts';
import { Revisions } from './revision.ts';
import { ClusterRuntimes } from './runtime.ts';
import { currentDrifts, type DaemonStatus, daemonStatus, type Ownership } from './status.ts';

// The daemon's types, where serve, web/ and chat have always imported them.
export type { DaemonDeps, DaemonEvent } from './core.ts';
export type { NamespaceCounts, NamespaceState } from './namespaces.ts';
export { heldReason } from './queue.ts';
export type { ClusterHealth, ClusterStatus, DaemonStatus, Ownership, ReplicaStatus } from './status.ts';

/** ClusterSyncProgress is how far the daemon has got with one cluster (Daemon.progress). */
export interface ClusterSyncProgress {
  cluster: string;
  /** listed counts the objects in the live cache once ConfigMaps and Secrets are both listed. */
  listed?: number;
  evaluated: boolean;
  /** queued counts the remediations waiting or running on the cluster. */
  queued: number;
  /** error: the cluster cannot be listed or watched right now. */
  error?: string;
}

/** Daemon runs the watch-detect-remediate loop. */
export class Daemon {
  #listeners = new Set<(event: DaemonEvent) => void>();
  #core: DaemonCore;
  #queue: RemediationQueue;
  #detector: Detector;
  #runtimes: ClusterRuntimes;
  #revisions: Revisions;

  constructor(deps: DaemonDeps) {
    this.#core = createCore(deps, this.#listeners);
    this.#queue = new RemediationQueue(this.#core);
    this.#detector = new Detector(this.#core, this.#queue);
    this.#runtimes = new ClusterRuntimes(this.#core, this.#detector, this.#queue);
    this.#revisions = new Revisions(this.#core, (state) => {
      // A new revision starts a new cycle of limits, and every object is evaluated against it.
      this.#detector.newCycle(state);
      this.#runtimes.sync(state, true);
    });
  }

  /** start fetches the repo and starts watching; it resolves once the first fetch is done. */
  async start(): Promise<void> {
    await this.#core.pending.refresh();
    await this.refresh();
  }

  /** approvalsChanged tells the daemon an approval was queued or decided elsewhere: its held counts are read again. */
  approvalsChanged(): Promise<void> {
    return this.#core.pending.refresh();
  }

  /** refresh fetches the repo; a new revision rebuilds the desired state and re-evaluates everything. */
  refresh(): Promise<{ revision?: string; changed: boolean; error?: string }> {
    return this.#revisions.refresh();
  }

  /** resync relists every cluster and re-evaluates every object. */
  async resync(): Promise<void> {
    this.#detector.newCycle(this.#core.state);
    await this.#runtimes.resync();
  }

  /** stop ends every watch. */
  stop(): void {
    this.#core.stopped = true;
    this.#detector.stop();
    this.#queue.stop();
    this.#runtimes.stopWatching();
  }

  /** drained resolves when no remediation is running (after stop, before the store closes). */
  async drained(): Promise<void> {
    await this.#queue.drained();
    await this.#core.writes.idle();
  }

  /**
   * own limits the daemon to the clusters this replica owns (leader election: all or none; sharding:
   * those whose Lease it holds) and starts or stops watching clusters to match. Writes are refused
   * separately, right before each request (ha/write-guard.ts); this stops the work itself.
   */
  own(ownership: Ownership): void {
    this.#core.ownership = ownership;
    if (this.#core.state && !this.#core.stopped) this.#runtimes.sync(this.#core.state);
  }

  /** onEvent subscribes to the daemon's changes; it returns the unsubscribe function. */
  onEvent(listener: (event: DaemonEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * evaluation is an object's current evaluation, desired and live state, as the daemon sees them;
   * cached says the daemon watches its cluster, has listed it and reaches it (live is current).
   */
  evaluation(ref: ObjectRef): {
    evaluation?: Evaluation;
    desired?: DesiredObject;
    live?: LiveObject;
    cached: boolean;
  } {
    const key = objectKey(ref);
    const rt = this.#core.clusters.get(ref.cluster);
    const evaluation = rt?.drifts.get(key);
    const desired = this.#core.desiredByKey.get(ref.cluster)?.get(key);
    const live = rt?.live.get(key);
    return {
      ...(evaluation ? { evaluation } : {}),
      ...(desired ? { desired } : {}),
      ...(live ? { live } : {}),
      cached: rt !== undefined && !rt.stopped && rt.reachable && rt.listed.size === 2,
    };
  }

  /**
   * remediateNow remediates one drifted object at once, only where the decision is auto (the
   * console's "remediate now"); anything else is refused with the decision's reasons.
   */
  remediateNow(ref: ObjectRef): Promise<{ ok: true; entry: ChangeSetEntry } | { ok: false; reason: string }> {
    return this.#queue.remediateNow(ref);
  }

  /** fleetState is the desired state and policy of the revision in use (undefined before the first fetch). */
  fleetState(): FleetState | undefined {
    return this.#core.state;
  }

  /** status reports revision, readiness and per-cluster state. */
  status(): DaemonStatus {
    const gitError = this.#revisions.gitError;
    return daemonStatus(this.#core, {
      ...(gitError ? { gitError } : {}),
      repoErrors: this.#revisions.repoErrors(),
      flapping: (cluster) => this.#queue.flapping(cluster),
    });
  }

  /** namespaces counts desired and drifted objects per cluster and namespace (the fleet heat map's cells). */
  namespaces(): NamespaceCounts[] {
    return namespaceCounts(this.#core);
  }

  /**
   * progress says how far each watched cluster has got: objects listed (once both kinds are),
   * whether every object has been evaluated, and how many remediations are queued or running.
   * A terminal shows the initial sync with it; the demo waits for it to settle.
   */
  progress(): ClusterSyncProgress[] {
    return [...this.#core.clusters.values()].map((rt) => ({
      cluster: rt.cluster.name,
      ...(rt.listed.size === 2 ? { listed: rt.live.size } : {}),
      evaluated: rt.evaluated ?? false,
      queued: rt.queue.size + (rt.draining ? 1 : 0),
      ...(rt.reachable || !rt.error ? {} : { error: rt.error }),
    }));
  }

  /**
   * manages tells whether trueup manages an object: the repo declares it for its cluster, or the
   * daemon watches it there (what audit events are kept for).
   */
  manages(ref: ObjectRef): boolean {
    const key = objectKey(ref);
    return (
      this.#core.desiredByKey.get(ref.cluster)?.has(key) === true ||
      this.#core.clusters.get(ref.cluster)?.live.has(key) === true
    );
  }

  /**
   * auditArrived takes stored audit records into the index detection joins with, and evaluates
   * again each drifted object they name: a write's audit event often arrives after its watch event.
   */
  auditArrived(records: readonly AuditRecord[]): void {
    this.#core.deps.audit?.add(records);
    const seen = new Set<string>();
    for (const r of records) {
      const key = objectKey(r);
      const rt = this.#core.clusters.get(r.cluster);
      if (!rt || seen.has(`${r.cluster}/${key}`)) continue;
      seen.add(`${r.cluster}/${key}`);
      if (rt.drifts.get(key)?.drift.status === 'modified') this.#detector.evaluate(rt, key);
    }
  }

  /** drifts returns the current drift of every object that is not in sync, with provenance commits. */
  drifts(): Promise<Drift[]> {
    return currentDrifts(this.#core);
  }
}
