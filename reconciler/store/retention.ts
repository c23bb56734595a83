/**
 * Retention: the audit trail (drifts, remediations, decided approvals) and incidents (with their
 * evidence) are deleted once older than their retention, at start and then periodically, in small
 * batches with a turn of the event loop between them, so a large backlog never stalls the daemon.
 * Pending (and applying) approvals are never deleted by age.
 */
import type { Logger } from 'pino';

/** RetentionOptions say how long records are kept, in days (0: forever), and how deletes are paced. */
export interface RetentionOptions {
  /** auditDays keeps drifts, remediations and decided approvals this long. */
  auditDays: number;
  /** incidentDays keeps incidents this long after their last update. */
  incidentDays: number;
  /** batchSize is how many rows one delete takes (one short write transaction). */
  batchSize: number;
  /** intervalMs is how often retention runs after the run at start. */
  intervalMs: number;
}

/** defaultRetentionOptions: 30 days of audit rows, 90 of incidents, hourly, 500 rows a batch. */
export function defaultRetentionOptions(): RetentionOptions {
  return { auditDays: 30, incidentDays: 90, batchSize: 500, intervalMs: 60 * 60 * 1000 };
}

/** RetentionTarget is one kind of record: its retention in days, and how to delete a batch. */
export interface RetentionTarget {
  name: string;
  days: number;
  /** prune deletes up to limit records older than before (ISO 8601) and says how many it deleted. */
  prune(before: string, limit: number): number | Promise<number>;
}

/** cutoffOf is the time before which records kept `days` days are deleted; undefined keeps them all. */
export function cutoffOf(now: Date, days: number): string | undefined {
  if (!(days > 0)) return undefined;
  return new Date(now.getTime() - days * 24 * 60 * 60 * 1000).toISOString();
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * pruneOnce deletes every target's expired records, a batch at a time, yielding to the event loop
 * between batches; it stops early when `stopped` says so. Returns the count deleted per target.
 */
export async function pruneOnce(
  targets: readonly RetentionTarget[],
  options: Pick<RetentionOptions, 'batchSize'>,
  now: Date,
  stopped: () => boolean = () => false,
): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const target of targets) {
    const before = cutoffOf(now, target.days);
    if (!before) continue;
    let total = 0;
    while (!stopped()) {
      const n = await target.prune(before, options.batchSize);
      total += n;
      deleted[target.name] = total;
      if (n < options.batchSize) break;
      await nextTurn();
    }
  }
  return deleted;
}

/** Retention is running retention: stop waits for a pass in flight to reach a batch boundary. */
export interface Retention {
  stop(): Promise<void>;
}

/** startRetention runs a pass now and then every intervalMs; failures are logged, never thrown. */
export function startRetention(
  targets: readonly RetentionTarget[],
  options: RetentionOptions,
  log: Logger,
): Retention {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const pass = () => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        const deleted = await pruneOnce(targets, options, new Date(), () => stopped);
        if (Object.values(deleted).some((n) => n > 0))
          log.info({ deleted }, 'retention: old records deleted');
      } catch (err) {
        log.error({ err: (err as Error).message }, 'retention failed');
      }
    });
  };
  pass();
  const timer = setInterval(pass, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
