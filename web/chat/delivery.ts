/**
 * Delivery: the last step of a notification, once the notifier decided it is news and the outbox
 * ordered it. Posts to Slack (Block Kit, remembering the message of a held change and the thread of
 * an incident) and to the Mattermost and Teams webhooks, which have no threads.
 */
import type { Logger } from 'pino';
import { type ChatMessage, toBlocks } from './blocks.ts';
import type { OutboxItem } from './outbox.ts';
import type { SlackClient } from './slack-client.ts';
import type { ThreadStore } from './threads.ts';

/** DeliveryDeps are the sinks delivery posts to (a subset of the notifier's deps). */
export interface DeliveryDeps {
  slack?: SlackClient;
  /** interactive: button presses reach us, so held changes get buttons. */
  interactive: boolean;
  webhooks: { mattermost?: (m: ChatMessage) => Promise<void>; teams?: (m: ChatMessage) => Promise<void> };
  threads: ThreadStore;
  log: Logger;
}

/** ChatDelivery posts outbox items to Slack and the webhooks. */
export class ChatDelivery {
  #deps: DeliveryDeps;
  /** #aborted says whether the shutdown cut delivery off (then a failure is rethrown, to keep the item). */
  #aborted: () => boolean;
  /** #announced are incidents whose opening was sent to the webhooks. */
  #announced = new Set<string>();

  constructor(deps: DeliveryDeps, aborted: () => boolean) {
    this.#deps = deps;
    this.#aborted = aborted;
  }

  /** deliver sends one outbox item; it throws only when cut off by the shutdown. */
  async deliver(item: OutboxItem): Promise<void> {
    if (item.type === 'incident') return this.#deliverIncident(item);
    if ('slack' in item.target) {
      await this.#postSlack(item.target.slack, item.message);
      return;
    }
    const hook = item.target.webhook;
    await this.#postWebhooks({ mattermost: hook === 'mattermost', teams: hook === 'teams' }, item.message);
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
      // Cut off by the shutdown: the outbox keeps the item for the next start.
      if (this.#aborted()) throw err;
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
      await post(message).catch((err) => {
        if (this.#aborted()) throw err;
        log.warn({ target: name, err: (err as Error).message }, 'chat: webhook post failed');
      });
    }
  }

  async #deliverIncident(item: Extract<OutboxItem, { type: 'incident' }>): Promise<void> {
    const { threads, slack } = this.#deps;
    const { incident, change, targets, root, reply } = item;
    for (const channel of slack ? targets.slack : []) {
      let thread = threads.incidentThread(incident, channel);
      if (!thread) {
        // Posted once: whatever the first news about the incident is, the thread starts with it.
        const posted = await this.#postSlack(channel, root);
        if (!posted) continue;
        thread = { ...posted, message: root };
        threads.saveIncidentThread(incident, thread, channel);
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
    if (!reply && this.#announced.has(incident)) return;
    this.#announced.add(incident);
    const standalone = reply ? { ...reply, title: reply.title ?? `Incident ${incident}: ${change}` } : root;
    await this.#postWebhooks(targets, standalone);
  }
}
