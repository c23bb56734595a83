/**
 * The audit intake: records from the receiver (or a file) go into a bounded queue and are written
 * to the store in batches, one batch at a time with a turn of the event loop between them, so a
 * flood of audit events never holds up drift detection nor grows memory without bound: past
 * `maxQueued`, records are dropped and counted (`trueup_audit_events_total{outcome="dropped"}`).
 * Each stored batch is handed to `onStored` (the daemon's index, which re-evaluates the objects).
 */
import type { Logger } from 'pino';
import type { AuditRecord, SkipReason } from '../audit/event.ts';
import type { AuditStore } from '../store/store.ts';
import type { AuditMetrics } from './metrics.ts';

/** AuditIntakeOptions bound the queue. */
export interface AuditIntakeOptions {
  /** maxQueued records wait at most; more are dropped. */
  maxQueued: number;
  /** batchSize records are written in one store call. */
  batchSize: number;
}

/** defaultAuditIntakeOptions: 20,000 queued records, 500 a batch. */
export function defaultAuditIntakeOptions(): AuditIntakeOptions {
  return { maxQueued: 20_000, batchSize: 500 };
}

/** Offered is what the intake did with a batch: queued, and dropped because the queue was full. */
export interface Offered {
  queued: number;
  dropped: number;
}

/** AuditIntakeDeps are the intake's edges. */
export interface AuditIntakeDeps {
  store: Pick<AuditStore, 'recordAuditEvents'>;
  metrics: AuditMetrics;
  log: Logger;
  onStored?: (records: readonly AuditRecord[]) => void;
}

/** AuditIntake queues audit records and writes them to the store in batches. */
export class AuditIntake {
  #deps: AuditIntakeDeps;
  #options: AuditIntakeOptions;
  #queue: AuditRecord[] = [];
  #flushing: Promise<void> | undefined;

  constructor(deps: AuditIntakeDeps, options: Partial<AuditIntakeOptions> = {}) {
    this.#deps = deps;
    this.#options = { ...defaultAuditIntakeOptions(), ...options };
  }

  /** offer queues what fits and drops the rest (counted); it never waits. */
  offer(
    cluster: string,
    records: readonly AuditRecord[],
    skipped: Partial<Record<SkipReason, number>> = {},
  ): Offered {
    const { metrics } = this.#deps;
    for (const [reason, n] of Object.entries(skipped))
      metrics.auditEvents.inc({ cluster, outcome: reason }, n);
    const room = Math.max(0, this.#options.maxQueued - this.#queue.length);
    const queued = records.slice(0, room);
    const dropped = records.length - queued.length;
    this.#queue.push(...queued);
    if (queued.length) metrics.auditEvents.inc({ cluster, outcome: 'queued' }, queued.length);
    if (dropped) {
      metrics.auditEvents.inc({ cluster, outcome: 'dropped' }, dropped);
      this.#deps.log.warn({ cluster, dropped }, 'audit events dropped: the intake queue is full');
    }
    metrics.auditQueueDepth.set(this.#queue.length);
    if (queued.length) this.#flushing ??= this.#flush().finally(() => (this.#flushing = undefined));
    return { queued: queued.length, dropped };
  }

  /** idle resolves once everything queued has been written (or failed). */
  async idle(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flush(): Promise<void> {
    const { store, metrics, log, onStored } = this.#deps;
    // Start on a later turn: the request that offered the records is answered first.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#options.batchSize);
      metrics.auditQueueDepth.set(this.#queue.length);
      try {
        await store.recordAuditEvents(batch);
        onStored?.(batch);
      } catch (err) {
        for (const cluster of new Set(batch.map((r) => r.cluster)))
          metrics.auditEvents.inc(
            { cluster, outcome: 'failed' },
            batch.filter((r) => r.cluster === cluster).length,
          );
        log.error({ err: (err as Error).message, records: batch.length }, 'audit events not stored');
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
