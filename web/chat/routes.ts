/**
 * Chat-ops on the daemon's HTTP server, outside `/api/v1` (those requests are authenticated by the
 * chat platform, not by the console):
 *   POST /slack/commands        `/trueup …` slash commands        (Slack's request signature)
 *   POST /slack/interactions    button presses (block_actions)   (Slack's request signature)
 *   POST /mattermost/commands   `/trueup …` from Mattermost, read-only (MATTERMOST_COMMAND_TOKEN)
 * Bodies are form-encoded; the routes keep the raw body, because Slack signs its bytes. Every
 * request is verified (signature, 5-minute timestamp window, no replay) before anything else.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { replyError } from '../reply-error.ts';
import { parseCommand } from './command.ts';
import type { ChatSetup } from './config.ts';
import { helpReply, runReadCommand } from './handlers.ts';
import { handleBlockActions, parseInteraction } from './interactions.ts';
import { isMattermostToken, toMarkdown } from './mattermost.ts';
import { type ChatCore, type ChatRuntime, startChatRuntime } from './runtime.ts';
import { ReplayGuard, verifySlackSignature } from './signature.ts';
import { answerSlash } from './slash.ts';

export type { ChatCore } from './runtime.ts';

/** CHAT_PATHS are the chat routes. */
export const CHAT_PATHS = {
  slackCommands: '/slack/commands',
  slackInteractions: '/slack/interactions',
  mattermostCommands: '/mattermost/commands',
} as const;

const bodyLimit = 1024 * 1024;
const header = (req: FastifyRequest, name: string) => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};
const fieldsOf = (req: FastifyRequest) => Object.fromEntries(new URLSearchParams(req.body as string));

/** registerChat registers the chat routes and starts the notifier; closing the app stops both. */
export async function registerChat(app: FastifyInstance, setup: ChatSetup, core: ChatCore): Promise<void> {
  const runtime = startChatRuntime(setup, core);
  app.addHook('onClose', () => runtime.close());
  const { settings, log } = setup;
  await app.register(async (scope) => {
    // Only form bodies, kept as the raw string: Slack signs the exact bytes.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit },
      (_req, body, done) => done(null, body),
    );
    if (settings.slack?.signingSecret) registerSlackRoutes(scope, runtime, settings.slack.signingSecret, log);
    const tokens = settings.mattermost?.commandTokens ?? [];
    if (tokens.length > 0) registerMattermostRoute(scope, runtime, tokens);
  });
}

/** slackVerifier refuses any request not signed by Slack with the secret, stale, or seen before. */
function slackVerifier(secret: string, log: Logger) {
  const replay = new ReplayGuard();
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    const signature = header(req, 'x-slack-signature');
    const timestamp = header(req, 'x-slack-request-timestamp');
    const check = verifySlackSignature(secret, { timestamp, signature }, raw);
    if (!check.ok) {
      log.warn({ path: req.url, reason: check.reason }, 'chat: request refused: bad Slack signature');
      return replyError(reply, 'TRUEUP_BAD_SIGNATURE', check.reason);
    }
    if (!replay.accept(signature as string)) {
      log.warn({ path: req.url }, 'chat: request refused: replayed');
      return replyError(reply, 'TRUEUP_REPLAYED', 'this request was already received');
    }
  };
}

function registerSlackRoutes(
  scope: FastifyInstance,
  runtime: ChatRuntime,
  secret: string,
  log: Logger,
): void {
  const verify = slackVerifier(secret, log);
  scope.post(CHAT_PATHS.slackCommands, { config: { access: 'slack' }, preHandler: verify }, async (req) => {
    const fields = fieldsOf(req);
    // Slack checks the certificate of a command URL with a signed ssl_check post: just answer.
    if (fields.ssl_check) return {};
    return answerSlash(fields, { ...runtime, log });
  });
  scope.post(
    CHAT_PATHS.slackInteractions,
    { config: { access: 'slack' }, preHandler: verify },
    async (req, reply) => {
      const parsed = parseInteraction(fieldsOf(req).payload);
      if (parsed.kind === 'invalid') return replyError(reply, 'TRUEUP_BAD_REQUEST', parsed.error);
      // Acknowledge at once (Slack waits 3 s); the decision runs afterwards.
      if (parsed.kind === 'block_actions') {
        const { decider, respond, responseUrlOk } = runtime;
        runtime.later(() =>
          handleBlockActions(parsed.payload, {
            ...(decider ? { decider } : {}),
            respond,
            responseUrlOk,
            log,
          }),
        );
      }
      return reply.code(200).send();
    },
  );
}

function registerMattermostRoute(scope: FastifyInstance, runtime: ChatRuntime, tokens: string[]): void {
  scope.post(CHAT_PATHS.mattermostCommands, { config: { access: 'mattermost' } }, async (req, reply) => {
    const fields = fieldsOf(req);
    if (!isMattermostToken(tokens, fields.token))
      return replyError(reply, 'TRUEUP_UNAUTHORIZED', 'wrong or missing command token');
    const parsed = parseCommand(fields.text ?? '');
    const answer = !parsed.ok
      ? helpReply(parsed.error)
      : parsed.command.verb === 'approve' || parsed.command.verb === 'reject'
        ? helpReply(
            'approve and reject work in Slack, the console or the CLI (`trueup approve <id>`), not in Mattermost',
          )
        : await runReadCommand(parsed.command, runtime.commands);
    return { response_type: answer.visibility, text: toMarkdown(runtime.scrub(answer.message)) };
  });
}
