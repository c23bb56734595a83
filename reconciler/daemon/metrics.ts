/**
 * The daemon's Prometheus metrics (prom-client), on a registry of their own so tests and several
 * daemons in one process do not collide.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** DaemonMetrics are the metrics the daemon updates. */
export interface DaemonMetrics extends AuditMetrics {
  registry: Registry;
  driftedObjects: Gauge<'cluster'>;
  clusterReachable: Gauge<'cluster'>;
  driftsDetected: Counter<'cluster'>;
  reconcileDuration: Histogram<'cluster'>;
  remediations: Counter<'cluster' | 'result'>;
  remediationsHeld: Counter<'reason'>;
  flapsDetected: Counter<'cluster' | 'manager'>;
  /** recreateFailures counts replacements that deleted an object and could not create it again. */
  recreateFailures: Counter<'cluster'>;
  gitFetchErrors: Counter;
  gitRevision: Gauge<'revision'>;
  /** repoErrors counts the repo errors of the revision in use (and of one that could not be read), by code. */
  repoErrors: Gauge<'code'>;
  /** repoBuildFailures counts revisions whose desired state could not be built (kept the last good one). */
  repoBuildFailures: Counter;
  /** objectsHeld counts objects whose desired state repo errors make unknown (status unknown), per cluster. */
  objectsHeld: Gauge<'cluster'>;
  /** eventLoopDelay is the event loop's delay since the previous scrape (p50, p99, max). */
  eventLoopDelay: Gauge<'quantile'>;
}

/** AuditMetrics are the audit intake's and attribution's figures (part of DaemonMetrics). */
export interface AuditMetrics {
  /** auditEvents counts audit events received, by cluster and outcome (queued, dropped, failed, or why skipped). */
  auditEvents: Counter<'cluster' | 'outcome'>;
  auditQueueDepth: Gauge;
  /** driftWriters counts drifts by who wrote them: field manager and user agent product, each bounded. */
  driftWriters: Counter<'cluster' | 'manager' | 'agent'>;
}

/** createMetrics registers every metric on a new registry. */
export function createMetrics(): DaemonMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    ...clusterMetrics(registers),
    ...remediationMetrics(registers),
    ...repoMetrics(registers),
    ...auditMetrics(registers),
    eventLoopDelay: eventLoopDelayGauge(registers),
  };
}

/** clusterMetrics registers the per-cluster figures: drifted objects, reachability, drifts detected, reconcile duration (in the order /metrics has always listed them). */
function clusterMetrics(
  registers: Registry[],
): Pick<DaemonMetrics, 'driftedObjects' | 'clusterReachable' | 'driftsDetected' | 'reconcileDuration'> {
  return {
    driftedObjects: new Gauge({
      name: 'trueup_drifted_objects',
      help: 'Objects currently drifted, per cluster.',
      labelNames: ['cluster'],
      registers,
    }),
    clusterReachable: new Gauge({
      name: 'trueup_cluster_reachable',
      help: '1 when the cluster answered its last list or watch.',
      labelNames: ['cluster'],
      registers,
    }),
    driftsDetected: new Counter({
      name: 'trueup_drifts_detected_total',
      help: 'Drifts detected (each new or changed drift once).',
      labelNames: ['cluster'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'trueup_reconcile_duration_seconds',
      help: 'Duration of a full reconcile of one cluster.',
      labelNames: ['cluster'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}

/** remediationMetrics registers what remediation did: results, holds, flaps, failed recreates (in the order /metrics has always listed them). */
function remediationMetrics(
  registers: Registry[],
): Pick<DaemonMetrics, 'remediations' | 'remediationsHeld' | 'flapsDetected' | 'recreateFailures'> {
  return {
    remediations: new Counter({
      name: 'trueup_remediations_total',
      help: 'Remediations by result: created, configured, replaced, deleted, skipped, failed.',
      labelNames: ['cluster', 'result'],
      registers,
    }),
    remediationsHeld: new Counter({
      name: 'trueup_remediations_held_total',
      help: 'Remediations held back, by reason: approve, observe, window, protected-namespace, limit, wave, policy-errors, immutable, prune, other.',
      labelNames: ['reason'],
      registers,
    }),
    flapsDetected: new Counter({
      name: 'trueup_flaps_detected_total',
      help: 'Objects found flapping: another field manager (manager, at most 20 values, then "other") keeps undoing trueup\'s fix, and trueup backs off.',
      labelNames: ['cluster', 'manager'],
      registers,
    }),
    recreateFailures: new Counter({
      name: 'trueup_recreate_failures_total',
      help: 'Replacements (--replace-immutable) that deleted an object and could not create it again, even after retrying; the object is missing until a later remediation creates it.',
      labelNames: ['cluster'],
      registers,
    }),
  };
}

/** repoMetrics registers the fleet repo's: fetch errors, the revision in use, repo errors, failed builds, objects its errors hold (in the order /metrics has always listed them). */
function repoMetrics(
  registers: Registry[],
): Pick<
  DaemonMetrics,
  'gitFetchErrors' | 'gitRevision' | 'repoErrors' | 'repoBuildFailures' | 'objectsHeld'
> {
  return {
    gitFetchErrors: new Counter({
      name: 'trueup_git_fetch_errors_total',
      help: 'Failed fetches of the fleet repo.',
      registers,
    }),
    gitRevision: new Gauge({
      name: 'trueup_git_revision_info',
      help: 'The revision in use (value 1).',
      labelNames: ['revision'],
      registers,
    }),
    repoErrors: new Gauge({
      name: 'trueup_repo_errors',
      help: 'Repo errors in the revision in use (and in a newer one that could not be read), by TRUEUP_* code (uncoded: none).',
      labelNames: ['code'],
      registers,
    }),
    repoBuildFailures: new Counter({
      name: 'trueup_repo_build_failures_total',
      help: 'Revisions whose desired state could not be built; the last good revision stays in use and the build is retried.',
      registers,
    }),
    objectsHeld: new Gauge({
      name: 'trueup_objects_held_by_repo_errors',
      help: 'Objects trueup applied whose desired state repo errors make unknown (status unknown; never pruned), per cluster.',
      labelNames: ['cluster'],
      registers,
    }),
  };
}

/** auditMetrics registers the audit intake's counters and the drifts by writer. */
function auditMetrics(registers: Registry[]): AuditMetrics {
  return {
    auditEvents: new Counter({
      name: 'trueup_audit_events_total',
      help: 'Kubernetes audit events received, by outcome: queued (kept for attribution), dropped (the intake queue was full), failed (not stored), or why skipped (invalid, not-complete, not-a-write, not-configmap-or-secret, failed-request, not-managed).',
      labelNames: ['cluster', 'outcome'],
      registers,
    }),
    auditQueueDepth: new Gauge({
      name: 'trueup_audit_queue_depth',
      help: 'Audit records waiting to be stored.',
      registers,
    }),
    driftWriters: new Counter({
      name: 'trueup_drift_writers_total',
      help: 'Drifts detected, by the field manager that wrote them and the user agent product of the matching audit event ("unknown" without one); each label at most 20 values, then "other".',
      labelNames: ['cluster', 'manager', 'agent'],
      registers,
    }),
  };
}

/** eventLoopResolutionMs is the sampling step of the event-loop delay monitor. */
const eventLoopResolutionMs = 10;

/**
 * eventLoopDelayGauge reports how late the event loop ran its timers since the previous scrape:
 * p50, p99 and the worst (quantile 1). A stall there delays every watch event, webhook and probe,
 * so the worst one is the figure to alert on. The monitor's timer does not keep the process alive.
 */
function eventLoopDelayGauge(registers: Registry[]): Gauge<'quantile'> {
  const monitor = monitorEventLoopDelay({ resolution: eventLoopResolutionMs });
  monitor.enable();
  return new Gauge({
    name: 'trueup_event_loop_delay_seconds',
    help: 'Event-loop delay since the previous scrape, by quantile (1: the worst stall), in seconds.',
    labelNames: ['quantile'],
    registers,
    collect() {
      // The monitor's figures include its own sampling step: take it off (never below zero).
      const seconds = (ns: number) => Math.max(0, ns / 1e9 - eventLoopResolutionMs / 1e3);
      const count = monitor.count;
      this.set({ quantile: '0.5' }, count ? seconds(monitor.percentile(50)) : 0);
      this.set({ quantile: '0.99' }, count ? seconds(monitor.percentile(99)) : 0);
      this.set({ quantile: '1' }, count ? seconds(monitor.max) : 0);
      monitor.reset();
    },
  });
}
