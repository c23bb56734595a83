import { describe, expect, it } from 'vitest';
import type { ClusterSyncProgress } from '../reconciler/daemon/daemon.ts';
import { CycleProgressView, cycleProgressView } from './cycle-progress.ts';
import { InitialSync } from './initial-sync.ts';
import { type ClusterProgress, renderProgress, StatusRegion, summarizeProgress } from './progress.ts';

/** terminal is a fake terminal (or pipe) that keeps what is written to it. */
function terminal(isTTY = true, columns = 80) {
  const chunks: string[] = [];
  return { isTTY, columns, chunks, write: (s: string) => chunks.push(s), text: () => chunks.join('') };
}

const p = (cluster: string, fields: Partial<ClusterProgress> = {}): ClusterProgress => ({
  cluster,
  applied: 0,
  held: 0,
  failed: 0,
  ...fields,
});

describe('renderProgress', () => {
  it.each([
    ['a cluster not read yet is listing', [p('prod-eu')], ['prod-eu  listing…']],
    [
      'names are padded to one column; a cluster under way tells what is left',
      [
        p('prod-eu', { listed: 1000, toApply: 460, applied: 340 }),
        p('staging', { listed: 12, toApply: 0, done: true }),
      ],
      ['prod-eu  1,000 listed · 340 applied · 460 to go', 'staging  12 listed ✓'],
    ],
    [
      'a done cluster tells what was held and what failed',
      [p('prod-us', { listed: 9, applied: 2, held: 1, failed: 1, toApply: 0, done: true })],
      ['prod-us  9 listed · 2 applied · 1 held · 1 failed ✓'],
    ],
    [
      'a cluster that cannot be read says why',
      [p('edge', { error: 'connect ECONNREFUSED', done: true })],
      ['edge  unreachable: connect ECONNREFUSED'],
    ],
  ] as const)('%s', (_, clusters, lines) => {
    expect(renderProgress(clusters, 100)).toEqual(lines);
  });

  it('cuts lines to the terminal width and sums up the clusters that do not fit', () => {
    const clusters = Array.from({ length: 20 }, (_, i) =>
      p(`cluster-${String(i).padStart(2, '0')}`, { listed: 100, applied: 10, toApply: 5 }),
    );
    const lines = renderProgress(clusters, 40, { maxLines: 4 });
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.length <= 40)).toBe(true);
    expect(lines[3]).toMatch(/^… 17 more clusters \(0 done\): 1,700 list/);
  });

  it('summarizes a finished run in one line', () => {
    expect(summarizeProgress([p('a', { listed: 1000, applied: 800, held: 2 }), p('b', { error: 'x' })])).toBe(
      '2 clusters: 1,000 objects listed, 800 applied, 2 held, 1 unreachable',
    );
  });
});

describe('StatusRegion', () => {
  it('redraws in place, lets a log line through above it, and clears itself on close', () => {
    const tty = terminal();
    let lines = ['a: listing…', 'b: listing…'];
    const region = new StatusRegion(tty, () => lines, 0);
    region.update();
    expect(tty.text()).toBe('a: listing…\nb: listing…\n');
    tty.chunks.length = 0;
    region.around(() => tty.write('LOG\n'));
    // up over the two lines, erase, the log line, the region again
    expect(tty.chunks).toEqual(['\x1b[2A\r\x1b[J', 'LOG\n', 'a: listing…\nb: listing…\n']);
    tty.chunks.length = 0;
    lines = ['a: 3 listed ✓'];
    region.update();
    expect(tty.chunks).toEqual(['\x1b[2A\r\x1b[J', 'a: 3 listed ✓\n']);
    tty.chunks.length = 0;
    region.close();
    region.update();
    region.around(() => tty.write('LOG\n'));
    expect(tty.chunks).toEqual(['\x1b[1A\r\x1b[J', 'LOG\n']);
  });
});

describe('cycleProgressView', () => {
  it.each([
    // a pipe never sees progress
    [false, 'text'],
    // nor does JSON output, even on a terminal
    [true, 'json'],
  ] as const)('shows nothing when stderr is a terminal=%s and the output is %s', (isTTY, output) => {
    expect(cycleProgressView(terminal(isTTY), { output })).toBeUndefined();
  });

  it('shows each cluster listed and its changes applied, then clears before the report', () => {
    const tty = terminal();
    expect(cycleProgressView(tty, { output: 'text' })).toBeInstanceOf(CycleProgressView);
    // 0 ms between draws in a test: every step is drawn at once.
    const view = new CycleProgressView(tty, { minIntervalMs: 0 });
    const seen: string[] = [];
    const draw = () => seen.push(tty.text().split('\x1b[J').at(-1) ?? '');
    view.begin(['prod-eu', 'staging']);
    view.listed('prod-eu', 3);
    view.unreachable('staging', 'connect ECONNREFUSED');
    view.planned('prod-eu', 2);
    view.remediated('prod-eu', { action: 'created' } as never);
    view.remediated('prod-eu', { action: 'skipped' } as never);
    draw();
    view.close();
    expect(seen[0]).toBe(
      'prod-eu  3 listed · 1 applied · 1 held ✓\nstaging  unreachable: connect ECONNREFUSED\n',
    );
    expect(tty.text().endsWith('\x1b[J')).toBe(true);
  });
});

describe('InitialSync', () => {
  /** daemon is a fake daemon whose progress and events the test drives. */
  function daemon() {
    const listeners = new Set<(e: never) => void>();
    let rows: ClusterSyncProgress[] = [{ cluster: 'prod-eu', evaluated: false, queued: 0 }];
    return {
      set: (r: typeof rows) => {
        rows = r;
      },
      emit: (e: unknown) => {
        for (const l of listeners) l(e as never);
      },
      source: {
        progress: () => rows,
        onEvent: (l: (e: never) => void) => {
          listeners.add(l);
          return () => listeners.delete(l);
        },
      },
    };
  }

  it('settles once every cluster is evaluated with its queue drained, counting what was applied and held', async () => {
    const d = daemon();
    const sync = new InitialSync(d.source);
    sync.start(1);
    d.set([{ cluster: 'prod-eu', listed: 3, evaluated: true, queued: 2 }]);
    d.emit({
      type: 'remediation',
      cluster: 'prod-eu',
      kind: 'ConfigMap',
      namespace: 'shop',
      name: 'a',
      action: 'created',
    });
    d.emit({
      type: 'remediation',
      cluster: 'prod-eu',
      kind: 'Secret',
      namespace: 'shop',
      name: 'b',
      action: 'skipped',
    });
    expect(sync.clusters()).toEqual([
      expect.objectContaining({ listed: 3, applied: 1, held: 1, toApply: 2, done: false }),
    ]);
    d.set([{ cluster: 'prod-eu', listed: 3, evaluated: true, queued: 0 }]);
    expect(await sync.settled).toEqual([
      expect.objectContaining({ listed: 3, applied: 1, held: 1, done: true }),
    ]);
  });

  it('counts a cluster that cannot be read as settled', async () => {
    const d = daemon();
    d.set([{ cluster: 'edge', evaluated: false, queued: 0, error: 'connect ECONNREFUSED' }]);
    const sync = new InitialSync(d.source);
    sync.start(1);
    expect(await sync.settled).toEqual([
      expect.objectContaining({ cluster: 'edge', error: 'connect ECONNREFUSED' }),
    ]);
  });
});
