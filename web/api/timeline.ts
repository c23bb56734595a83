/**
 * Timelines for the console's charts, from the audit store's activity rows: counts per time bucket
 * (drifts detected, remediations by result, approvals queued and decided, incidents opened), the git
 * commits in range, and detection→remediation latency as a histogram. Pure.
 */

import type { Activity, ActivityRecord } from '../../reconciler/store/store.ts';
import type { LatencyDistribution, Timeline, TimelineCommit, TimelineSeries } from '../contract/fleet.ts';

/** latencyBounds are the histogram's upper bounds (ms): 100 ms to a day, roughly ×2.5 apart. */
export const latencyBounds = [
  100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000,
  86_400_000,
];

/** TimelineInput is what a timeline is computed from. */
export interface TimelineInput {
  since: Date;
  until: Date;
  buckets: number;
  activity: Activity;
  incidents: string[];
  commits: TimelineCommit[];
  truncated?: boolean;
}

/** timeline buckets the activity between since and until into `buckets` equal steps (whole seconds). */
export function timeline(input: TimelineInput): Timeline {
  const from = Math.floor(input.since.getTime() / 1000);
  const to = Math.ceil(input.until.getTime() / 1000);
  const step = Math.max(1, Math.ceil((to - from) / input.buckets));
  const count = Math.max(1, Math.ceil((to - from) / step));
  const times = Array.from({ length: count }, (_, i) => from + i * step);
  const zeros = () => new Array<number>(count).fill(0);
  const series: TimelineSeries = {
    drifts: zeros(),
    applied: zeros(),
    failed: zeros(),
    skipped: zeros(),
    approvalsQueued: zeros(),
    approvalsDecided: zeros(),
    incidents: zeros(),
  };
  const add = (list: number[], iso: string | undefined) => {
    if (iso === undefined) return;
    const i = Math.floor((Date.parse(iso) / 1000 - from) / step);
    if (i >= 0 && i < count) list[i] = (list[i] ?? 0) + 1;
  };
  const { activity } = input;
  for (const r of activity.drifts) add(series.drifts, r.time);
  for (const r of activity.remediations) add(series[r.result ?? 'applied'], r.time);
  for (const a of activity.approvals) {
    add(series.approvalsQueued, a.time);
    if (a.state !== 'pending' && a.state !== 'applying') add(series.approvalsDecided, a.decidedAt);
  }
  for (const opened of input.incidents) add(series.incidents, opened);
  return {
    since: new Date(from * 1000).toISOString(),
    until: new Date(to * 1000).toISOString(),
    stepSeconds: step,
    times,
    series,
    commits: input.commits.filter(
      (c) => c.time >= input.since.toISOString() && c.time <= input.until.toISOString(),
    ),
    latency: latencyDistribution(activity),
    ...(input.truncated ? { truncated: true } : {}),
  };
}

const objectOf = (r: ActivityRecord) => `${r.cluster}/${r.kind}/${r.namespace}/${r.name}`;

/**
 * latencies are, per applied remediation, the time since the object's first drift detection after
 * its previous applied remediation (ms): how long a drift stood before trueup fixed it. A remediation
 * with no detection before it (a first apply, an approval of an old drift outside the range) counts none.
 */
export function latencies(activity: Pick<Activity, 'drifts' | 'remediations'>): number[] {
  type Event = { time: number; drift: boolean; object: string };
  const events: Event[] = [
    ...activity.drifts.map((r) => ({ time: Date.parse(r.time), drift: true, object: objectOf(r) })),
    ...activity.remediations
      .filter((r) => r.result === 'applied')
      .map((r) => ({ time: Date.parse(r.time), drift: false, object: objectOf(r) })),
  ];
  // At one instant a detection comes before the remediation it caused.
  events.sort((a, b) => a.time - b.time || Number(b.drift) - Number(a.drift));
  const detected = new Map<string, number>();
  const found: number[] = [];
  for (const e of events) {
    if (e.drift) {
      if (!detected.has(e.object)) detected.set(e.object, e.time);
      continue;
    }
    const since = detected.get(e.object);
    if (since !== undefined) found.push(e.time - since);
    detected.delete(e.object);
  }
  return found;
}

/** latencyDistribution is the histogram of latencies over latencyBounds, with percentiles. */
export function latencyDistribution(
  activity: Pick<Activity, 'drifts' | 'remediations'>,
): LatencyDistribution {
  const values = latencies(activity).sort((a, b) => a - b);
  const counts = new Array<number>(latencyBounds.length + 1).fill(0);
  for (const v of values) {
    const i = latencyBounds.findIndex((bound) => v <= bound);
    const at = i < 0 ? latencyBounds.length : i;
    counts[at] = (counts[at] ?? 0) + 1;
  }
  const pct = (p: number) => values[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];
  return {
    bounds: latencyBounds,
    counts,
    samples: values.length,
    ...(values.length ? { p50: pct(50), p90: pct(90), p99: pct(99) } : {}),
  };
}
