/**
 * `POST /api/v1/alertmanager`: the Alertmanager webhook receiver. Authenticates the caller, checks
 * the body against the webhook schema (diagnose/alert.ts) and hands the group to the intake, which
 * answers synchronously: investigations run in a queue elsewhere, so Alertmanager gets its answer
 * in milliseconds and never times out on us.
 *
 * Status codes follow what Alertmanager 0.25 does with them (notify/util.go `Retrier.Check`, used
 * by notify/webhook/webhook.go with no extra `RetryCodes`): 2xx is success, every 5xx is retried
 * with exponential backoff within the flush, and every other status (429 included) fails the
 * notification without a retry; it is only sent again at the group's next group_interval tick
 * (the notification log records successes only). test/alertmanager/alertmanager.test.ts checks
 * this against the real binary. So "busy, try again" is 503, not 429, and a duplicate is 200, not
 * 409. Alertmanager ignores `Retry-After`; we still send it for other callers and for humans.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type AlertGroup, parseAlertGroup } from '../../diagnose/alert.ts';
import { jsonErrorWhere } from '../../reconciler/core/redact.ts';
import { AuthConfigError, MIN_TOKEN_LENGTH } from '../auth/auth.ts';
import { replyError } from '../reply-error.ts';

/** IntakeResult is what the intake did with a group, or that it is too busy to take it now. */
export type IntakeResult =
  | { outcome: 'opened' | 'updated' | 'duplicate' | 'resolved'; incident: string }
  | { outcome: 'overloaded'; retryAfterSeconds: number };

/** AlertIntake takes a validated alert group; it records it and answers without investigating. */
export interface AlertIntake {
  receive(group: AlertGroup): Promise<IntakeResult>;
}

/**
 * WebhookAuth lists the credentials Alertmanager may present (`http_config.authorization` or
 * `http_config.basic_auth`). At least one is required unless `allowUnauthenticated` (demo only).
 */
export interface WebhookAuth {
  bearerTokens?: string[];
  basic?: { username: string; password: string }[];
  allowUnauthenticated?: boolean;
}

/** AlertmanagerRouteDeps are what the webhook route needs. */
export interface AlertmanagerRouteDeps {
  intake: AlertIntake;
  auth: WebhookAuth;
  log?: Logger;
  /** bodyLimit in bytes; default 1 MiB (a 1000-alert group with big annotations fits). */
  bodyLimit?: number;
}

/** ALERTMANAGER_WEBHOOK_PATH is where Alertmanager's webhook_configs url points. */
export const ALERTMANAGER_WEBHOOK_PATH = '/api/v1/alertmanager';

const defaultBodyLimit = 1024 * 1024;

/**
 * webhookAuthFromEnv reads `TRUEUP_WEBHOOK_TOKEN` (comma-separated bearer tokens, so a token can be
 * rotated without downtime) and `TRUEUP_WEBHOOK_BASIC_AUTH` (`user:password`).
 */
export function webhookAuthFromEnv(env: Record<string, string | undefined>): WebhookAuth {
  const auth: WebhookAuth = {};
  const tokens = (env.TRUEUP_WEBHOOK_TOKEN ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  // The values are secrets: errors name the variable, never echo them.
  tokens.forEach((t, i) => {
    if (t.length < MIN_TOKEN_LENGTH)
      throw new AuthConfigError(
        `TRUEUP_WEBHOOK_TOKEN entry ${i + 1}: at least ${MIN_TOKEN_LENGTH} characters (e.g. openssl rand -hex 24)`,
      );
  });
  if (tokens.length > 0) auth.bearerTokens = tokens;
  const basic = env.TRUEUP_WEBHOOK_BASIC_AUTH;
  if (basic) {
    const colon = basic.indexOf(':');
    if (colon <= 0 || colon === basic.length - 1)
      throw new AuthConfigError('TRUEUP_WEBHOOK_BASIC_AUTH must be `user:password` (both non-empty)');
    if (basic.length - colon - 1 < MIN_TOKEN_LENGTH)
      throw new AuthConfigError(
        `TRUEUP_WEBHOOK_BASIC_AUTH: the password needs at least ${MIN_TOKEN_LENGTH} characters`,
      );
    auth.basic = [{ username: basic.slice(0, colon), password: basic.slice(colon + 1) }];
  }
  return auth;
}

/** registerAlertmanagerRoute registers `POST /api/v1/alertmanager` on the app. */
export function registerAlertmanagerRoute(app: FastifyInstance, deps: AlertmanagerRouteDeps): void {
  const { intake, auth } = deps;
  if (!hasCredentials(auth) && !auth.allowUnauthenticated)
    throw new Error(
      'the Alertmanager webhook needs a credential: set TRUEUP_WEBHOOK_TOKEN or TRUEUP_WEBHOOK_BASIC_AUTH',
    );
  const log: FastifyBaseLogger = deps.log ?? app.log;
  const challenge = challengeFor(auth);

  app.post(ALERTMANAGER_WEBHOOK_PATH, {
    // Checked below, before anything else: console credentials do not count here.
    config: { access: 'webhook' },
    bodyLimit: deps.bodyLimit ?? defaultBodyLimit,
    // Both checks run before the body is read: an unauthenticated or non-JSON caller costs nothing.
    onRequest: async (req, reply) => {
      if (!auth.allowUnauthenticated && !isWebhookAuthorized(req.headers.authorization, auth)) {
        log.warn({ route: 'alertmanager', status: 401 }, 'alertmanager webhook: unauthorized');
        return replyError(
          reply.header('WWW-Authenticate', challenge),
          'TRUEUP_UNAUTHORIZED',
          'missing or wrong webhook credentials',
        );
      }
      if (!isJson(req.headers['content-type']))
        return replyError(
          reply,
          'TRUEUP_UNSUPPORTED_MEDIA_TYPE',
          'the Alertmanager webhook body must be application/json',
        );
    },
    // Errors raised while reading or parsing the body (too large, bad JSON) land here.
    errorHandler: (error, _req, reply) => replyWithError(error, reply, log),
    handler: async (req, reply) => receive(req, reply, intake, log),
  });
}

async function receive(
  req: FastifyRequest,
  reply: FastifyReply,
  intake: AlertIntake,
  log: FastifyBaseLogger,
) {
  const parsed = parseAlertGroup(req.body);
  if (!parsed.ok) {
    // The reason can quote label names: debug only.
    log.warn({ route: 'alertmanager', status: 400 }, 'alertmanager webhook: invalid alert group');
    log.debug({ route: 'alertmanager', reason: parsed.error }, 'alertmanager webhook: invalid alert group');
    return replyError(reply, 'TRUEUP_BAD_ALERT', parsed.error);
  }
  const { group } = parsed;
  const fields = {
    route: 'alertmanager',
    groupKey: shortDigest(group.groupKey),
    alerts: group.alerts.length,
    status: group.status,
  };
  let result: IntakeResult;
  try {
    result = await intake.receive(group);
  } catch (error) {
    log.error({ ...fields, err: error }, 'alertmanager webhook: intake failed');
    return replyError(reply, 'TRUEUP_INTAKE_FAILED', 'the alert could not be taken in; retry later');
  }
  if (result.outcome === 'overloaded') {
    const seconds = Math.max(1, Math.ceil(result.retryAfterSeconds));
    log.warn({ ...fields, outcome: result.outcome, retryAfterSeconds: seconds }, 'alertmanager webhook');
    return replyError(
      reply.header('Retry-After', String(seconds)),
      'TRUEUP_OVERLOADED',
      `too many investigations queued; retry in ${seconds} s`,
    );
  }
  log.info({ ...fields, outcome: result.outcome, incident: result.incident }, 'alertmanager webhook');
  return reply.code(200).send({ incident: result.incident, outcome: result.outcome });
}

/** replyWithError maps fastify's body-reading errors to our coded JSON; anything else is a 500. */
function replyWithError(error: FastifyError, reply: FastifyReply, log: FastifyBaseLogger) {
  const status = error.statusCode ?? 500;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
    log.warn({ route: 'alertmanager', status: 413 }, 'alertmanager webhook: body too large');
    return replyError(reply, 'TRUEUP_ALERT_TOO_LARGE', 'the alert group is larger than the body limit');
  }
  if (status === 415)
    return replyError(
      reply,
      'TRUEUP_UNSUPPORTED_MEDIA_TYPE',
      'the Alertmanager webhook body must be application/json',
    );
  if (status >= 400 && status < 500) {
    log.warn(
      { route: 'alertmanager', status: 400, code: error.code },
      'alertmanager webhook: unreadable body',
    );
    return replyError(
      reply,
      'TRUEUP_BAD_ALERT',
      `the body could not be read as JSON: ${jsonErrorWhere(error)}`,
    );
  }
  log.error({ route: 'alertmanager', err: error }, 'alertmanager webhook: unexpected error');
  return replyError(reply, 'TRUEUP_INTERNAL', 'internal error');
}

function hasCredentials(auth: WebhookAuth): boolean {
  return (auth.bearerTokens?.length ?? 0) > 0 || (auth.basic?.length ?? 0) > 0;
}

function challengeFor(auth: WebhookAuth): string {
  const schemes: string[] = [];
  if (auth.bearerTokens?.length) schemes.push('Bearer realm="trueup"');
  if (auth.basic?.length) schemes.push('Basic realm="trueup", charset="UTF-8"');
  return schemes.length > 0 ? schemes.join(', ') : 'Bearer realm="trueup"';
}

function isJson(contentType: string | undefined): boolean {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  return media === 'application/json';
}

/** isWebhookAuthorized checks an Authorization header against every configured webhook credential. */
export function isWebhookAuthorized(header: string | undefined, auth: WebhookAuth): boolean {
  if (!header) return false;
  const space = header.indexOf(' ');
  if (space < 0) return false;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return matchesAny(value, auth.bearerTokens ?? []);
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    // No early exit: every configured pair is compared, whichever matches.
    let ok = false;
    for (const pair of auth.basic ?? []) {
      const userMatches = safeEqual(username, pair.username);
      const passwordMatches = safeEqual(password, pair.password);
      ok = (userMatches && passwordMatches) || ok;
    }
    return ok;
  }
  return false;
}

function matchesAny(presented: string, allowed: string[]): boolean {
  let ok = false;
  for (const candidate of allowed) ok = safeEqual(presented, candidate) || ok;
  return ok;
}

/** safeEqual compares SHA-256 digests in constant time, so neither content nor length leaks. */
function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function shortDigest(text: string): string {
  return `sha256:${sha256(text).toString('hex').slice(0, 12)}`;
}
