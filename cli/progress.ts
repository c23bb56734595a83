/**
 * Progress of a long run on a terminal: one line per cluster (objects listed, applied), redrawn in
 * place on stderr. Only ever on a terminal: never on a pipe, a file or next to JSON output, which
 * stay exactly as they were. Log lines step aside (the region is cleared, the line written, the
 * region redrawn), so the two never garble each other.
 */
import type { TextSink } from './log.ts';

/** ClusterProgress is where one cluster stands in a run. */
export interface ClusterProgress {
  cluster: string;
  /** listed is the number of objects read from the cluster (undefined: still listing). */
  listed?: number;
  /** toApply counts the changes planned or queued (undefined: not known yet). */
  toApply?: number;
  applied: number;
  /** held counts changes kept back (approval, policy, waves, limits). */
  held: number;
  failed: number;
  /** error: the cluster cannot be read. */
  error?: string;
  /** done: nothing more will happen to this cluster in this run. */
  done?: boolean;
}

/** newClusterProgress is a cluster that nothing is known of yet. */
export function newClusterProgress(cluster: string): ClusterProgress {
  return { cluster, applied: 0, held: 0, failed: 0 };
}

/** describeCluster is one cluster's progress line, e.g. "prod-eu  1,000 listed · 340 applied · 460 to go". */
export function describeCluster(p: ClusterProgress, nameWidth = 0, verb = 'applied'): string {
  const name = p.cluster.padEnd(nameWidth);
  if (p.error) return `${name}  unreachable: ${p.error}`;
  if (p.listed === undefined) return `${name}  listing…`;
  const parts = [`${count(p.listed)} listed`];
  if (p.applied || (p.toApply && !p.done)) parts.push(`${count(p.applied)} ${verb}`);
  if (p.held) parts.push(`${count(p.held)} held`);
  if (p.failed) parts.push(`${count(p.failed)} failed`);
  if (p.toApply && !p.done) parts.push(`${count(p.toApply)} to go`);
  return `${name}  ${parts.join(' · ')}${p.done ? ' ✓' : ''}`;
}

/**
 * renderProgress is the region's lines: one per cluster, at most maxLines (the rest summed up on
 * the last), each cut to the terminal's width so that no line wraps (a wrapped line could not be
 * cleared in place).
 */
export function renderProgress(
  clusters: readonly ClusterProgress[],
  width: number,
  { maxLines = 8, verb = 'applied' } = {},
): string[] {
  const nameWidth = Math.max(0, ...clusters.map((c) => c.cluster.length));
  const shown = clusters.length > maxLines ? clusters.slice(0, maxLines - 1) : clusters;
  const lines = shown.map((c) => describeCluster(c, nameWidth, verb));
  const rest = clusters.slice(shown.length);
  if (rest.length) {
    const sum = (f: (c: ClusterProgress) => number | undefined) => rest.reduce((n, c) => n + (f(c) ?? 0), 0);
    const finished = rest.filter((c) => c.done || c.error).length;
    lines.push(
      `… ${rest.length} more clusters (${finished} done): ${count(sum((c) => c.listed))} listed · ${count(sum((c) => c.applied))} ${verb}`,
    );
  }
  return lines.map((l) => cut(l, width));
}

/** summarizeProgress is a one-line total of a finished run, e.g. "3 clusters: 3,000 objects listed, 800 applied". */
export function summarizeProgress(clusters: readonly ClusterProgress[], verb = 'applied'): string {
  const sum = (f: (c: ClusterProgress) => number) => clusters.reduce((n, c) => n + f(c), 0);
  const parts = [
    `${count(sum((c) => c.listed ?? 0))} objects listed`,
    `${count(sum((c) => c.applied))} ${verb}`,
  ];
  const held = sum((c) => c.held);
  const failed = sum((c) => c.failed);
  const unreachable = clusters.filter((c) => c.error).length;
  if (held) parts.push(`${count(held)} held`);
  if (failed) parts.push(`${count(failed)} failed`);
  if (unreachable) parts.push(`${unreachable} unreachable`);
  return `${clusters.length} cluster${clusters.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function cut(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}

/** TerminalSink is a stream that may be a terminal, with its size. */
export interface TerminalSink extends TextSink {
  columns?: number;
  /** redrawMs is how often progress may be redrawn at most (default 100; a test sets 0 to see every step). */
  redrawMs?: number;
}

/**
 * StatusRegion keeps a few lines at the bottom of a terminal up to date. Writes are coalesced:
 * update marks the region stale and draws it at most every minIntervalMs (0: at once).
 */
export class StatusRegion {
  #sink: TerminalSink;
  #lines: string[] = [];
  #drawn = 0;
  #render: () => string[];
  #minIntervalMs: number;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /** constructor takes the terminal and the function that gives the region's lines. */
  constructor(sink: TerminalSink, render: (width: number) => string[], minIntervalMs = sink.redrawMs ?? 100) {
    this.#sink = sink;
    this.#render = () => render(Math.max(20, (sink.columns ?? 80) - 1));
    this.#minIntervalMs = minIntervalMs;
  }

  /** update redraws the region now, or soon when it was drawn a moment ago. */
  update(): void {
    if (this.#closed || this.#timer) return;
    const wait = this.#lastDraw + this.#minIntervalMs - performance.now();
    if (wait <= 0) {
      this.#draw();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#draw();
    }, wait);
    this.#timer.unref?.();
  }

  /** around clears the region, runs write (a log line), and draws the region again below it. */
  around(write: () => void): void {
    if (this.#closed || this.#drawn === 0) {
      write();
      return;
    }
    this.#clear();
    write();
    this.#paint();
  }

  /** close clears the region for good; later writes pass straight through. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#clear();
    this.#closed = true;
  }

  #draw(): void {
    if (this.#closed) return;
    this.#lastDraw = performance.now();
    this.#lines = this.#render();
    this.#clear();
    this.#paint();
  }

  #paint(): void {
    if (this.#lines.length === 0) return;
    this.#sink.write(`${this.#lines.join('\n')}\n`);
    this.#drawn = this.#lines.length;
  }

  #clear(): void {
    // Up over the lines drawn, then erase to the end of the screen.
    if (this.#drawn > 0) this.#sink.write(`\x1b[${this.#drawn}A\r\x1b[J`);
    this.#drawn = 0;
  }
}
