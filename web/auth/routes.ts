/**
 * The auth edge: resolves the caller of every request (bearer token, session cookie, trusted proxy
 * header, or webhook credentials), then lets it through or refuses it by the `access` the matched
 * route declares (web/auth/access.ts) — decided on what the router matched, never on the raw URL —
 * checks CSRF on state-changing browser requests, and serves whoami / login / logout.
 *   GET  /api/v1/whoami   {user, role, auth: off|token|proxy, csrfToken?}
 *   POST /api/v1/login    {token} -> session cookie + {user, role, csrfToken}   (rate-limited per address)
 *   POST /api/v1/logout   clears the cookie (needs the CSRF token while a session is valid)
 */
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isWebhookAuthorized, type WebhookAuth } from '../alertmanager/route.ts';
import type { ApiErrorBody, LoginAnswer, Whoami } from '../contract/api.ts';
import { replyError } from '../reply-error.ts';
import { type Access, decideAccess, needsCsrf } from './access.ts';
import {
  type AuthConfig,
  type ConsoleUser,
  csrfTokenFor,
  issueSession,
  isValidCsrf,
  userOfBearer,
  userOfProxy,
  userOfSession,
} from './auth.ts';
import { RateLimiter } from './rate-limit.ts';

declare module 'fastify' {
  interface FastifyRequest {
    consoleUser?: ConsoleUser;
    /** credential is the ambient credential CSRF tokens are bound to (cookie value, proxy user). */
    credential?: string;
    /** webhookCaller is true when the request carries the webhook credentials. */
    webhookCaller?: boolean;
  }
  interface FastifyContextConfig {
    /** access declares who may call the route; a route without it is refused to everyone. */
    access?: Access;
    /** csrf overrides whether a state-changing request needs the CSRF token (default: by access). */
    csrf?: boolean;
  }
}

/** SESSION_COOKIE is the session cookie's name. */
export const SESSION_COOKIE = 'trueup_session';
const loginBody = z.object({ token: z.string().min(1).max(4096) }).strict();

/** AuthEdgeOptions are what the auth edge needs besides the console's configuration. */
export interface AuthEdgeOptions {
  /** webhook credentials, which may also call `operator-or-webhook` routes. */
  webhook?: WebhookAuth;
  /** loginLimiter bounds login attempts per client address (default: 10 at once, 10 a minute). */
  loginLimiter?: RateLimiter;
}

/** registerAuth adds the access hook and the whoami, login and logout routes to the app. */
export async function registerAuth(
  app: FastifyInstance,
  config: AuthConfig,
  options: AuthEdgeOptions = {},
): Promise<void> {
  await app.register(cookie);
  app.decorateRequest('consoleUser', undefined);
  app.decorateRequest('credential', undefined);
  app.decorateRequest('webhookCaller', undefined);
  app.addHook('onRequest', async (req, reply) => {
    identify(config, req, options.webhook);
    // No route matched: the 404 handler answers, and it serves nothing.
    if (req.routeOptions.url === undefined) return;
    const { access, csrf } = req.routeOptions.config;
    const user = req.consoleUser;
    const decision = decideAccess(access, {
      ...(user ? { role: user.role, name: user.name } : {}),
      ...(req.webhookCaller ? { webhook: true } : {}),
    });
    if (!decision.ok) return replyError(reply, decision.error, decision.message);
    if (needsCsrf(access, req.method, csrf) && !checkCsrf(config, req)) {
      return replyError(
        reply,
        'TRUEUP_CSRF',
        'missing or wrong X-CSRF-Token (get one from GET /api/v1/whoami)',
      );
    }
  });
  registerSessionRoutes(
    app,
    config,
    options.loginLimiter ?? new RateLimiter({ capacity: 10, perMinute: 10 }),
  );
}

// The answer of login (web/contract/ is what the console reads).
type LoginRoute = { Reply: LoginAnswer | ApiErrorBody };

function registerSessionRoutes(app: FastifyInstance, config: AuthConfig, limiter: RateLimiter): void {
  app.get<{ Reply: Whoami }>('/api/v1/whoami', { config: { access: 'public' } }, async (req) => ({
    user: req.consoleUser?.name ?? null,
    role: req.consoleUser?.role ?? null,
    auth: config.mode === 'off' ? 'off' : config.proxy ? 'proxy' : 'token',
    ...(req.credential ? { csrfToken: csrfTokenFor(config, req.credential) } : {}),
  }));
  app.post<LoginRoute>('/api/v1/login', { config: { access: 'public', csrf: false } }, async (req, reply) => {
    const allowed = limiter.take(req.ip);
    if (!allowed.ok)
      return replyError(
        reply.header('retry-after', String(allowed.retryAfterSeconds)),
        'TRUEUP_RATE_LIMITED',
        'too many login attempts; try again later',
      );
    const body = loginBody.safeParse(req.body);
    const token = body.success ? body.data.token : undefined;
    const user = token ? userOfBearer(config, token) : undefined;
    if (!user || !token) return unauthorized(reply);
    const value = issueSession(config, user, token);
    reply.setCookie(SESSION_COOKIE, value, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: req.protocol === 'https',
      maxAge: config.sessionHours * 3600,
    });
    return { user: user.name, role: user.role, csrfToken: csrfTokenFor(config, value) };
  });
  // Public, so that a stale cookie can always be cleared; a valid session needs its CSRF token.
  app.post('/api/v1/logout', { config: { access: 'public', csrf: true } }, async (_req, reply) => {
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });
}

function identify(config: AuthConfig, req: FastifyRequest, webhook: WebhookAuth | undefined): void {
  if (config.mode === 'off') {
    req.consoleUser = { name: 'demo', role: 'operator', via: 'off' };
    req.credential = 'off';
    return;
  }
  const header = req.headers.authorization;
  if (header) {
    const user = header.startsWith('Bearer ')
      ? userOfBearer(config, header.slice('Bearer '.length).trim())
      : undefined;
    if (user) req.consoleUser = user;
    else if (webhook && isWebhookAuthorized(header, webhook)) req.webhookCaller = true;
    // Not ours: it may still be the proxy's signed token (oauth2-proxy --pass-authorization-header).
    if (user || req.webhookCaller || !config.proxy?.jwt) return;
  }
  const session = req.cookies[SESSION_COOKIE];
  const fromSession = session ? userOfSession(config, session) : undefined;
  if (session && fromSession) {
    req.consoleUser = fromSession;
    req.credential = session;
    return;
  }
  const fromProxy = userOfProxy(config, req.headers);
  if (fromProxy) {
    req.consoleUser = fromProxy;
    req.credential = `proxy:${fromProxy.name}`;
  }
}

function checkCsrf(config: AuthConfig, req: FastifyRequest): boolean {
  // No ambient credential (a bearer token, webhook credentials, or nobody): nothing a browser
  // could send on its own, so nothing to forge.
  if (!req.consoleUser || req.consoleUser.via === 'bearer') return true;
  if (req.headers['sec-fetch-site'] === 'cross-site') return false;
  // Auth off (demo): no credential to bind a token to; refuse only what a browser marks as coming
  // from another origin, so curl and scripts work as in the demo's instructions.
  if (req.consoleUser.via === 'off') {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    return URL.canParse(origin) && new URL(origin).host === req.headers.host;
  }
  const token = req.headers['x-csrf-token'];
  return isValidCsrf(config, req.credential ?? '', Array.isArray(token) ? token[0] : token);
}

function unauthorized(reply: FastifyReply) {
  return replyError(
    reply,
    'TRUEUP_UNAUTHORIZED',
    'log in (POST /api/v1/login) or send Authorization: Bearer <token>',
  );
}
