/**
 * The auth edge: resolves the caller of every `/api/v1` request (bearer token, session cookie or
 * trusted proxy header), refuses the unauthenticated, checks CSRF on state-changing browser
 * requests, and serves whoami / login / logout.
 *   GET  /api/v1/whoami   {user, role, auth: off|token|proxy, csrfToken?}
 *   POST /api/v1/login    {token} -> session cookie + {user, role, csrfToken}
 *   POST /api/v1/logout   clears the cookie
 */
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
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

declare module 'fastify' {
  interface FastifyRequest {
    consoleUser?: ConsoleUser;
    /** credential is the ambient credential CSRF tokens are bound to (cookie value, proxy user). */
    credential?: string;
  }
}

const sessionCookie = 'trueup_session';
/** Paths with their own authentication (or none needed to start one). */
const openPaths = new Set(['/api/v1/whoami', '/api/v1/login', '/api/v1/logout', '/api/v1/alertmanager']);
const loginBody = z.object({ token: z.string().min(1).max(4096) }).strict();

/** registerAuth adds the auth hook and routes to the app. */
export async function registerAuth(app: FastifyInstance, config: AuthConfig): Promise<void> {
  await app.register(cookie);
  app.decorateRequest('consoleUser', undefined);
  app.decorateRequest('credential', undefined);
  app.addHook('onRequest', async (req, reply) => {
    identify(config, req);
    const path = req.url.split('?')[0] as string;
    if (!path.startsWith('/api/v1/') || openPaths.has(path)) return;
    if (!req.consoleUser) return unauthorized(reply);
    if (req.method !== 'GET' && req.method !== 'HEAD' && !checkCsrf(config, req)) {
      return reply.code(403).send({
        error: 'TRUEUP_CSRF',
        message: 'missing or wrong X-CSRF-Token (get one from GET /api/v1/whoami)',
      });
    }
  });

  app.get('/api/v1/whoami', async (req) => ({
    user: req.consoleUser?.name ?? null,
    role: req.consoleUser?.role ?? null,
    auth: config.mode === 'off' ? 'off' : config.proxy ? 'proxy' : 'token',
    ...(req.credential ? { csrfToken: csrfTokenFor(config, req.credential) } : {}),
  }));
  app.post('/api/v1/login', async (req, reply) => {
    const body = loginBody.safeParse(req.body);
    const user = body.success ? userOfBearer(config, body.data.token) : undefined;
    if (!user) return unauthorized(reply);
    const value = issueSession(config, user);
    reply.setCookie(sessionCookie, value, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: req.protocol === 'https',
      maxAge: config.sessionHours * 3600,
    });
    return { user: user.name, role: user.role, csrfToken: csrfTokenFor(config, value) };
  });
  app.post('/api/v1/logout', async (_req, reply) => {
    reply.clearCookie(sessionCookie, { path: '/' });
    return reply.code(204).send();
  });
}

function identify(config: AuthConfig, req: FastifyRequest): void {
  if (config.mode === 'off') {
    req.consoleUser = { name: 'demo', role: 'operator', via: 'off' };
    req.credential = 'off';
    return;
  }
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const user = userOfBearer(config, header.slice('Bearer '.length).trim());
    if (user) req.consoleUser = user;
    return;
  }
  const session = req.cookies[sessionCookie];
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
  // A bearer token is never sent by a browser on its own: no ambient credential, no CSRF.
  if (req.consoleUser?.via === 'bearer') return true;
  if (req.headers['sec-fetch-site'] === 'cross-site') return false;
  // Auth off (demo): no credential to bind a token to; refuse only what a browser marks as coming
  // from another origin, so curl and scripts work as in the demo's instructions.
  if (req.consoleUser?.via === 'off') {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    return URL.canParse(origin) && new URL(origin).host === req.headers.host;
  }
  const token = req.headers['x-csrf-token'];
  return isValidCsrf(config, req.credential ?? '', Array.isArray(token) ? token[0] : token);
}

function unauthorized(reply: FastifyReply) {
  return reply.code(401).send({
    error: 'TRUEUP_UNAUTHORIZED',
    message: 'log in (POST /api/v1/login) or send Authorization: Bearer <token>',
  });
}

/** requireOperator is a preHandler for actions only operators may take. */
export async function requireOperator(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.consoleUser?.role !== 'operator') {
    return reply.code(403).send({
      error: 'TRUEUP_FORBIDDEN',
      message: `${req.consoleUser?.name ?? 'you'} (${req.consoleUser?.role ?? 'no role'}) may not do this: it needs the operator role`,
    });
  }
}
