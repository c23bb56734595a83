/**
 * Chat-ops configuration: secrets from the environment (SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN,
 * SLACK_API_URL, MATTERMOST_WEBHOOK_URL, MATTERMOST_COMMAND_TOKEN, TEAMS_WEBHOOK_URL), routing and
 * the approvers allow-list from a small YAML or JSON file (`--chat-config`), plus a few flags
 * (`--console-url`, `--slack-channel`, `--chat-approvers`). Chat is off unless one of those
 * variables is set. Errors name the file and field, never a secret's value.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type Approvers, approversSchema } from './access.ts';
import { DEFAULT_EVENTS, type Route, routeSchema } from './routing.ts';
import { DEFAULT_SLACK_API_URL } from './slack-client.ts';

const httpUrl = z.url({ protocol: /^https?$/ });

/** chatConfigSchema is the `--chat-config` file. */
export const chatConfigSchema = z
  .object({
    consoleUrl: httpUrl.optional(),
    slack: z
      .object({ defaultChannel: z.string().min(1).optional() })
      .strict()
      .default({}),
    routes: z.array(routeSchema).default([]),
    approvers: approversSchema.default({ users: [], groups: [], scoped: [] }),
  })
  .strict();

/** ChatConfigFile is a parsed chat config file. */
export type ChatConfigFile = z.infer<typeof chatConfigSchema>;

/** ChatFlags are serve's chat flags. */
export interface ChatFlags {
  chatConfig?: string;
  consoleUrl?: string;
  slackChannel?: string;
  chatApprovers?: string[];
}

/** ChatSettings are the resolved chat settings; a platform is present only when configured. */
export interface ChatSettings {
  consoleUrl?: string;
  routes: Route[];
  approvers: Approvers;
  slack?: { signingSecret?: string; botToken?: string; apiUrl: string };
  mattermost?: { webhookUrl?: string; commandTokens: string[] };
  teams?: { webhookUrl: string };
  /** responseUrlOrigins are the origins a response_url may point at (Slack's, or SLACK_API_URL's). */
  responseUrlOrigins: string[];
}

/** ChatSetup is what the server needs to turn chat on (ServerDeps.chat). */
export interface ChatSetup {
  settings: ChatSettings;
  /** stateDir holds chat.db (incident threads, approval messages); ':memory:' for tests. */
  stateDir: string;
  /** clusterLabel is the alert label naming the cluster (incident routing). */
  clusterLabel: string;
  log: Logger;
  /** perChannelIntervalMs spaces Slack posts per channel (default 1000). */
  perChannelIntervalMs?: number;
  /** batch paces the per-cluster digests (notifier.ts defaultBatchOptions). */
  batch?: { quietMs?: number; maxWaitMs?: number };
  /** shutdownFlushMs is how long a stopping server keeps sending before it keeps the rest (5000). */
  shutdownFlushMs?: number;
  /**
   * retention, in serve: chat.db's incident threads are deleted after incidentDays without a write,
   * its approval messages after auditDays (0: kept forever); none: never deleted.
   */
  retention?: { auditDays: number; incidentDays: number };
}

/** ChatConfigError is a chat configuration that cannot be used. */
export class ChatConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChatConfigError';
  }
}

/** parseChatConfig validates a config file's text (YAML or JSON). */
export function parseChatConfig(text: string, file: string): ChatConfigFile {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new ChatConfigError(`${file}: not YAML or JSON: ${(err as Error).message}`);
  }
  const parsed = chatConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ChatConfigError(`${file}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function approversFromFlag(ids: string[] | undefined): Pick<Approvers, 'users' | 'groups'> {
  const parsed = approversSchema.shape.users.safeParse((ids ?? []).filter((id) => !id.startsWith('S')));
  const groups = approversSchema.shape.groups.safeParse((ids ?? []).filter((id) => id.startsWith('S')));
  if (!parsed.success || !groups.success)
    throw new ChatConfigError('--chat-approvers: expected Slack user ids (U…, W…) or user group ids (S…)');
  return { users: parsed.data, groups: groups.data };
}

/** MIN_CHAT_SECRET_LENGTH is the shortest signing secret or command token chat accepts. */
const MIN_CHAT_SECRET_LENGTH = 16;

const isSet = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

type Platforms = Pick<ChatSettings, 'slack' | 'mattermost' | 'teams' | 'responseUrlOrigins'>;

/** platformsOf reads the platform variables; undefined when none is set (chat off). */
function platformsOf(env: Record<string, string | undefined>): Platforms | undefined {
  const { SLACK_SIGNING_SECRET: secret, SLACK_BOT_TOKEN: token, MATTERMOST_WEBHOOK_URL: mmHook } = env;
  const { MATTERMOST_COMMAND_TOKEN: mmToken, TEAMS_WEBHOOK_URL: teamsHook } = env;
  if (![secret, token, mmHook, mmToken, teamsHook].some(isSet)) return undefined;
  const apiUrl = env.SLACK_API_URL?.trim() || DEFAULT_SLACK_API_URL;
  if (!httpUrl.safeParse(apiUrl).success) throw new ChatConfigError('SLACK_API_URL: not an http(s) URL');
  // The URL is a credential: say which variable is wrong, never echo it.
  for (const [name, value] of [
    ['MATTERMOST_WEBHOOK_URL', mmHook],
    ['TEAMS_WEBHOOK_URL', teamsHook],
  ] as const)
    if (isSet(value) && !httpUrl.safeParse(value.trim()).success)
      throw new ChatConfigError(`${name}: not an http(s) URL`);
  // A short shared secret can be guessed: Slack's signing secrets are 32 characters and Mattermost's
  // command tokens 26, so anything under 16 is a mistake. Name the variable, never echo the value.
  if (isSet(secret) && secret.trim().length < MIN_CHAT_SECRET_LENGTH)
    throw new ChatConfigError(`SLACK_SIGNING_SECRET: at least ${MIN_CHAT_SECRET_LENGTH} characters`);
  const origins = ['https://hooks.slack.com'];
  if (apiUrl !== DEFAULT_SLACK_API_URL) origins.push(new URL(apiUrl).origin);
  const commandTokens = (mmToken ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (commandTokens.some((t) => t.length < MIN_CHAT_SECRET_LENGTH))
    throw new ChatConfigError(
      `MATTERMOST_COMMAND_TOKEN: each token at least ${MIN_CHAT_SECRET_LENGTH} characters`,
    );
  return {
    ...(isSet(secret) || isSet(token)
      ? {
          slack: {
            ...(isSet(secret) ? { signingSecret: secret.trim() } : {}),
            ...(isSet(token) ? { botToken: token.trim() } : {}),
            apiUrl,
          },
        }
      : {}),
    ...(isSet(mmHook) || isSet(mmToken)
      ? { mattermost: { ...(isSet(mmHook) ? { webhookUrl: mmHook.trim() } : {}), commandTokens } }
      : {}),
    ...(isSet(teamsHook) ? { teams: { webhookUrl: teamsHook.trim() } } : {}),
    responseUrlOrigins: origins,
  };
}

/** chatSettingsFromEnv resolves the settings; undefined when no chat variable is set (chat off). */
export function chatSettingsFromEnv(
  env: Record<string, string | undefined>,
  flags: ChatFlags = {},
): ChatSettings | undefined {
  const platforms = platformsOf(env);
  if (!platforms) return undefined;
  const file = flags.chatConfig
    ? parseChatConfig(readConfig(flags.chatConfig), flags.chatConfig)
    : chatConfigSchema.parse({});
  const consoleUrl = flags.consoleUrl ?? file.consoleUrl;
  if (consoleUrl !== undefined && !httpUrl.safeParse(consoleUrl).success)
    throw new ChatConfigError(`--console-url: not an http(s) URL: ${consoleUrl}`);
  const extra = approversFromFlag(flags.chatApprovers);
  const approvers = {
    ...file.approvers,
    users: [...file.approvers.users, ...extra.users],
    groups: [...file.approvers.groups, ...extra.groups],
  };
  const channel = flags.slackChannel ?? file.slack.defaultChannel;
  // Without routes, everything worth hearing goes to the default channel and the webhooks.
  const routes: Route[] = file.routes.length
    ? file.routes
    : [
        {
          match: {},
          events: DEFAULT_EVENTS,
          ...(channel ? { slack: channel } : {}),
          mattermost: Boolean(platforms.mattermost?.webhookUrl),
          teams: Boolean(platforms.teams),
        },
      ];
  return { ...(consoleUrl ? { consoleUrl } : {}), routes, approvers, ...platforms };
}

function readConfig(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ChatConfigError(
      `--chat-config: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** isAllowedResponseUrl tells whether a response_url points where Slack's do (https, a known origin). */
export function isAllowedResponseUrl(url: string, origins: readonly string[]): boolean {
  if (!URL.canParse(url)) return false;
  return origins.includes(new URL(url).origin);
}

/** describeChat summarises what is on, for the startup log (no secrets). */
export function describeChat(s: ChatSettings): Record<string, unknown> {
  return {
    slackCommands: Boolean(s.slack?.signingSecret),
    slackNotifications: Boolean(s.slack?.botToken),
    slackApi: s.slack?.apiUrl,
    mattermostCommands: Boolean(s.mattermost?.commandTokens.length),
    mattermostWebhook: Boolean(s.mattermost?.webhookUrl),
    teamsWebhook: Boolean(s.teams),
    routes: s.routes.length,
    approvers: s.approvers.users.length + s.approvers.groups.length + s.approvers.scoped.length,
  };
}

/** chatSetupFromEnv builds the server's chat setup for `serve`; undefined when chat is off. */
export function chatSetupFromEnv(
  env: Record<string, string | undefined>,
  options: ChatFlags & { stateDir: string; clusterLabel: string },
  log: Logger,
): ChatSetup | undefined {
  const settings = chatSettingsFromEnv(env, options);
  if (!settings) {
    if (options.chatConfig)
      log.warn('--chat-config given but no SLACK_*, MATTERMOST_* or TEAMS_* variable is set: chat is off');
    return undefined;
  }
  if (settings.slack?.botToken && !settings.routes.some((r) => r.slack))
    log.warn('SLACK_BOT_TOKEN is set but no route names a Slack channel (--slack-channel or routes[].slack)');
  return { settings, stateDir: options.stateDir, clusterLabel: options.clusterLabel, log };
}
