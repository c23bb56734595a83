/**
 * The read port (reconciler/sync/object-reader.ts) over the daemon's cache: in `serve` an object's
 * desired state, live state and evaluation are already in memory, kept current by the watches, so
 * a reader neither reads the cluster again nor evaluates the object again.
 */
import {
  blameProvenance,
  type ObjectReader,
  type ObjectView,
  type RecordReader,
  type RevisionBlame,
  recordsOf,
} from '../sync/object-reader.ts';
import type { Daemon } from './daemon.ts';

/** DaemonCache is the part of the daemon the reader reads. */
export type DaemonCache = Pick<Daemon, 'fleetState' | 'evaluation'>;

/** DaemonReaderDeps are the daemon reader's other sources. */
export interface DaemonReaderDeps {
  store: RecordReader;
  blame: RevisionBlame;
  /**
   * fallback answers for clusters the cache does not hold (another replica owns them, or they are
   * not listed or not reachable now). Without one the cache answers as it is, as the console shows it.
   */
  fallback?: ObjectReader;
}

/** daemonObjectReader is the ObjectReader of `serve`, answered from the daemon's cache. */
export function daemonObjectReader(daemon: DaemonCache, deps: DaemonReaderDeps): ObjectReader {
  return {
    state: () => daemon.fleetState(),
    async object(ref) {
      const { cached, evaluation, desired, live } = daemon.evaluation(ref);
      if (!cached && deps.fallback) return deps.fallback.object(ref);
      const view: ObjectView = { ref };
      if (desired) view.desired = desired;
      if (live) view.live = live;
      if (evaluation) view.evaluation = evaluation;
      return view;
    },
    provenance: async (ref) =>
      blameProvenance(daemon.evaluation(ref).desired, daemon.fleetState()?.revision, deps.blame),
    ...recordsOf(deps.store),
  };
}
