/**
 * The `/trueup` slash command: parse, answer read commands at once (or, when an answer takes longer
 * than Slack's 3 s, acknowledge and answer through response_url), and acknowledge approve / reject
 * at once, deciding afterwards and posting the outcome for the channel to see.
 */
import type { Logger } from 'pino';
import type { Scrub } from '../../reconciler/core/secret-guard.ts';
import type { ChatMessage } from './blocks.ts';
import { esc, toBlocks } from './blocks.ts';
import { parseCommand } from './command.ts';
import { type DeciderDeps, decideFromChat } from './decisions.ts';
import { type CommandContext, helpReply, type Reply, runReadCommand } from './handlers.ts';
import type { ResponseBody } from './slack-client.ts';

/** SlashFields are the form fields of a slash command request (Slack's and Mattermost's). */
export interface SlashFields {
  text?: string;
  user_id?: string;
  user_name?: string;
  response_url?: string;
}

/** SlashDeps are what answering a command needs. */
export interface SlashDeps {
  commands: CommandContext;
  decider?: DeciderDeps;
  respond: (url: string, body: ResponseBody) => Promise<void>;
  responseUrlOk: (url: string) => boolean;
  /** later runs work after the HTTP answer (tracked, so shutdown waits for it). */
  later: (work: () => Promise<void>) => void;
  interactive: boolean;
  scrub: Scrub;
  log: Logger;
  /** deferAfterMs is how long a read answer may take before it goes through response_url (2500). */
  deferAfterMs?: number;
}

/** slackBody renders a reply for Slack (Block Kit), after the Secret scrub. */
export function slackBody(reply: Reply, interactive: boolean, scrub: Scrub): ResponseBody {
  const message = scrub(reply.message);
  return { response_type: reply.visibility, text: message.text, blocks: toBlocks(message, interactive) };
}

const note = (text: string): Reply => ({ visibility: 'ephemeral', message: { text, sections: [text] } });

/** answerSlash answers one slash command; approvals and slow reads continue through response_url. */
export async function answerSlash(fields: SlashFields, deps: SlashDeps): Promise<ResponseBody> {
  const body = (reply: Reply) => slackBody(reply, deps.interactive, deps.scrub);
  const parsed = parseCommand(fields.text ?? '');
  if (!parsed.ok) return body(helpReply(parsed.error));
  const command = parsed.command;
  const url =
    fields.response_url && deps.responseUrlOk(fields.response_url) ? fields.response_url : undefined;
  const send = (reply: ResponseBody) =>
    url
      ? deps
          .respond(url, reply)
          .catch((err) => deps.log.warn({ err: (err as Error).message }, 'chat: response_url post failed'))
      : Promise.resolve();

  if (command.verb === 'approve' || command.verb === 'reject') {
    const { decider } = deps;
    if (!decider) return body(note('Approvals are not on in this trueup.'));
    if (!fields.user_id) return body(note('Slack did not say who you are.'));
    const user = { id: fields.user_id, ...(fields.user_name ? { name: fields.user_name } : {}) };
    const decide = async (): Promise<ResponseBody> => {
      const result = await decideFromChat(decider, command.verb, command.id, user, {
        ...(command.verb === 'reject' && command.reason ? { reason: command.reason } : {}),
      });
      const message: ChatMessage = { text: result.text, sections: [result.text] };
      return body({ visibility: result.status === 'done' ? 'in_channel' : 'ephemeral', message });
    };
    if (!url) return decide();
    deps.later(async () => send(await decide()));
    return body(
      note(
        `:hourglass_flowing_sand: ${command.verb === 'approve' ? 'Approving' : 'Rejecting'} ${command.id}…`,
      ),
    );
  }

  const work = runReadCommand(command, deps.commands).then(body, (err: Error) => {
    deps.log.error({ err: err.message, verb: command.verb }, 'chat: command failed');
    return body(note(`:warning: ${esc(err.message)}`));
  });
  if (!url) return work;
  let timer: NodeJS.Timeout | undefined;
  const deferred = new Promise<'deferred'>((resolve) => {
    timer = setTimeout(() => resolve('deferred'), deps.deferAfterMs ?? 2500);
  });
  const first = await Promise.race([work, deferred]);
  clearTimeout(timer);
  if (first !== 'deferred') return first;
  deps.later(async () => send(await work));
  return body(note(':hourglass_flowing_sand: Working on it…'));
}
