import { describe, expect, it } from 'vitest';
import type { ActivityRecord } from '../../reconciler/store/store.ts';
import { latencies, latencyDistribution, timeline } from './timeline.ts';

const rec = (name: string, second: number, result?: ActivityRecord['result']): ActivityRecord => ({
  time: new Date(Date.UTC(2026, 11, 1, 0, 0, second)).toISOString(),
  cluster: 'c',
  namespace: 'ns',
  kind: 'ConfigMap',
  name,
  ...(result ? { result } : {}),
});

describe('latencies', () => {
  it.each<[string, ActivityRecord[], ActivityRecord[], number[]]>([
    // from the first detection to the applied fix
    ['detected twice, fixed once', [rec('a', 0), rec('a', 3)], [rec('a', 5, 'applied')], [5000]],
    // a failed or skipped remediation does not end the drift
    ['failed first', [rec('a', 0)], [rec('a', 2, 'failed'), rec('a', 4, 'applied')], [4000]],
    // each object on its own
    [
      'two objects',
      [rec('a', 0), rec('b', 1)],
      [rec('b', 2, 'applied'), rec('a', 9, 'applied')],
      [1000, 9000],
    ],
    // a remediation with no detection before it counts none
    ['no detection', [], [rec('a', 1, 'applied')], []],
    // a detection after the fix waits for the next fix
    ['drifts again', [rec('a', 0), rec('a', 6)], [rec('a', 1, 'applied')], [1000]],
  ])('measures detection to remediation: %s', (_name, drifts, remediations, expected) => {
    expect(latencies({ drifts, remediations })).toEqual(expected);
  });

  it('puts each latency under the first bound at or above it, with percentiles', () => {
    const drifts = [rec('a', 0), rec('b', 0), rec('c', 0)];
    const remediations = [rec('a', 1, 'applied'), rec('b', 1, 'applied'), rec('c', 50, 'applied')];
    const d = latencyDistribution({ drifts, remediations });
    expect(d.samples).toBe(3);
    expect(d.counts[d.bounds.indexOf(1000)]).toBe(2);
    expect(d.counts[d.bounds.indexOf(60_000)]).toBe(1);
    expect([d.p50, d.p99]).toEqual([1000, 50_000]);
  });
});

describe('timeline', () => {
  it('counts each kind of activity into its bucket and keeps the commits in range', () => {
    const since = new Date(Date.UTC(2026, 11, 1));
    const until = new Date(since.getTime() + 60_000);
    const t = timeline({
      since,
      until,
      buckets: 6,
      activity: {
        drifts: [rec('a', 0), rec('b', 15)],
        remediations: [rec('a', 11, 'applied'), rec('b', 25, 'failed'), rec('c', 59, 'skipped')],
        approvals: [{ ...rec('d', 30), state: 'approved', decidedAt: rec('d', 45).time }],
      },
      incidents: [rec('x', 50).time, rec('y', 120).time],
      commits: [
        { commit: 'c1', time: rec('x', 5).time },
        { commit: 'old', time: '2020-01-01T00:00:00.000Z' },
      ],
    });
    expect(t.stepSeconds).toBe(10);
    expect(t.series).toEqual({
      drifts: [1, 1, 0, 0, 0, 0],
      applied: [0, 1, 0, 0, 0, 0],
      failed: [0, 0, 1, 0, 0, 0],
      skipped: [0, 0, 0, 0, 0, 1],
      approvalsQueued: [0, 0, 0, 1, 0, 0],
      approvalsDecided: [0, 0, 0, 0, 1, 0],
      incidents: [0, 0, 0, 0, 0, 1],
    });
    expect(t.commits.map((c) => c.commit)).toEqual(['c1']);
  });
});
