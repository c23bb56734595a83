/**
 * Button presses (Slack `block_actions` interactions): the form field `payload` holds JSON with the
 * user, the actions pressed, the message and channel they were on, and a response_url. Approve and
 * Reject go through decisions.ts (allow-list, then the core approval path); Open is a link button,
 * Slack opens it and we only acknowledge. The route acknowledges at once; this runs afterwards.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { APPROVAL_ID, isUniqueId } from '../../reconciler/store/ids.ts';
import { ACTION_APPROVE, ACTION_OPEN, ACTION_REJECT, toBlocks } from './blocks.ts';
import { type DeciderDeps, decidedMessage, decideFromChat } from './decisions.ts';
import { renderHeld } from './render-notices.ts';
import type { ResponseBody } from './slack-client.ts';

/** blockActionsSchema is the part of a block_actions payload trueup reads (Slack sends more). */
export const blockActionsSchema = z
  .object({
    type: z.literal('block_actions'),
    user: z
      .object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() })
      .loose(),
    channel: z
      .object({ id: z.string().min(1) })
      .loose()
      .optional(),
    message: z
      .object({ ts: z.string().min(1), thread_ts: z.string().optional() })
      .loose()
      .optional(),
    container: z.object({ is_ephemeral: z.boolean().optional() }).loose().optional(),
    response_url: z.string().optional(),
    actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() }).loose()).min(1),
  })
  .loose();

/** BlockActions is a parsed block_actions payload. */
export type BlockActions = z.infer<typeof blockActionsSchema>;

/** parseInteraction reads the `payload` form field: a block_actions payload, another type, or junk. */
export function parseInteraction(
  payload: string | undefined,
):
  | { kind: 'block_actions'; payload: BlockActions }
  | { kind: 'other'; type: string }
  | { kind: 'invalid'; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(payload ?? '');
  } catch {
    return { kind: 'invalid', error: 'the payload field is not JSON' };
  }
  const type = (json as { type?: unknown } | null)?.type;
  if (type !== 'block_actions') return { kind: 'other', type: String(type) };
  const parsed = blockActionsSchema.safeParse(json);
  if (!parsed.success) return { kind: 'invalid', error: z.prettifyError(parsed.error) };
  return { kind: 'block_actions', payload: parsed.data };
}

/** InteractionDeps are what handling a press needs. */
export interface InteractionDeps {
  decider?: DeciderDeps;
  respond: (url: string, body: ResponseBody) => Promise<void>;
  /** responseUrlOk tells whether a response_url may be posted to (Slack's origin). */
  responseUrlOk: (url: string) => boolean;
  log: Logger;
}

/** handleBlockActions acts on a press of Approve or Reject (after the route has acknowledged it). */
export async function handleBlockActions(p: BlockActions, deps: InteractionDeps): Promise<void> {
  const action = p.actions[0];
  if (!action || action.action_id === ACTION_OPEN) return;
  if (action.action_id !== ACTION_APPROVE && action.action_id !== ACTION_REJECT) return;
  const verb = action.action_id === ACTION_APPROVE ? 'approve' : 'reject';
  const url = p.response_url && deps.responseUrlOk(p.response_url) ? p.response_url : undefined;
  if (p.response_url && !url) deps.log.warn('chat: a response_url outside Slack was ignored');
  const respond = async (body: ResponseBody) => {
    if (url)
      await deps
        .respond(url, body)
        .catch((err) => deps.log.warn({ err: (err as Error).message }, 'chat: response_url post failed'));
  };
  const id = action.value ?? '';
  if (!deps.decider)
    return respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'Approvals are not on in this trueup.',
    });
  if (!APPROVAL_ID.test(id))
    return respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'That button names no approval.',
    });
  // A legacy id (`a12`) is only unique within one state store: another replica or installation
  // may hold a different change under it, so a button never decides one.
  if (!isUniqueId(id))
    return respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: `That button predates unique approval ids and could name another change: decide ${id} in the console.`,
    });
  const pressed =
    p.channel && p.message && !p.container?.is_ephemeral
      ? {
          channel: p.channel.id,
          ts: p.message.ts,
          ...(p.message.thread_ts ? { threadTs: p.message.thread_ts } : {}),
        }
      : undefined;
  const user = {
    id: p.user.id,
    ...(p.user.username || p.user.name ? { name: p.user.username ?? p.user.name } : {}),
  };
  const result = await decideFromChat(deps.decider, verb, id, user, pressed ? { pressed } : {});
  if (result.status === 'forbidden')
    return respond({ response_type: 'ephemeral', replace_original: false, text: result.text });
  if (!deps.decider.slack && result.approval) {
    // No bot token, so no chat.update: replace the pressed message through its response_url.
    const updated = decidedMessage(renderHeld(result.approval, deps.decider.links), result.line);
    return respond({ replace_original: true, text: updated.text, blocks: toBlocks(updated) });
  }
  if (result.status === 'refused')
    return respond({ response_type: 'ephemeral', replace_original: false, text: result.text });
}
