/**
 * Notifications: listens to the daemon (drift, remediation) and the incident desk, decides what is
 * news, routes it, and posts it — Slack (Block Kit, buttons on held changes), Mattermost and Teams
 * (webhooks). A held change is posted once per approval; an incident is posted once and everything
 * after (diagnosis with its validated fix, alerts joining, resolution) goes into its thread. Work is
 * serialized per object and per incident so a thread's replies follow its first message.
 */
import type { Logger } from 'pino';
import type { IncidentDesk } from '../../diagnose/desk.ts';
import type { Incident } from '../../diagnose/incident.ts';
import type { Daemon, DaemonEvent } from '../../reconciler/daemon.ts';
import { type ObjectRef, refKey } from '../../reconciler/model.ts';
import type { Scrub } from '../../reconciler/secret-guard.ts';
import type { AuditStore } from '../../reconciler/store.ts';
import { type ChatMessage, type ConsoleLinks, toBlocks } from './blocks.ts';
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
}

/** ChatNotifier turns daemon and incident events into chat messages. */
export class ChatNotifier {
  #deps: NotifierDeps;
  #unsubscribe: (() => void)[] = [];
  #chains = new Map<string, Promise<void>>();
  #inflight = new Set<Promise<void>>();
  /** #held are approvals already announced by this process (the store remembers across restarts). */
  #held = new Set<string>();
  /** #last is the last announced signature per object, so a repeat of the same news stays quiet. */
  #last = new Map<string, string>();
  /** #announced are incidents whose opening was sent to the webhooks. */
  #announced = new Set<string>();

  constructor(deps: NotifierDeps) {
    this.#deps = deps;
  }

  /** start subscribes to the daemon and the desk. */
  start(): void {
    this.#unsubscribe.push(this.#deps.daemon.onEvent((e) => this.#onDaemonEvent(e)));
    if (this.#deps.desk)
      this.#unsubscribe.push(
        this.#deps.desk.onChange((incident, change) => {
          if (change !== 'duplicate')
            this.#chain(`incident:${incident.id}`, () => this.#onIncident(incident, change));
        }),
      );
  }

  /** stop unsubscribes; work already started still finishes (see idle). */
  stop(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  /** idle resolves when every notification in flight has been sent (or has failed). */
  async idle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  #chain(key: string, work: () => Promise<void>): void {
    const run = (this.#chains.get(key) ?? Promise.resolve())
      .then(work)
      .catch((err) => this.#deps.log.error({ err: (err as Error).message, key }, 'chat notification failed'));
    this.#chains.set(key, run);
    this.#inflight.add(run);
    run.finally(() => {
      this.#inflight.delete(run);
      if (this.#chains.get(key) === run) this.#chains.delete(key);
    });
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

  #onDaemonEvent(e: DaemonEvent): void {
    if (e.type === 'status') return;
    const ref: ObjectRef = { cluster: e.cluster, kind: e.kind, namespace: e.namespace, name: e.name };
    const key = refKey(ref);
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
          this.#send(this.#notice('in-sync', ref), renderDriftNotice(ref, undefined, links));
        return;
      }
      if (drift && news(`drift:${JSON.stringify([drift.status, drift.changes])}`))
        this.#send(this.#notice('drift', ref), renderDriftNotice(ref, drift, links));
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
      this.#send(this.#notice('flap', ref), renderFlap(ref, known, links));
      return;
    }
    const query = { cluster: ref.cluster, namespace: ref.namespace, name: ref.name, limit: 5 };
    if (e.error) {
      const record = store.remediations(query).find((r) => r.entry.kind === ref.kind);
      if (record && news(`failed:${e.error}`))
        this.#send(this.#notice('failed', ref), renderFailed(record.entry, links));
      return;
    }
    if (e.action === 'skipped') {
      const pending = store
        .approvals({ ...query, state: 'pending' })
        .filter((a) => a.entry.kind === ref.kind);
      for (const approval of pending) {
        if (this.#held.has(approval.id) || this.#deps.threads.approvalMessages(approval.id).length > 0)
          continue;
        this.#held.add(approval.id);
        this.#send(this.#notice('held', ref), renderHeld(approval, links));
      }
      return;
    }
    const record = store.remediations(query).find((r) => r.entry.kind === ref.kind);
    const drift = store.drifts(query).find((r) => r.drift.kind === ref.kind)?.drift;
    if (record && news(`remediated:${record.id}`))
      this.#send(
        this.#notice('remediated', ref),
        renderRemediated(record.entry, record.revision, drift, links),
      );
  }

  #send(notice: Notice, message: ChatMessage): void {
    const key = `${notice.cluster}/${notice.namespace}`;
    this.#chain(key, async () => {
      const targets = targetsFor(this.#deps.routes, notice);
      const clean = this.#deps.scrub(message);
      for (const channel of targets.slack) await this.#postSlack(channel, clean);
      await this.#postWebhooks(targets, clean);
    });
  }

  async #postSlack(channel: string, message: ChatMessage, threadTs?: string) {
    const { slack, threads, interactive, log } = this.#deps;
    if (!slack) return undefined;
    try {
      const posted = await slack.postMessage({
        channel,
        text: message.text,
        blocks: toBlocks(message, interactive),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
      if (message.approval)
        threads.saveApprovalMessage(message.approval, {
          ...posted,
          ...(threadTs ? { threadTs } : {}),
          message,
        });
      return posted;
    } catch (err) {
      log.warn({ channel, err: (err as Error).message }, 'chat: slack post failed');
      return undefined;
    }
  }

  async #postWebhooks(targets: { mattermost: boolean; teams: boolean }, message: ChatMessage): Promise<void> {
    const { webhooks, log } = this.#deps;
    for (const [name, on, post] of [
      ['mattermost', targets.mattermost, webhooks.mattermost],
      ['teams', targets.teams, webhooks.teams],
    ] as const) {
      if (!on || !post) continue;
      await post(message).catch((err) =>
        log.warn({ target: name, err: (err as Error).message }, 'chat: webhook post failed'),
      );
    }
  }

  async #onIncident(
    incident: Incident,
    change: 'opened' | 'updated' | 'resolved' | 'investigated',
  ): Promise<void> {
    const { routes, clusterLabel, links, scrub, threads, slack } = this.#deps;
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
    const targets = targetsFor(routes, notice);
    const root = scrub(renderIncidentRoot(incident, links, clusterLabel));
    const reply =
      change === 'opened'
        ? undefined
        : scrub(
            change === 'investigated'
              ? renderDiagnosis(incident, links)
              : renderIncidentChange(incident, change),
          );
    for (const channel of slack ? targets.slack : []) {
      let thread = threads.incidentThread(incident.id, channel);
      if (!thread) {
        // Posted once: whatever the first news about the incident is, the thread starts with it.
        const posted = await this.#postSlack(channel, root);
        if (!posted) continue;
        thread = { ...posted, message: root };
        threads.saveIncidentThread(incident.id, thread, channel);
      }
      if (!reply) continue;
      await this.#postSlack(thread.channel, reply, thread.ts);
      if (change === 'resolved')
        await slack
          ?.update({ channel: thread.channel, ts: thread.ts, text: root.text, blocks: toBlocks(root) })
          .catch(() => {});
    }
    // Webhooks have no threads: each step is its own message, titled with the incident; the
    // opening one once.
    if (!reply && this.#announced.has(incident.id)) return;
    this.#announced.add(incident.id);
    const standalone = reply
      ? { ...reply, title: reply.title ?? `Incident ${incident.id}: ${change}` }
      : root;
    await this.#postWebhooks(targets, standalone);
  }
}
