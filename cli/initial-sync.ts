/**
 * serve's initial sync as a terminal shows it: per cluster, the objects listed and the changes
 * applied, held or failed, until every cluster is listed, evaluated and its queue drained (or it
 * cannot be read). The demo waits for it before printing its tour; serve logs one line when it is
 * done.
 */
import type { ClusterSyncProgress, DaemonEvent } from '../reconciler/daemon/daemon.ts';
import { type ClusterProgress, newClusterProgress } from './progress.ts';

/** SyncSource is what InitialSync reads of the daemon. */
export interface SyncSource {
  progress(): ClusterSyncProgress[];
  onEvent(listener: (event: DaemonEvent) => void): () => void;
}

const written = new Set(['created', 'configured', 'replaced', 'deleted']);

/** InitialSync follows the daemon's first sync of every cluster it watches. */
export class InitialSync {
  #source: SyncSource;
  #counts = new Map<string, ClusterProgress>();
  #unsubscribe: () => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #listeners = new Set<() => void>();
  #resolve!: (clusters: ClusterProgress[]) => void;
  #done = false;
  /** settled resolves with every cluster's progress once the initial sync is over. */
  readonly settled: Promise<ClusterProgress[]>;

  /** constructor subscribes to the daemon's remediations; start (after the daemon's) begins checking. */
  constructor(source: SyncSource) {
    this.#source = source;
    this.settled = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    this.#unsubscribe = source.onEvent((event) => {
      if (event.type !== 'remediation') return;
      const p = this.#countsOf(event.cluster);
      if (event.error) p.failed++;
      else if (written.has(event.action)) p.applied++;
      else p.held++;
      this.#changed();
    });
  }

  /**
   * start checks now and every pollMs until settled: a queue's end is seen by polling, since the
   * daemon announces each remediation but not the moment its queue is empty.
   */
  start(pollMs = 200): void {
    if (this.#done) return;
    this.#timer = setInterval(() => this.#changed(), pollMs);
    this.#timer.unref?.();
    this.#changed();
  }

  /** onChange calls listener whenever the progress may have changed. */
  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  /** clusters is every watched cluster's progress now. */
  clusters(): ClusterProgress[] {
    return this.#source.progress().map((s) => {
      const counts = this.#countsOf(s.cluster);
      const done = Boolean(s.error) || (s.evaluated && s.queued === 0);
      return {
        ...counts,
        ...(s.listed !== undefined ? { listed: s.listed } : {}),
        ...(s.evaluated ? { toApply: s.queued } : {}),
        ...(s.error ? { error: s.error } : {}),
        done,
      };
    });
  }

  /** stop ends the checks; settled stays pending if it had not resolved. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe();
  }

  #countsOf(cluster: string): ClusterProgress {
    let p = this.#counts.get(cluster);
    if (!p) {
      p = newClusterProgress(cluster);
      this.#counts.set(cluster, p);
    }
    return p;
  }

  #changed(): void {
    if (this.#done) return;
    for (const listener of this.#listeners) listener();
    if (this.#timer === undefined) return;
    const clusters = this.clusters();
    if (clusters.every((c) => c.done)) {
      this.#done = true;
      this.stop();
      this.#resolve(clusters);
    }
  }
}
