/**
 * The daemon's cluster runtimes: for each cluster this replica owns, a live cache kept by a watch
 * (list, then watch), whose callbacks hand changed objects to detection; reachability as the
 * cluster answers; and the full relist of a resync.
 */
import { hasDrifted, objectKey } from '../core/model.ts';
import { type ClusterAccess, KubeError } from '../kube/kube-cluster.ts';
import type { FleetCluster } from '../repo/fleet-config.ts';
import type { FleetState } from '../repo/fleet-state.ts';
import { watchCluster } from './cluster-watch.ts';
import type { ClusterRuntime, DaemonCore } from './core.ts';
import type { Detector } from './detect.ts';
import type { RemediationQueue } from './queue.ts';

/** ClusterRuntimes starts, stops and relists the clusters the daemon watches. */
export class ClusterRuntimes {
  #core: DaemonCore;
  #detector: Detector;
  #queue: RemediationQueue;

  /** constructor takes the shared state, the detection changed objects go to, and the queue. */
  constructor(core: DaemonCore, detector: Detector, queue: RemediationQueue) {
    this.#core = core;
    this.#detector = detector;
    this.#queue = queue;
  }

  /** sync watches the fleet's clusters this replica owns, and only those. */
  sync(state: FleetState, reevaluate = false): void {
    const core = this.#core;
    const owns = (name: string) => core.ownership?.owns(name) ?? true;
    const wanted = new Map((state.fleet?.clusters ?? []).filter((c) => owns(c.name)).map((c) => [c.name, c]));
    for (const [name, rt] of core.clusters) if (!wanted.has(name)) this.#stop(rt);
    for (const [name, cluster] of wanted) {
      const existing = core.clusters.get(name);
      if (existing && JSON.stringify(existing.cluster) === JSON.stringify(cluster)) {
        if (reevaluate) this.#evaluateAllLater(existing);
      } else {
        if (existing) this.#stop(existing);
        this.#start(cluster);
      }
    }
    core.emit({ type: 'status' });
  }

  /** resync relists every cluster and re-evaluates every object; every drift left is queued again. */
  async resync(): Promise<void> {
    const { metrics, options } = this.#core.deps;
    await Promise.all(
      [...this.#core.clusters.values()].map(async (rt) => {
        const end = metrics.reconcileDuration.startTimer({ cluster: rt.cluster.name });
        try {
          const objects = await rt.access.listObjects();
          rt.live = new Map(objects.map((o) => [objectKey(o), o]));
          rt.listed = new Set(['ConfigMap', 'Secret']);
          this.#markReachable(rt);
          await this.#detector.evaluateAll(rt);
          // A full resync retries every drift still left, e.g. after a failed remediation.
          if (options.remediate)
            for (const [key, e] of rt.drifts) if (hasDrifted(e.drift)) this.#queue.enqueue(rt, key);
        } catch (err) {
          this.#markUnreachable(rt, err as Error);
        } finally {
          end();
        }
      }),
    );
  }

  /** stopWatching ends every watch. */
  stopWatching(): void {
    for (const rt of this.#core.clusters.values()) rt.watch.stop();
  }

  /** #evaluateAllLater starts an evaluateAll pass that is not awaited; its failure is logged. */
  #evaluateAllLater(rt: ClusterRuntime): void {
    this.#detector.evaluateAll(rt).catch((err: Error) => {
      this.#core.deps.log.error({ cluster: rt.cluster.name, err: err.message }, 'evaluation failed');
    });
  }

  #stop(rt: ClusterRuntime): void {
    const name = rt.cluster.name;
    const { metrics } = this.#core.deps;
    rt.stopped = true;
    rt.watch.stop();
    if (this.#core.clusters.get(name) === rt) this.#core.clusters.delete(name);
    this.#queue.retire(rt);
    // Another replica reports on it now: no stale figures from this one.
    metrics.driftedObjects.remove({ cluster: name });
    metrics.objectsHeld.remove({ cluster: name });
    metrics.clusterReachable.remove({ cluster: name });
  }

  #start(cluster: FleetCluster): void {
    const log = this.#core.deps.log.child({ cluster: cluster.name });
    let access: ClusterAccess;
    const rt = {
      cluster,
      live: new Map(),
      listed: new Set<string>(),
      reachable: false,
      drifts: new Map(),
      queue: new Set<string>(),
    } as unknown as ClusterRuntime;
    this.#core.clusters.set(cluster.name, rt);
    try {
      access = this.#core.deps.access(cluster);
    } catch (err) {
      rt.watch = { stop() {} };
      this.#markUnreachable(rt, err as Error);
      return;
    }
    rt.access = access;
    rt.watch = watchCluster(access, {
      onListed: (kind, objects) => {
        for (const [key, o] of rt.live) if (o.kind === kind) rt.live.delete(key);
        for (const o of objects) rt.live.set(objectKey(o), o);
        rt.listed.add(kind);
        this.#markReachable(rt);
        log.debug({ kind, objects: objects.length }, 'listed');
        this.#evaluateAllLater(rt);
      },
      onChange: (type, object) => {
        const key = objectKey(object);
        if (type === 'DELETED') rt.live.delete(key);
        else rt.live.set(key, object);
        if (rt.listed.size === 2) this.#detector.evaluate(rt, key);
      },
      onError: (error) => this.#markUnreachable(rt, error),
    });
  }

  #markReachable(rt: ClusterRuntime): void {
    const { log, metrics } = this.#core.deps;
    if (!rt.reachable) {
      log.info({ cluster: rt.cluster.name }, 'cluster reachable');
      this.#core.emit({ type: 'status' });
    }
    rt.reachable = true;
    rt.error = undefined;
    rt.lastSync = new Date().toISOString();
    metrics.clusterReachable.set({ cluster: rt.cluster.name }, 1);
  }

  #markUnreachable(rt: ClusterRuntime, error: Error): void {
    const { log, metrics } = this.#core.deps;
    const transient = error instanceof KubeError ? error.transient : false;
    log.warn(
      { cluster: rt.cluster.name, err: error.message, transient },
      'cluster list or watch failed; retrying',
    );
    if (rt.reachable || rt.error !== error.message) this.#core.emit({ type: 'status' });
    rt.reachable = false;
    rt.error = error.message;
    metrics.clusterReachable.set({ cluster: rt.cluster.name }, 0);
  }
}
