/**
 * What canary waves (policies/waves.ts) need to know of one object on every cluster of the fleet,
 * worked out from what a cycle (or the daemon) has read. Pure.
 *
 * When did an object that is in sync now become so? The live object says: it has not been written
 * since the latest time in its managedFields (every write that changes it stamps its manager's
 * entry), so that time is when it was last remediated or otherwise changed. It survives restarts
 * and needs no state of trueup's own: a `reconcile --once` run measures the settle time of the
 * previous run's remediation as well as `serve` does. An object with no stamp counts as settled.
 */
import type { WaveCluster, WaveObservation } from '../../policies/waves.ts';
import { type Drift, type LiveObject, objectKey } from '../core/model.ts';
import type { ClusterDesiredState } from '../repo/desired-state.ts';

/** lastWriteTime is the latest managedFields time of a live object: when it was last changed. */
export function lastWriteTime(live: LiveObject | undefined): Date | undefined {
  let latest: number | undefined;
  for (const f of live?.managedFields ?? []) {
    const t = f.time ? Date.parse(f.time) : Number.NaN;
    if (!Number.isNaN(t) && (latest === undefined || t > latest)) latest = t;
  }
  return latest === undefined ? undefined : new Date(latest);
}

/** ObjectOnCluster is what a reader knows of one object on one cluster. */
export interface ObjectOnCluster {
  cluster: WaveCluster;
  /** read: the cluster was listed in this cycle (reachable, and selected). */
  read: boolean;
  /** declared: the repo declares the object for this cluster. */
  declared: boolean;
  /** status of the object's evaluation, when it has one (undefined: not trueup's, or ignored). */
  status?: 'in-sync' | 'drifted';
  live?: LiveObject;
  /**
   * changedAt is when trueup last made or saw the object turn in sync, if it knows (a recorded
   * remediation, or the daemon's memory): removing keys can leave no managedFields stamp.
   */
  changedAt?: Date;
}

/**
 * observeObject turns what is known of the object on one cluster into a wave observation, or
 * undefined when the cluster does not hold the object (it then belongs to no wave for it).
 */
export function observeObject(o: ObjectOnCluster): WaveObservation | undefined {
  if (!o.read) return o.declared ? { cluster: o.cluster, state: 'unknown' } : undefined;
  if (o.status === undefined) return undefined;
  if (o.status === 'drifted') return { cluster: o.cluster, state: 'drifted' };
  const times = [lastWriteTime(o.live), o.changedAt].filter((t): t is Date => t !== undefined);
  const since = times.length ? new Date(Math.max(...times.map((t) => t.getTime()))) : undefined;
  return { cluster: o.cluster, state: 'in-sync', ...(since ? { since } : {}) };
}

/** ClusterReading is one cluster's part of a cycle, as waves read it. */
export interface ClusterReading {
  cluster: WaveCluster;
  /** declared holds the objectKeys the repo declares for the cluster. */
  declared: ReadonlySet<string>;
  /** read is what the cycle listed, by objectKey; undefined when the cluster was not read. */
  read?: { status: ReadonlyMap<string, 'in-sync' | 'drifted'>; live: ReadonlyMap<string, LiveObject> };
}

/** observationsOf lists the wave observations of one object (objectKey) across the fleet. */
export function observationsOf(
  readings: readonly ClusterReading[],
  key: string,
  changedAt?: (cluster: string, key: string) => Date | undefined,
): WaveObservation[] {
  return readings.flatMap((r) => {
    const at = r.read && changedAt?.(r.cluster.name, key);
    const observed = observeObject({
      cluster: r.cluster,
      read: r.read !== undefined,
      declared: r.declared.has(key),
      ...(r.read?.status.has(key) ? { status: r.read.status.get(key) } : {}),
      ...(r.read?.live.has(key) ? { live: r.read.live.get(key) } : {}),
      ...(at ? { changedAt: at } : {}),
    });
    return observed ? [observed] : [];
  });
}

/** cycleReadings builds every fleet cluster's reading from a cycle's listed clusters (by name). */
export function cycleReadings(
  clusters: readonly ClusterDesiredState[],
  listed: ReadonlyMap<string, { evaluations: readonly { drift: Drift }[]; live: readonly LiveObject[] }>,
): ClusterReading[] {
  return clusters.map((c) => {
    const l = listed.get(c.cluster.name);
    const status = (d: Drift) => (d.status === 'in-sync' ? ('in-sync' as const) : ('drifted' as const));
    return {
      cluster: c.cluster,
      declared: new Set(c.objects.map(objectKey)),
      ...(l
        ? {
            read: {
              status: new Map(l.evaluations.map((e) => [objectKey(e.drift), status(e.drift)])),
              live: new Map(l.live.map((o) => [objectKey(o), o])),
            },
          }
        : {}),
    };
  });
}
