/**
 * The daemon's writes to the audit store, off its synchronous evaluation path: one at a time, in
 * the order they were asked for, each failure logged with what it was (never silently dropped).
 * And the pending-approval counts the status shows, read from the store in the background.
 */
import type { Logger } from 'pino';
import type { AuditStore } from '../store/store.ts';

/** StoreWriter orders the daemon's store writes and reports the ones that fail. */
export class StoreWriter {
  #chain: Promise<void> = Promise.resolve();
  #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** write queues one write after those already asked for; `what` names it in the error log. */
  write(what: string, run: () => Promise<unknown>): void {
    this.#chain = this.#chain.then(() => this.#attempt(what, run));
  }

  /**
   * #attempt runs one write, retrying with backoff (0.25 s doubling to 8 s, about a minute in all)
   * while the store does not answer, e.g. PostgreSQL restarting; then it logs the write as lost.
   */
  async #attempt(what: string, run: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 8000)) {
      try {
        await run();
        return;
      } catch (err) {
        const message = (err as Error).message;
        if (attempt >= 12) {
          this.#log.error({ err: message, write: what, attempts: attempt }, 'audit store write failed');
          return;
        }
        this.#log.warn({ err: message, write: what, retryInMs: delay }, 'audit store write failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** idle resolves when every write asked for so far is done (or has failed). */
  idle(): Promise<void> {
    return this.#chain;
  }
}

/**
 * PendingCounts caches the store's pending approvals per cluster for the synchronous status:
 * refreshed after the daemon's own approval writes, on demand, and at most once a second when
 * read (another replica, the console or chat may have decided one meanwhile).
 */
export class PendingCounts {
  #store: Pick<AuditStore, 'pendingCounts'>;
  #counts = new Map<string, number>();
  #at = 0;
  #loading?: Promise<void>;

  constructor(store: Pick<AuditStore, 'pendingCounts'>) {
    this.#store = store;
  }

  /** get is the last counts read; a read older than a second starts a refresh. */
  get(): Map<string, number> {
    if (Date.now() - this.#at > 1000) void this.refresh();
    return this.#counts;
  }

  /** refresh reads the counts again (one read at a time; a failed read keeps the last counts). */
  refresh(): Promise<void> {
    this.#loading ??= this.#store
      .pendingCounts()
      .then((counts) => {
        this.#counts = counts;
        this.#at = Date.now();
      })
      .catch(() => {})
      .finally(() => {
        this.#loading = undefined;
      });
    return this.#loading;
  }
}
