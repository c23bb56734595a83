/**
 * Timeline: what happened over time for the fleet, a cluster or a namespace
 * (`#/timeline?cluster=&namespace=&q=&range=1h|24h|7d|30d`) as charts: drifts detected and
 * remediations by result, approvals and incidents, with git commits marked on the same time axis
 * (what changed just before the alert), and detection→remediation latency as a histogram. Loaded
 * lazily with uPlot.
 */
import { useMemo } from 'preact/hooks';
import uPlot from 'uplot';
import type { Status } from '../../../contract/api.ts';
import type { NamespaceStates, Timeline } from '../../../contract/fleet.ts';
import { useResource } from '../context.ts';
import { apiQuery, type TimelineQuery, timelineHref } from '../route.ts';
import { Loadable, PageTitle, Sha } from '../ui/bits.tsx';
import { Chart, cssColour } from '../ui/chart.tsx';
import { FilterSelect, Filters, uniqueSorted } from '../ui/filters.tsx';
import { SearchBox } from '../ui/search.tsx';
import { navigate } from '../use-route.ts';

const ranges: Record<string, number> = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};

function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${ms / 1000} s`;
  if (ms < 3_600_000) return `${ms / 60_000} min`;
  if (ms < 86_400_000) return `${ms / 3_600_000} h`;
  return `${ms / 86_400_000} d`;
}

// Commits drawn as dashed vertical lines across the plot, at their time.
function commitMarks(commits: Timeline['commits']): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = cssColour('--tu-info', '#0969da');
        ctx.setLineDash([4, 4]);
        ctx.lineWidth = 1.5 * devicePixelRatio;
        for (const c of commits) {
          const x = u.valToPos(Date.parse(c.time) / 1000, 'x', true);
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
        }
        ctx.restore();
      },
    },
  };
}

function series(label: string, colour: string, fill = false): uPlot.Series {
  return {
    label,
    stroke: colour,
    width: 2,
    ...(fill ? { fill: `${colour}33` } : {}),
    points: { show: false },
  };
}

interface Colours {
  warn: string;
  ok: string;
  bad: string;
  info: string;
  muted: string;
}

type ChartSpec = { options: Omit<uPlot.Options, 'width'>; data: uPlot.AlignedData };

function timeCharts(t: Timeline, c: Colours): { activity: ChartSpec; approvals: ChartSpec } {
  const axes: uPlot.Axis[] = [{ stroke: c.muted }, { stroke: c.muted, size: 40 }];
  const base = {
    height: 220,
    axes,
    plugins: [commitMarks(t.commits)],
    cursor: { drag: { x: false, y: false } },
  };
  return {
    activity: {
      options: {
        ...base,
        series: [
          {},
          series('drifts detected', c.warn, true),
          series('applied', c.ok),
          series('failed', c.bad),
          series('skipped', c.muted),
        ],
      },
      data: [t.times, t.series.drifts, t.series.applied, t.series.failed, t.series.skipped],
    },
    approvals: {
      options: {
        ...base,
        series: [
          {},
          series('approvals queued', c.info),
          series('approvals decided', c.ok),
          series('incidents opened', c.bad, true),
        ],
      },
      data: [t.times, t.series.approvalsQueued, t.series.approvalsDecided, t.series.incidents],
    },
  };
}

function latencyChart(t: Timeline, c: Colours): ChartSpec {
  const buckets = t.latency.bounds
    .map((b) => `≤${duration(b)}`)
    .concat(`>${duration(t.latency.bounds.at(-1) ?? 0)}`);
  return {
    options: {
      height: 200,
      scales: { x: { time: false } },
      axes: [
        { stroke: c.muted, values: (_u: uPlot, ticks: number[]) => ticks.map((i) => buckets[i] ?? '') },
        { stroke: c.muted, size: 40 },
      ],
      series: [
        {},
        {
          label: 'remediations',
          stroke: c.ok,
          fill: `${c.ok}66`,
          paths: uPlot.paths.bars?.({ size: [0.8, 60] }),
          points: { show: false },
        },
      ],
    },
    data: [buckets.map((_, i) => i), t.latency.counts],
  };
}

function Charts(props: { timeline: Timeline }) {
  const t = props.timeline;
  const { activity, approvals, latency } = useMemo(() => {
    const colours: Colours = {
      warn: cssColour('--tu-warn', '#9a6700'),
      ok: cssColour('--tu-ok', '#1a7f37'),
      bad: cssColour('--tu-bad', '#cf222e'),
      info: cssColour('--tu-info', '#0969da'),
      muted: '#8c959f',
    };
    return { ...timeCharts(t, colours), latency: latencyChart(t, colours) };
  }, [t]);
  const l = t.latency;
  return (
    <>
      {t.truncated && (
        <p class="muted">Only the newest 50,000 records of each kind are counted in this range.</p>
      )}
      <h2>Drifts and remediations</h2>
      <Chart
        {...activity}
        label="drifts detected and remediations by result over time"
        testid="chart-activity"
      />
      <h2>Approvals and incidents</h2>
      <Chart
        {...approvals}
        label="approvals queued and decided, incidents opened, over time"
        testid="chart-approvals"
      />
      <h2>Detection → remediation latency</h2>
      <p class="muted" data-testid="latency-summary">
        {l.samples === 0
          ? 'No drift was fixed in this range.'
          : `${l.samples} fix(es) · p50 ${duration(l.p50 ?? 0)} · p90 ${duration(l.p90 ?? 0)} · p99 ${duration(l.p99 ?? 0)}`}
      </p>
      <Chart
        {...latency}
        label="histogram of the time from drift detection to remediation"
        testid="chart-latency"
      />
      <h2>Git commits in range</h2>
      {t.commits.length === 0 ? (
        <p class="muted">No commits in this range (dashed lines on the charts mark them).</p>
      ) : (
        <ul class="commit-list" data-testid="timeline-commits">
          {t.commits.map((c) => (
            <li key={c.commit}>
              <time dateTime={c.time}>{new Date(c.time).toLocaleString()}</time> <Sha commit={c.commit} />{' '}
              {c.summary} {c.author && <span class="muted">— {c.author}</span>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** TimelinePage charts activity over time: `#/timeline`. */
export function TimelinePage(props: { query: TimelineQuery }) {
  const { query } = props;
  const range = query.range && ranges[query.range] ? query.range : '24h';
  // A minute's resolution keeps the path (and so the fetch) stable while the page is open.
  const until = Math.ceil(Date.now() / 60_000) * 60_000;
  const since = new Date(until - (ranges[range] ?? 0)).toISOString();
  const path = apiQuery('timeline', {
    cluster: query.cluster,
    namespace: query.namespace,
    q: query.q,
    since,
    buckets: 60,
  });
  const timeline = useResource<Timeline>(path);
  const status = useResource<Status>('status');
  const cells = useResource<NamespaceStates>('namespaces');
  const set = (change: TimelineQuery) => navigate(timelineHref({ ...query, ...change }), true);
  return (
    <>
      <PageTitle>Timeline</PageTitle>
      <Filters label="Timeline scope" clearHref={Object.keys(query).length > 0 ? timelineHref() : undefined}>
        <FilterSelect
          label="Cluster"
          name="cluster"
          value={query.cluster}
          options={uniqueSorted(status.data?.clusters.map((c) => c.name) ?? [])}
          onChange={(cluster) => set({ cluster })}
        />
        <FilterSelect
          label="Namespace"
          name="namespace"
          value={query.namespace}
          options={uniqueSorted(cells.data?.namespaces.map((c) => c.namespace) ?? [])}
          onChange={(namespace) => set({ namespace })}
        />
        <FilterSelect
          label="Range"
          name="range"
          value={range}
          options={Object.keys(ranges)}
          emptyLabel="24h"
          onChange={(r) => set({ range: r })}
        />
        <SearchBox value={query.q} onSearch={(q) => set({ q })} />
      </Filters>
      <Loadable resource={timeline}>{(data) => <Charts timeline={data} />}</Loadable>
    </>
  );
}
