/**
 * Console and API authentication: who is asking, and may they act. Three ways in, one answer
 * (a user with the role `viewer` or `operator`):
 * - `Authorization: Bearer <token>` with a token from TRUEUP_CONSOLE_TOKENS (scripts; also what the
 *   console's login form exchanges for a session cookie);
 * - the session cookie set by `POST /api/v1/login` (HttpOnly, SameSite=Strict, signed);
 * - a trusted authenticating reverse proxy's user (and groups) header, oauth2-proxy style, only when
 *   configured — the header is trusted blindly, so only do this behind that proxy.
 * Browser-borne credentials (cookie, proxy) are ambient, so every state-changing request made with
 * them must carry the CSRF token the server handed out (`X-CSRF-Token`), bound to that credential.
 * `off` is for `trueup demo` only: everyone is the operator `demo`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TrueupCode } from '../../reconciler/core/errors.ts';
import { type ProxyJwtConfig, verifyProxyJwt } from './proxy-jwt.ts';

/** Role is what a user may do: viewers read, operators also approve, reject and remediate. */
export type Role = 'viewer' | 'operator';

/** ConsoleUser is an authenticated caller. */
export interface ConsoleUser {
  name: string;
  role: Role;
  /** via says how the caller authenticated; bearer requests need no CSRF token. */
  via: 'bearer' | 'session' | 'proxy' | 'off';
}

/** AuthConfig configures authentication. */
export interface AuthConfig {
  mode: 'off' | 'on';
  tokens: { user: string; role: Role; token: string }[];
  /**
   * proxy: an authenticating reverse proxy's user — from a signed JWT (`jwt`, verified), or from
   * plain headers (`userHeader`, trusted as is: only when nothing but the proxy can reach trueup).
   */
  proxy?: { userHeader?: string; groupsHeader?: string; operators: string[]; jwt?: ProxyJwtConfig };
  /** secret signs session cookies and CSRF tokens (random per process unless configured). */
  secret: Buffer;
  /** sessionHours is how long a login lasts. */
  sessionHours: number;
}

/** MIN_TOKEN_LENGTH is the shortest console or webhook token accepted (a guessable token is none). */
export const MIN_TOKEN_LENGTH = 16;
/** MIN_SECRET_LENGTH is the shortest signing key accepted (TRUEUP_SESSION_SECRET, an HS256 proxy key). */
export const MIN_SECRET_LENGTH = 32;

/** AuthConfigError is a configuration the daemon refuses to start with; it never echoes a secret. */
export class AuthConfigError extends Error {
  readonly code: TrueupCode = 'TRUEUP_AUTH_CONFIG';
  override name = 'AuthConfigError';
}

/** parseConsoleTokens reads `user:role:token,…`; the error never echoes a token. */
export function parseConsoleTokens(text: string | undefined): AuthConfig['tokens'] {
  if (!text?.trim()) return [];
  return text.split(',').map((entry, i) => {
    const [user, role, ...rest] = entry.trim().split(':');
    const token = rest.join(':');
    if (!user || (role !== 'viewer' && role !== 'operator') || token.length < MIN_TOKEN_LENGTH) {
      throw new AuthConfigError(
        `TRUEUP_CONSOLE_TOKENS entry ${i + 1}: expected user:viewer|operator:token (token at least ${MIN_TOKEN_LENGTH} characters; e.g. openssl rand -hex 24)`,
      );
    }
    return { user, role, token };
  });
}

/** sessionSecretFromEnv reads TRUEUP_SESSION_SECRET (at least 32 characters), else a random key. */
export function sessionSecretFromEnv(env: Record<string, string | undefined>): Buffer {
  const text = env.TRUEUP_SESSION_SECRET;
  if (text === undefined || text === '') return randomBytes(32);
  if (text.length < MIN_SECRET_LENGTH)
    throw new AuthConfigError(
      `TRUEUP_SESSION_SECRET: at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -hex 32)`,
    );
  return Buffer.from(text, 'utf8');
}

/** authConfigFromEnv builds the configuration from the environment and the proxy options. */
export function authConfigFromEnv(
  env: Record<string, string | undefined>,
  proxy?: AuthConfig['proxy'],
  off = false,
): AuthConfig {
  const secret = sessionSecretFromEnv(env);
  return {
    mode: off ? 'off' : 'on',
    tokens: parseConsoleTokens(env.TRUEUP_CONSOLE_TOKENS),
    ...(proxy ? { proxy } : {}),
    secret,
    sessionHours: 12,
  };
}

function digestEqual(a: string, b: string): boolean {
  // Hashing first makes the comparison constant-time whatever the lengths.
  const h = (s: string) => createHmac('sha256', 'trueup-compare').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

/** userOfBearer finds the token's user; every token is compared so timing says nothing. */
export function userOfBearer(config: AuthConfig, token: string): ConsoleUser | undefined {
  let found: ConsoleUser | undefined;
  for (const t of config.tokens) {
    if (digestEqual(t.token, token) && !found) found = { name: t.user, role: t.role, via: 'bearer' };
  }
  return found;
}

function sign(config: AuthConfig, payload: string): string {
  return createHmac('sha256', config.secret).update(payload).digest('base64url');
}

/** tokenFingerprint names a token inside a session without holding it: rotating the token ends the session. */
function tokenFingerprint(config: AuthConfig, token: string): string {
  return sign(config, `token:${token}`).slice(0, 22);
}

/** issueSession returns a signed session value for a user logged in with `token` (the cookie's content). */
export function issueSession(
  config: AuthConfig,
  user: { name: string; role: Role },
  token: string,
  now = Date.now(),
): string {
  const payload = Buffer.from(
    JSON.stringify({
      u: user.name,
      r: user.role,
      t: tokenFingerprint(config, token),
      e: now + config.sessionHours * 3600_000,
    }),
  ).toString('base64url');
  return `${payload}.${sign(config, payload)}`;
}

/** userOfSession checks a session value's signature and expiry. */
export function userOfSession(config: AuthConfig, value: string, now = Date.now()): ConsoleUser | undefined {
  const [payload, mac] = value.split('.');
  if (!payload || !mac || !digestEqual(sign(config, payload), mac)) return undefined;
  try {
    const { u, r, t, e } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof u !== 'string' || (r !== 'viewer' && r !== 'operator') || typeof e !== 'number' || e < now)
      return undefined;
    // A token removed or rotated in the configuration ends the sessions made with it.
    const still = config.tokens.find(
      (c) => c.user === u && c.role === r && typeof t === 'string' && tokenFingerprint(config, c.token) === t,
    );
    return still ? { name: u, role: r, via: 'session' } : undefined;
  } catch {
    return undefined;
  }
}

/** userOfProxy reads the proxy's user: from its verified JWT when configured, else its headers. */
export function userOfProxy(
  config: AuthConfig,
  headers: Record<string, string | string[] | undefined>,
): ConsoleUser | undefined {
  const proxy = config.proxy;
  if (!proxy) return undefined;
  const one = (name: string) => {
    const v = headers[name.toLowerCase()];
    return (Array.isArray(v) ? v[0] : v)?.trim();
  };
  let name: string | undefined;
  let groups: string[] = [];
  if (proxy.jwt) {
    const raw = one(proxy.jwt.header);
    const token = raw?.replace(/^Bearer\s+/i, '');
    const identity = token ? verifyProxyJwt(proxy.jwt, token) : undefined;
    if (!identity?.ok) return undefined;
    name = identity.user;
    groups = identity.groups;
  } else if (proxy.userHeader) {
    name = one(proxy.userHeader);
    groups = proxy.groupsHeader ? (one(proxy.groupsHeader) ?? '').split(',').map((g) => g.trim()) : [];
  }
  if (!name) return undefined;
  const operator = proxy.operators.some((o) => o === name || groups.includes(o));
  return { name, role: operator ? 'operator' : 'viewer', via: 'proxy' };
}

/** csrfTokenFor is the CSRF token bound to an ambient credential (session value or proxy user). */
export function csrfTokenFor(config: AuthConfig, credential: string): string {
  return sign(config, `csrf:${credential}`);
}

/** isValidCsrf checks a request's X-CSRF-Token against its credential. */
export function isValidCsrf(config: AuthConfig, credential: string, token: string | undefined): boolean {
  return token !== undefined && digestEqual(csrfTokenFor(config, credential), token);
}
