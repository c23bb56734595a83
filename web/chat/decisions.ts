/**
 * Approve and reject from chat, for slash commands and buttons alike: check the user against the
 * allow-list (refused: nothing happens), decide through the one core approval path
 * (reconciler/approvals.ts — stale changes are refused there, with the reason), then update every
 * message that carried the approval's buttons with who did what, and say so in its thread.
 */
import type { Logger } from 'pino';
import type { Approval, AuditStore } from '../../reconciler/store/store.ts';
import { isSettled } from '../../reconciler/sync/approval-relay.ts';
import {
  type ApprovalDeps,
  type ApprovalOutcome,
  type Approver,
  approveApproval,
  rejectApproval,
} from '../../reconciler/sync/approvals.ts';
import { type Approvers, mayDecide } from './access.ts';
import { type ChatMessage, type ConsoleLinks, esc, toBlocks } from './blocks.ts';
import { objectLabel } from './render-fleet.ts';
import { renderHeld } from './render-notices.ts';
import type { SlackClient } from './slack-client.ts';
import type { PostedRef, ThreadStore } from './threads.ts';

/** ApprovalPath decides approvals; in production the core's approveApproval / rejectApproval. */
export interface ApprovalPath {
  approve(id: string, by: Approver): Promise<ApprovalOutcome>;
  reject(id: string, by: Approver, note?: string): Promise<ApprovalOutcome>;
}

/** coreApprovalPath is the one core approval path the CLI and the console use too. */
export function coreApprovalPath(deps: ApprovalDeps): ApprovalPath {
  return {
    approve: (id, by) => approveApproval(deps, id, by),
    reject: async (id, by, note) => rejectApproval(deps.store, id, by, note),
  };
}

/** DeciderDeps are what deciding from chat needs. */
export interface DeciderDeps {
  path: ApprovalPath;
  store: Pick<AuditStore, 'approval'>;
  approvers: Approvers;
  clusterLabels: (cluster: string) => Record<string, string>;
  groupMembers: (group: string) => Promise<string[]>;
  threads: ThreadStore;
  slack?: SlackClient;
  /** interactive: buttons work (interactions are on), so fresh approvals get buttons too. */
  interactive: boolean;
  links: ConsoleLinks;
  log: Logger;
  /** onDecided hears decided approvals (the console's live stream). */
  onDecided?: (event: { id: string; state: string }) => void;
}

/** ChatUser is who pressed or typed: a Slack user id and, for the audit trail, their name. */
export interface ChatUser {
  id: string;
  name?: string;
}

/** DecisionResult is what came of a chat decision: forbidden (nothing happened), refused, or done. */
export type DecisionResult =
  | { status: 'forbidden'; text: string }
  | { status: 'refused' | 'done'; text: string; line: string; approval?: Approval };

/** mention renders a user mention, only for ids that look like Slack's. */
export function mention(user: ChatUser): string {
  return /^[UW][A-Z0-9]{2,20}$/.test(user.id) ? `<@${user.id}>` : esc(user.name ?? user.id);
}

/** decidedMessage is a message with its buttons replaced by the outcome line. */
export function decidedMessage(message: ChatMessage, line: string): ChatMessage {
  const { approval: _buttons, ...rest } = message;
  return { ...rest, context: [...(rest.context ?? []), line] };
}

function outcomeLine(
  verb: 'approve' | 'reject',
  user: ChatUser,
  outcome: ApprovalOutcome,
  reason?: string,
): string {
  const who = mention(user);
  if (!outcome.ok)
    return `:warning: ${who} tried to ${verb}: ${esc(outcome.reason)}${outcome.fresh ? ` A fresh approval *${esc(outcome.fresh.id)}* was queued.` : ''}`;
  if (verb === 'reject') return `:no_entry_sign: Rejected by ${who}${reason ? `: ${esc(reason)}` : ''}`;
  if (!isSettled(outcome.approval))
    return `:hourglass_flowing_sand: Approved by ${who} — waiting for the replica that owns *${esc(outcome.approval.entry.cluster)}* to apply it`;
  const entry = outcome.entry;
  return `:white_check_mark: Approved by ${who} — ${esc(entry?.action ?? 'applied')}${entry?.dryRun ? ` (dry-run ${esc(entry.dryRun)})` : ''}`;
}

/** decideFromChat runs one approve or reject; pressed is the message whose button was pressed. */
export async function decideFromChat(
  deps: DeciderDeps,
  verb: 'approve' | 'reject',
  id: string,
  user: ChatUser,
  options: { reason?: string; pressed?: { channel: string; ts: string; threadTs?: string } } = {},
): Promise<DecisionResult> {
  const item = await deps.store.approval(id);
  if (!item) return { status: 'refused', text: `There is no approval ${esc(id)}.`, line: '' };
  const target = {
    cluster: item.entry.cluster,
    clusterLabels: deps.clusterLabels(item.entry.cluster),
    ruleRefs: item.entry.decision.ruleRefs,
  };
  const verdict = await mayDecide(deps.approvers, user.id, target, deps.groupMembers);
  if (!verdict.ok) {
    deps.log.warn({ user: user.id, approval: id, verb }, 'chat decision refused: not an approver');
    return { status: 'forbidden', text: `:no_entry: ${esc(verdict.reason)}` };
  }
  const by: Approver = { actor: `${user.name ?? user.id} (slack ${user.id})`, channel: 'slack' };
  const outcome =
    verb === 'approve' ? await deps.path.approve(id, by) : await deps.path.reject(id, by, options.reason);
  const after = await deps.store.approval(id);
  if (after) deps.onDecided?.({ id, state: after.state });
  if (!outcome.ok && outcome.fresh) deps.onDecided?.({ id: outcome.fresh.id, state: outcome.fresh.state });
  deps.log.info({ user: user.id, approval: id, verb, ok: outcome.ok, via: verdict.via }, 'chat decision');
  const line = outcomeLine(verb, user, outcome, options.reason);
  const subject = `${esc(objectLabel(item.entry))} on *${esc(item.entry.cluster)}*`;
  await followUp(deps, item, line, options.pressed, outcome.ok ? undefined : outcome.fresh);
  return {
    status: outcome.ok ? 'done' : 'refused',
    text: `${line}\n${esc(id)}: ${subject}`,
    line,
    ...(after ? { approval: after } : {}),
  };
}

// Update every message that carried the buttons, reply once in each thread, and post a fresh one.
async function followUp(
  deps: DeciderDeps,
  item: Approval,
  line: string,
  pressed: { channel: string; ts: string; threadTs?: string } | undefined,
  fresh: Approval | undefined,
): Promise<void> {
  const { slack, threads, log } = deps;
  if (!slack) return;
  const messages = threads.approvalMessages(item.id);
  if (pressed && !messages.some((m) => m.channel === pressed.channel && m.ts === pressed.ts))
    messages.push({ ...pressed, message: renderHeld(item, deps.links) });
  const replied = new Set<string>();
  for (const m of messages) {
    const updated = decidedMessage(m.message, line);
    try {
      await slack.update({
        channel: m.channel,
        ts: m.ts,
        text: updated.text,
        blocks: toBlocks(updated, deps.interactive),
      });
      threads.saveApprovalMessage(item.id, { ...m, message: updated });
      const thread = `${m.channel}/${m.threadTs}`;
      if (m.threadTs && !replied.has(thread)) {
        replied.add(thread);
        await slack.postMessage({
          channel: m.channel,
          thread_ts: m.threadTs,
          text: line,
          blocks: toBlocks({ text: line, sections: [line] }),
        });
      }
    } catch (err) {
      log.warn(
        { approval: item.id, channel: m.channel, err: (err as Error).message },
        'chat: could not update an approval message',
      );
    }
  }
  const where: Pick<PostedRef, 'channel' | 'threadTs'> | undefined = pressed ?? messages[0];
  if (fresh && where) {
    const message = renderHeld(fresh, deps.links);
    try {
      const posted = await slack.postMessage({
        channel: where.channel,
        ...(where.threadTs ? { thread_ts: where.threadTs } : {}),
        text: message.text,
        blocks: toBlocks(message, deps.interactive),
      });
      threads.saveApprovalMessage(fresh.id, {
        ...posted,
        ...(where.threadTs ? { threadTs: where.threadTs } : {}),
        message,
      });
    } catch (err) {
      log.warn(
        { approval: fresh.id, err: (err as Error).message },
        'chat: could not post the fresh approval',
      );
    }
  }
}
