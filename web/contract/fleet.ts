/**
 * The fleet-scale answers of the JSON API: per-namespace state for the heat map, bucketed timelines,
 * and the paging fields the lists add. Type-only (see README.md).
 */
import type { ClusterHealth } from './api.ts';

/** NamespaceState is one cluster × namespace cell of the fleet heat map, worst state first as clusters are. */
export interface NamespaceState {
  cluster: string;
  namespace: string;
  objects: number;
  drifted: number;
  status: ClusterHealth;
  pendingApprovals: number;
}

/** NamespaceStates is the answer of `GET /api/v1/namespaces`. */
export interface NamespaceStates {
  namespaces: NamespaceState[];
}

/** RemediationResult classifies a remediation: applied, failed (it carries an error), skipped (held back or nothing to do). */
export type RemediationResult = 'applied' | 'failed' | 'skipped';

/** TimelineSeries are the counts per bucket, one number per entry of Timeline.times. */
export interface TimelineSeries {
  drifts: number[];
  applied: number[];
  failed: number[];
  skipped: number[];
  approvalsQueued: number[];
  approvalsDecided: number[];
  incidents: number[];
}

/** TimelineCommit is a git commit marked on the timeline's axis. */
export interface TimelineCommit {
  commit: string;
  time: string;
  author?: string;
  summary?: string;
}

/** LatencyDistribution is detection→remediation latency as a histogram. */
export interface LatencyDistribution {
  /** bounds are the buckets' upper bounds in milliseconds; the last bucket (counts' last entry) is everything above. */
  bounds: number[];
  counts: number[];
  samples: number;
  /** p50, p90, p99 in milliseconds, when there are samples. */
  p50?: number;
  p90?: number;
  p99?: number;
}

/** Timeline is the answer of `GET /api/v1/timeline`: activity bucketed over time, commits, latency. */
export interface Timeline {
  since: string;
  until: string;
  /** stepSeconds is each bucket's width; times are the buckets' starts in Unix seconds. */
  stepSeconds: number;
  times: number[];
  series: TimelineSeries;
  commits: TimelineCommit[];
  latency: LatencyDistribution;
  /** truncated: more rows matched than a timeline reads (50,000 per kind): the oldest are left out. */
  truncated?: boolean;
}
