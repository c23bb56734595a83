/**
 * Notifications: listens to the daemon (drift, remediation) and the incident desk, decides what is
 * news, routes it, and posts it — Slack (Block Kit, buttons on held changes), Mattermost and Teams
 * (webhooks). News about objects is batched per cluster: what arrives together (a first sync, a
 * resync, a burst of edits) goes out as one digest per cluster and destination, a lone notice as
 * its own message (a held change with its buttons). An incident is posted once and everything after
 * (diagnosis with its validated fix, alerts joining, resolution) goes into its thread. Delivery is
 * ordered per destination (outbox.ts) and posted by delivery.ts; on shutdown what cannot be sent in
 * time is kept for the next start.
 */
import type { Logger } from 'pino';
import type { IncidentDesk } from '../../diagnose/desk.ts';
import type { Incident } from '../../diagnose/incident.ts';
import { formatObjectRef, type ObjectRef } from '../../reconciler/core/model.ts';
import type { Scrub } from '../../reconciler/core/secret-guard.ts';
import type { Daemon, DaemonEvent } from '../../reconciler/daemon/daemon.ts';
import type { AuditStore } from '../../reconciler/store/store.ts';
import type { ChatMessage, ConsoleLinks } from './blocks.ts';
import { ChatDelivery } from './delivery.ts';
import { type IncidentChange, Outbox } from './outbox.ts';
import { type DigestItem, renderDigest } from './render-digest.ts';
import { renderDiagnosis, renderIncidentChange, renderIncidentRoot } from './render-incident.ts';
import {
  renderDriftNotice,
  renderFailed,
  renderFlap,
  renderHeld,
  renderRemediated,
} from './render-notices.ts';
import {
  type Notice,
  type NoticeKind,
  type Route,
  severityOfKind,
  severityOfLabel,
  targetsFor,
} from './routing.ts';
import type { SlackClient } from './slack-client.ts';
import type { ThreadStore } from './threads.ts';

/** NotifierDeps are the notifier's sources and sinks. */
export interface NotifierDeps {
  daemon: Pick<Daemon, 'onEvent' | 'status' | 'evaluation'>;
  store: Pick<AuditStore, 'approvals' | 'remediations' | 'drifts'>;
  desk?: Pick<IncidentDesk, 'onChange'>;
  routes: readonly Route[];
  slack?: SlackClient;
  /** interactive: button presses reach us (signing secret set), so held changes get buttons. */
  interactive: boolean;
  webhooks: { mattermost?: (m: ChatMessage) => Promise<void>; teams?: (m: ChatMessage) => Promise<void> };
  threads: ThreadStore;
  links: ConsoleLinks;
  clusterLabel: string;
  scrub: Scrub;
  log: Logger;
  /** batch paces digests (defaultBatchOptions). */
  batch?: Partial<BatchOptions>;
}

/** BatchOptions say when a cluster's batch of notices goes out. */
export interface BatchOptions {
  /** quietMs: a batch goes out once no notice joined it for this long… */
  quietMs: number;
  /** maxWaitMs: …or this long after its first notice, whichever comes first. */
  maxWaitMs: number;
}

/** defaultBatchOptions: out after 3 s of quiet, at most 30 s after the first notice. */
export function defaultBatchOptions(): BatchOptions {
  return { quietMs: 3000, maxWaitMs: 30_000 };
}

/** Batched is one notice waiting in its cluster's batch, with its own message for when it is alone. */
interface Batched extends DigestItem {
  notice: Notice;
  message: ChatMessage;
}

/** ChatNotifier turns daemon and incident events into chat messages. */
export class ChatNotifier {
  #deps: NotifierDeps;
  #batch: BatchOptions;
  #unsubscribe: (() => void)[] = [];
  #events: Promise<void> = Promise.resolve();
  #outbox: Outbox;
  #batches = new Map<string, { items: Batched[]; first: number; timer?: NodeJS.Timeout }>();
  /** #announced are approvals already announced by this process (the store remembers across restarts). */
  #announced = new Set<string>();
  /** #last is the last announced signature per object, so a repeat of the same news stays quiet. */
  #last = new Map<string, string>();

  constructor(deps: NotifierDeps) {
    this.#deps = deps;
    this.#batch = { ...defaultBatchOptions(), ...deps.batch };
    const delivery = new ChatDelivery(deps, () => this.#outbox.aborted);
    this.#outbox = new Outbox(
      (item) => delivery.deliver(item),
      (err) => deps.log.error({ err: err.message }, 'chat notification failed'),
    );
  }

  /** start sends what the last run kept, and subscribes to the daemon and the desk. */
  start(): void {
    const kept = this.#deps.threads.takeOutbox();
    if (kept.length)
      this.#deps.log.info({ notifications: kept.length }, 'chat: sending what the last run kept');
    for (const item of kept) this.#outbox.enqueue(item);
    // One event at a time, in order: reading the store is asynchronous.
    this.#unsubscribe.push(
      this.#deps.daemon.onEvent((e) => {
        this.#events = this.#events
          .then(() => this.#onDaemonEvent(e))
          .catch((err: Error) =>
            this.#deps.log.error({ err: err.message }, 'chat notification not prepared'),
          );
      }),
    );
    if (this.#deps.desk)
      this.#unsubscribe.push(
        this.#deps.desk.onChange((incident, change) => {
          if (change !== 'duplicate') this.#onIncident(incident, change);
        }),
      );
  }

  /** stop unsubscribes; batches and the outbox still go out (see idle and close). */
  stop(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  /** idle sends the batches now and resolves when every notification has been sent (or has failed). */
  async idle(): Promise<void> {
    await this.#events;
    do {
      this.#flushAll();
      await this.#outbox.idle();
    } while (this.#batches.size > 0);
  }

  /**
   * close stops listening, sends the batches now and waits up to deadlineMs for everything to go
   * out; then it cuts delivery off (abort ends the calls and waits in flight) and keeps what is left
   * in chat.db, sent on the next start. Returns how many notifications were kept.
   */
  async close(deadlineMs: number, abort: () => void): Promise<number> {
    this.stop();
    await this.#events;
    this.#flushAll();
    const left = await this.#outbox.drain(deadlineMs, abort);
    if (left.length) {
      this.#deps.threads.keepOutbox(left);
      this.#deps.log.warn(
        { notifications: left.length },
        'chat: not sent before the shutdown deadline; kept in chat.db for the next start',
      );
    }
    return left.length;
  }

  #notice(kind: Exclude<NoticeKind, 'incident'>, ref: ObjectRef): Notice {
    const labels = this.#deps.daemon.status().clusters.find((c) => c.name === ref.cluster)?.labels ?? {};
    return {
      kind,
      severity: severityOfKind(kind),
      cluster: ref.cluster,
      clusterLabels: labels,
      namespace: ref.namespace,
    };
  }

  async #onDaemonEvent(e: DaemonEvent): Promise<void> {
    if (e.type === 'status') return;
    const ref: ObjectRef = { cluster: e.cluster, kind: e.kind, namespace: e.namespace, name: e.name };
    const key = formatObjectRef(ref);
    const { store, links } = this.#deps;
    const news = (signature: string) => {
      if (this.#last.get(key) === signature) return false;
      this.#last.set(key, signature);
      return true;
    };
    if (e.type === 'drift') {
      const drift = this.#deps.daemon.evaluation(ref).evaluation?.drift;
      // Startup evaluates every object as in sync: only an object seen drifted comes "back".
      if (e.status === 'in-sync') {
        if (this.#last.has(key) && news('in-sync'))
          this.#send(this.#notice('in-sync', ref), ref, renderDriftNotice(ref, undefined, links));
        return;
      }
      // Who made it is news too: the audit event often arrives after the watch event.
      const writers = drift?.driftedBy.map((d) => d.user);
      if (drift && news(`drift:${JSON.stringify([drift.status, drift.changes, writers])}`))
        this.#send(
          this.#notice('drift', ref),
          ref,
          renderDriftNotice(ref, drift, links, this.#deps.daemon.status().revision),
        );
      return;
    }
    if (e.type === 'flap') {
      // Once per flap: the guard announces it when detected, not at every back-off step.
      const flap = {
        manager: e.manager,
        since: '',
        remediations: 0,
        ...(e.retryAt ? { retryAt: e.retryAt } : {}),
      };
      const known = this.#deps.daemon.evaluation(ref).evaluation?.drift.flap ?? flap;
      this.#send(this.#notice('flap', ref), ref, renderFlap(ref, known, links));
      return;
    }
    const query = { cluster: ref.cluster, namespace: ref.namespace, name: ref.name, limit: 5 };
    if (e.error) {
      const record = (await store.remediations(query)).find((r) => r.entry.kind === ref.kind);
      if (record && news(`failed:${e.error}`))
        this.#send(this.#notice('failed', ref), ref, renderFailed(record.entry, links));
      return;
    }
    if (e.action === 'skipped') {
      const pending = (await store.approvals({ ...query, state: 'pending' })).filter(
        (a) => a.entry.kind === ref.kind,
      );
      for (const approval of pending) {
        if (this.#announced.has(approval.id) || this.#deps.threads.approvalMessages(approval.id).length > 0)
          continue;
        this.#announced.add(approval.id);
        this.#send(this.#notice('held', ref), ref, renderHeld(approval, links), approval.id);
      }
      return;
    }
    const record = (await store.remediations(query)).find((r) => r.entry.kind === ref.kind);
    const drift = (await store.drifts(query)).find((r) => r.drift.kind === ref.kind)?.drift;
    if (record && news(`remediated:${record.id}`))
      this.#send(
        this.#notice('remediated', ref),
        ref,
        renderRemediated(record.entry, record.revision, drift, links),
      );
  }

  /** #send adds a notice to its cluster's batch, which goes out when the cluster is quiet. */
  #send(notice: Notice, ref: ObjectRef, message: ChatMessage, approval?: string): void {
    if (notice.kind === 'incident') return;
    const cluster = ref.cluster;
    const now = Date.now();
    const batch = this.#batches.get(cluster) ?? { items: [], first: now };
    this.#batches.set(cluster, batch);
    // Newer news of the same kind about the same object replaces the older one still waiting (a
    // drift first seen, then attributed to its user when the audit event arrived).
    const item = { kind: notice.kind, ref, notice, message, ...(approval ? { approval } : {}) };
    const same = batch.items.findIndex(
      (i) =>
        i.kind === notice.kind && !approval && !i.approval && formatObjectRef(i.ref) === formatObjectRef(ref),
    );
    if (same >= 0) batch.items[same] = item;
    else batch.items.push(item);
    clearTimeout(batch.timer);
    const wait = Math.max(0, Math.min(this.#batch.quietMs, batch.first + this.#batch.maxWaitMs - now));
    batch.timer = setTimeout(() => this.#flush(cluster), wait);
  }

  #flushAll(): void {
    for (const cluster of [...this.#batches.keys()]) this.#flush(cluster);
  }

  /** #flush sends one cluster's batch: per destination, a lone notice as it is, several as a digest. */
  #flush(cluster: string): void {
    const batch = this.#batches.get(cluster);
    if (!batch) return;
    this.#batches.delete(cluster);
    clearTimeout(batch.timer);
    const byTarget = new Map<string, Batched[]>();
    const add = (key: string, item: Batched) => byTarget.set(key, [...(byTarget.get(key) ?? []), item]);
    for (const item of batch.items) {
      const targets = targetsFor(this.#deps.routes, item.notice);
      for (const channel of targets.slack) add(`slack:${channel}`, item);
      if (targets.mattermost) add('webhook:mattermost', item);
      if (targets.teams) add('webhook:teams', item);
    }
    for (const [key, items] of byTarget) {
      const [kind, name] = key.split(/:(.*)/) as [string, string];
      const message = this.#deps.scrub(
        items.length === 1 ? (items[0] as Batched).message : renderDigest(cluster, items, this.#deps.links),
      );
      const target = kind === 'slack' ? { slack: name } : { webhook: name as 'mattermost' | 'teams' };
      this.#outbox.enqueue({ type: 'post', target, message });
    }
  }

  /** #onIncident renders the incident's news now and queues it behind the incident's earlier news. */
  #onIncident(incident: Incident, change: IncidentChange): void {
    const { routes, clusterLabel, links, scrub } = this.#deps;
    const cluster = incident.commonLabels[clusterLabel];
    const labels = cluster
      ? (this.#deps.daemon.status().clusters.find((c) => c.name === cluster)?.labels ?? {})
      : {};
    const notice: Notice = {
      kind: 'incident',
      severity: severityOfLabel(incident.commonLabels.severity),
      ...(cluster ? { cluster } : {}),
      clusterLabels: labels,
      ...(incident.commonLabels.namespace ? { namespace: incident.commonLabels.namespace } : {}),
    };
    const reply =
      change === 'opened'
        ? undefined
        : scrub(
            change === 'investigated'
              ? renderDiagnosis(incident, links)
              : renderIncidentChange(incident, change),
          );
    this.#outbox.enqueue({
      type: 'incident',
      incident: incident.id,
      change,
      targets: targetsFor(routes, notice),
      root: scrub(renderIncidentRoot(incident, links, clusterLabel)),
      ...(reply ? { reply } : {}),
    });
  }
}
