/**
 * The outbox: notifications on their way out. Each is delivered in order per destination (a Slack
 * channel, a webhook, an incident's thread); what is not delivered when the process stops is handed
 * back so it can be kept in chat.db and sent on the next start. Items hold scrubbed messages only.
 */
import type { ChatMessage } from './blocks.ts';
import type { Targets } from './routing.ts';

/** IncidentChange is what happened to an incident that chat tells. */
export type IncidentChange = 'opened' | 'updated' | 'resolved' | 'investigated';

/** OutboxItem is one notification to deliver: a post to one target, or an incident's thread step. */
export type OutboxItem =
  | { type: 'post'; target: { slack: string } | { webhook: 'mattermost' | 'teams' }; message: ChatMessage }
  | {
      type: 'incident';
      incident: string;
      change: IncidentChange;
      targets: Targets;
      root: ChatMessage;
      reply?: ChatMessage;
    };

/** keyOf is the destination an item is ordered by. */
function keyOf(item: OutboxItem): string {
  if (item.type === 'incident') return `incident:${item.incident}`;
  return 'slack' in item.target ? `slack:${item.target.slack}` : `webhook:${item.target.webhook}`;
}

const delay = (ms: number) =>
  new Promise<false>((resolve) => {
    setTimeout(() => resolve(false), ms).unref();
  });

/** Outbox delivers items in order per destination and remembers what is not delivered yet. */
export class Outbox {
  #deliver: (item: OutboxItem) => Promise<void>;
  #onError: (err: Error, item: OutboxItem) => void;
  #pending = new Map<number, OutboxItem>();
  #seq = 0;
  #chains = new Map<string, Promise<void>>();
  #inflight = new Set<Promise<void>>();
  #aborted = false;

  constructor(deliver: (item: OutboxItem) => Promise<void>, onError: (err: Error, item: OutboxItem) => void) {
    this.#deliver = deliver;
    this.#onError = onError;
  }

  /** aborted: the process is stopping and delivery was cut off (errors now mean "keep it"). */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** size is how many items wait or are being delivered. */
  get size(): number {
    return this.#pending.size;
  }

  /** enqueue queues an item behind the others for its destination. */
  enqueue(item: OutboxItem): void {
    const id = ++this.#seq;
    this.#pending.set(id, item);
    const key = keyOf(item);
    const run = (this.#chains.get(key) ?? Promise.resolve()).then(async () => {
      if (this.#aborted) return;
      try {
        await this.#deliver(item);
        this.#pending.delete(id);
      } catch (err) {
        // Cut off by the shutdown: kept for the next start. Anything else was logged and is dropped.
        if (!this.#aborted) {
          this.#pending.delete(id);
          this.#onError(err as Error, item);
        }
      }
    });
    this.#chains.set(key, run);
    this.#inflight.add(run);
    run.finally(() => {
      this.#inflight.delete(run);
      if (this.#chains.get(key) === run) this.#chains.delete(key);
    });
  }

  /** idle resolves when every queued item was delivered (or failed). */
  async idle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  /**
   * drain waits up to deadlineMs for the queue to empty; then it stops delivering, calls abort (which
   * cuts off calls and waits in flight) and returns the items not delivered, in queue order.
   */
  async drain(deadlineMs: number, abort: () => void): Promise<OutboxItem[]> {
    const done = await Promise.race([this.idle().then(() => true), delay(deadlineMs)]);
    if (!done) {
      this.#aborted = true;
      abort();
      await Promise.race([this.idle(), delay(1000)]);
    }
    return [...this.#pending.values()];
  }
}
