/**
 * The progress of `diff` and `reconcile --once` on a terminal: the repo being read, then per
 * cluster the objects listed and the changes applied. On stderr, and only when stderr is a
 * terminal and the output is text: a pipe, a file and `-o json` see nothing of it.
 */
import type { ChangeSetEntry } from '../reconciler/sync/change-set.ts';
import type { CycleProgress } from '../reconciler/sync/options.ts';
import {
  type ClusterProgress,
  newClusterProgress,
  renderProgress,
  StatusRegion,
  type TerminalSink,
} from './progress.ts';

const written = new Set(['created', 'configured', 'replaced', 'deleted']);

/** CycleProgressView shows a one-shot cycle's progress in a terminal region. */
export class CycleProgressView implements CycleProgress {
  #clusters = new Map<string, ClusterProgress>();
  #phase: string | undefined;
  #region: StatusRegion;
  #sink: TerminalSink;

  /** constructor takes the terminal; dryRun says "validated" instead of "applied". */
  constructor(sink: TerminalSink, { dryRun = false, minIntervalMs = sink.redrawMs ?? 100 } = {}) {
    const verb = dryRun ? 'validated' : 'applied';
    this.#sink = sink;
    this.#region = new StatusRegion(
      sink,
      (width) =>
        this.#clusters.size
          ? renderProgress([...this.#clusters.values()], width, { verb })
          : this.#phase
            ? [this.#phase.slice(0, width)]
            : [],
      minIntervalMs,
    );
  }

  /** phase shows what happens before the clusters are read (e.g. reading the fleet repo). */
  phase(text: string): void {
    this.#phase = text;
    this.#region.update();
  }

  /** begin lists the clusters the cycle reads. */
  begin(clusters: readonly string[]): void {
    for (const c of clusters) this.#clusters.set(c, newClusterProgress(c));
    this.#region.update();
  }

  /** listed: a cluster's objects were read. */
  listed(cluster: string, objects: number): void {
    this.#of(cluster).listed = objects;
    this.#region.update();
  }

  /** unreachable: a cluster could not be read. */
  unreachable(cluster: string, error: string): void {
    Object.assign(this.#of(cluster), { error, done: true });
    this.#region.update();
  }

  /** planned: this many drifted objects go through remediation on the cluster. */
  planned(cluster: string, changes: number): void {
    Object.assign(this.#of(cluster), { toApply: changes, done: changes === 0 });
    this.#region.update();
  }

  /** remediated: one object's outcome. */
  remediated(cluster: string, entry: ChangeSetEntry): void {
    const p = this.#of(cluster);
    if (entry.error) p.failed++;
    else if (written.has(entry.action)) p.applied++;
    else p.held++;
    p.toApply = Math.max(0, (p.toApply ?? 1) - 1);
    p.done = p.toApply === 0;
    this.#region.update();
  }

  /** print writes text (a message on stderr) above the region. */
  print(text: string): void {
    this.#region.around(() => this.#sink.write(text));
  }

  /** close clears the region before the report is printed. */
  close(): void {
    this.#region.close();
  }

  #of(cluster: string): ClusterProgress {
    let p = this.#clusters.get(cluster);
    if (!p) {
      p = newClusterProgress(cluster);
      this.#clusters.set(cluster, p);
    }
    return p;
  }
}

/** cycleProgressView returns the view for a one-shot run, or undefined where no progress is shown. */
export function cycleProgressView(
  sink: TerminalSink,
  options: { output: 'text' | 'json'; dryRun?: boolean },
): CycleProgressView | undefined {
  if (!sink.isTTY || options.output === 'json') return undefined;
  return new CycleProgressView(sink, { dryRun: options.dryRun ?? false });
}
