/**
 * The owner's half of approvals decided on another replica (sync/approval-relay.ts): every replica
 * on a shared store looks for `accepted` approvals of the clusters it owns — when a signal says one
 * was accepted (PostgreSQL LISTEN/NOTIFY), when its listener reconnects, and every pollMs as a
 * fallback — and applies each through the one approval path, claimed accepted -> applying by a
 * conditional update, so it is applied once whichever replicas look. One pass at a time.
 */
import type { Logger } from 'pino';
import type { Approval, AuditStore } from '../store/store.ts';
import { type ApprovalDeps, approveApproval } from '../sync/approvals.ts';

/** AcceptedApprovalsDeps are what applying accepted approvals needs. */
export interface AcceptedApprovalsDeps {
  approvals: ApprovalDeps;
  /** owns: this replica applies to cluster now. */
  owns(cluster: string): boolean;
  log: Logger;
  /** pollMs: how often to look without a signal (default 5000). */
  pollMs?: number;
  /** onDecided hears each approval this replica settled (the live stream). */
  onDecided?: (approval: Approval) => void;
}

/** AcceptedApprovals applies the accepted approvals of the clusters this replica owns. */
export class AcceptedApprovals {
  readonly #deps: AcceptedApprovalsDeps;
  #timer: NodeJS.Timeout | undefined;
  #unlisten: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(deps: AcceptedApprovalsDeps) {
    this.#deps = deps;
  }

  /** start listens for signals, polls, and makes a first pass. */
  start(): void {
    const store = this.#deps.approvals.store;
    this.#unlisten = store.listen((signal) => {
      if (signal.topic === 'reconnected' || (signal.topic === 'approval' && signal.data.state === 'accepted'))
        this.poke();
    });
    this.#timer = setInterval(() => this.poke(), this.#deps.pollMs ?? 5000);
    this.#timer.unref();
    this.poke();
  }

  /** poke makes a pass now, or right after the one running. */
  poke(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#pass()
      .catch((err) =>
        this.#deps.log.warn({ err: (err as Error).message }, 'accepted approvals: pass failed (retried)'),
      )
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }

  /** idle resolves when no pass runs. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** stop ends listening and polling, and waits for the pass under way (its apply is recorded). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#unlisten?.();
    await this.idle();
  }

  async #pass(): Promise<void> {
    const { approvals, owns, log } = this.#deps;
    const store: AuditStore = approvals.store;
    const accepted = await store.approvals({ state: 'accepted', limit: 100 });
    // Oldest first: decisions are applied in the order they were made.
    for (const a of accepted.reverse()) {
      if (this.#stopped) return;
      if (!owns(a.entry.cluster)) continue;
      const by = { actor: a.decidedBy ?? 'unknown', channel: a.channel ?? 'unknown' };
      const outcome = await approveApproval(approvals, a.id, by, { from: 'accepted' });
      // Another replica claimed it first (its claim won the conditional update): its outcome, not ours.
      if (!outcome.ok && outcome.reason.endsWith(', not accepted')) continue;
      const after = await store.approval(a.id);
      if (!after) continue;
      log.info(
        { approval: a.id, cluster: a.entry.cluster, state: after.state, by: by.actor, channel: by.channel },
        outcome.ok
          ? 'applied an approval decided on another replica'
          : `approval decided on another replica: ${outcome.reason}`,
      );
      await store
        .signal({ topic: 'approval', data: { id: a.id, state: after.state, cluster: a.entry.cluster } })
        .catch(() => {});
      this.#deps.onDecided?.(after);
      if (!outcome.ok && outcome.fresh) this.#deps.onDecided?.(outcome.fresh);
    }
  }
}
