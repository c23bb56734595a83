/**
 * A small Slack Web API client: `chat.postMessage`, `chat.update`, `usergroups.users.list`, and
 * posts to an interaction's `response_url`. JSON bodies with the bot token as a bearer; the base
 * URL is configurable (SLACK_API_URL, for Slack-compatible servers and tests). 429 answers are
 * retried after their Retry-After; posts keep to about one message per second per channel, as
 * Slack asks. Every payload goes through the Secret scrubber before it leaves. (No @slack/web-api:
 * three methods do not need a dependency.)
 */

import type { Scrub } from '../../reconciler/core/secret-guard.ts';
import { ChatHttpError, defaultRetryOptions, postWithRetries, type RetryOptions } from './http.ts';

/** DEFAULT_SLACK_API_URL is Slack's Web API. */
export const DEFAULT_SLACK_API_URL = 'https://slack.com/api';

/** SlackClientOptions configure the client. */
export interface SlackClientOptions {
  token: string;
  apiUrl?: string;
  /** perChannelIntervalMs spaces posts to one channel (default 1000: Slack's 1 message/s). */
  perChannelIntervalMs?: number;
  retry?: Partial<RetryOptions>;
  scrub?: Scrub;
}

/** SlackApiError is Slack's `{ok: false, error}` answer (e.g. channel_not_found, invalid_auth). */
export class SlackApiError extends Error {
  readonly method: string;
  readonly code: string;

  constructor(method: string, code: string) {
    super(`slack ${method}: ${code}`);
    this.name = 'SlackApiError';
    this.method = method;
    this.code = code;
  }
}

/** SlackMessage is a message to post or update (Block Kit blocks plus the fallback text). */
export interface SlackMessage {
  channel: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
}

/** PostedMessage is where a message landed: the channel id and its ts. */
export interface PostedMessage {
  channel: string;
  ts: string;
}

/** ResponseBody is what a response_url takes. */
export interface ResponseBody {
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  text: string;
  blocks?: unknown[];
}

/** SlackClient calls Slack's Web API. */
export class SlackClient {
  readonly apiUrl: string;
  #token: string;
  #interval: number;
  #retry: RetryOptions;
  #scrub: Scrub;
  #nextSlot = new Map<string, number>();

  constructor(options: SlackClientOptions) {
    this.#token = options.token;
    this.apiUrl = (options.apiUrl ?? DEFAULT_SLACK_API_URL).replace(/\/+$/, '');
    this.#interval = options.perChannelIntervalMs ?? 1000;
    this.#retry = { ...defaultRetryOptions(), ...options.retry };
    this.#scrub = options.scrub ?? (<T>(v: T) => v);
  }

  /** postMessage posts a message (a thread reply with thread_ts). */
  async postMessage(message: SlackMessage): Promise<PostedMessage> {
    await this.#turn(message.channel);
    const answer = await this.#call('chat.postMessage', { ...message, unfurl_links: false });
    return { channel: String(answer.channel ?? message.channel), ts: String(answer.ts) };
  }

  /** update replaces a message the bot posted. */
  async update(message: SlackMessage & { ts: string }): Promise<PostedMessage> {
    const { thread_ts: _thread, ...rest } = message;
    const answer = await this.#call('chat.update', rest);
    return { channel: String(answer.channel ?? message.channel), ts: String(answer.ts ?? message.ts) };
  }

  /** usergroupMembers lists the user ids of a Slack user group (needs the usergroups:read scope). */
  async usergroupMembers(usergroup: string): Promise<string[]> {
    const answer = await this.#call('usergroups.users.list', { usergroup }, 'form');
    return Array.isArray(answer.users) ? answer.users.map(String) : [];
  }

  /** respond posts to an interaction's or command's response_url (no token: the URL is the credential). */
  async respond(responseUrl: string, body: ResponseBody): Promise<void> {
    await respondTo(responseUrl, body, this.#retry, this.#scrub);
  }

  // Slack asks for about one message per second per channel: take the next free slot.
  async #turn(channel: string): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.#nextSlot.get(channel) ?? 0);
    this.#nextSlot.set(channel, at + this.#interval);
    if (at > now) await this.#retry.sleep(at - now, this.#retry.signal);
  }

  async #call(
    method: string,
    payload: Record<string, unknown>,
    encoding: 'json' | 'form' = 'json',
  ): Promise<Record<string, unknown>> {
    const clean = this.#scrub(payload);
    const body =
      encoding === 'json'
        ? JSON.stringify(clean)
        : new URLSearchParams(
            Object.entries(clean).map(([k, v]): [string, string] => [k, String(v)]),
          ).toString();
    const result = await postWithRetries(
      `slack ${method}`,
      `${this.apiUrl}/${method}`,
      {
        headers: {
          authorization: `Bearer ${this.#token}`,
          'content-type':
            encoding === 'json' ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded',
        },
        body,
      },
      this.#retry,
    );
    let answer: Record<string, unknown>;
    try {
      answer = JSON.parse(result.text) as Record<string, unknown>;
    } catch {
      throw new ChatHttpError(`slack ${method}`, `HTTP ${result.status}, not JSON`, false, result.status);
    }
    if (answer.ok !== true) throw new SlackApiError(method, String(answer.error ?? `HTTP ${result.status}`));
    return answer;
  }
}

/** respondTo posts a body to a response_url with retries, after the Secret scrub. */
export async function respondTo(
  responseUrl: string,
  body: ResponseBody,
  retry: RetryOptions = defaultRetryOptions(),
  scrub: Scrub = <T>(v: T) => v,
): Promise<void> {
  const result = await postWithRetries(
    'response_url',
    responseUrl,
    { headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(scrub(body)) },
    retry,
  );
  if (result.status >= 400)
    throw new ChatHttpError('response_url', `HTTP ${result.status}`, false, result.status);
}
