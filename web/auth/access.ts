/**
 * Who may call a route: every route of the HTTP server declares it in its config
 * (`{ config: { access: 'viewer' } }`), and the auth hook decides on the route the router matched,
 * never on the raw URL, so `/%61pi/v1/drifts` is the same route with the same rule as
 * `/api/v1/drifts`. A route that declares nothing is refused to everyone (default deny).
 * Pure: no fastify, no I/O.
 */

/**
 * Access is the caller a route admits:
 * - `public`: anyone (health, readiness, metrics, whoami, login, logout, the console's files);
 * - `viewer` / `operator`: a console user with at least that role;
 * - `operator-or-webhook`: an operator, or a caller with the webhook credentials (`TRUEUP_WEBHOOK_TOKEN`,
 *   for push hooks: `POST /api/v1/git/refresh`);
 * - `webhook`, `slack`, `mattermost`, `audit`: the route checks its own credentials (the Alertmanager
 *   webhook token, Slack's request signature, Mattermost's command token, the cluster's audit webhook
 *   token); console credentials never count.
 */
export type Access =
  | 'public'
  | 'viewer'
  | 'operator'
  | 'operator-or-webhook'
  | 'webhook'
  | 'slack'
  | 'mattermost'
  | 'audit';

/** ACCESS_LEVELS lists every Access value (for schemas, tests and docs). */
export const ACCESS_LEVELS: readonly Access[] = [
  'public',
  'viewer',
  'operator',
  'operator-or-webhook',
  'webhook',
  'slack',
  'mattermost',
  'audit',
];

/** Caller is what the auth hook learned about a request's credentials. */
export interface Caller {
  /** role of the console user, when one authenticated. */
  role?: 'viewer' | 'operator';
  /** name of the console user, for messages. */
  name?: string;
  /** webhook is true when the request carries valid webhook credentials. */
  webhook?: boolean;
}

/** AccessDecision is the hook's answer: let the request through, or refuse it with a status. */
export type AccessDecision =
  | { ok: true }
  | { ok: false; status: 401 | 403; error: 'TRUEUP_UNAUTHORIZED' | 'TRUEUP_FORBIDDEN'; message: string };

const unauthorized: AccessDecision = {
  ok: false,
  status: 401,
  error: 'TRUEUP_UNAUTHORIZED',
  message: 'log in (POST /api/v1/login) or send Authorization: Bearer <token>',
};

/** isAccess tells a declared access value from anything else (an undeclared route has none). */
export function isAccess(value: unknown): value is Access {
  return typeof value === 'string' && (ACCESS_LEVELS as readonly string[]).includes(value);
}

/** decideAccess says whether a caller may call a route that declares `access` (undefined: nobody). */
export function decideAccess(access: unknown, caller: Caller): AccessDecision {
  if (!isAccess(access))
    return {
      ok: false,
      status: 403,
      error: 'TRUEUP_FORBIDDEN',
      message: 'this route declares no access rule, so nobody may call it',
    };
  switch (access) {
    case 'public':
    case 'webhook':
    case 'slack':
    case 'mattermost':
    case 'audit':
      // Public, or verified by the route itself before anything else runs.
      return { ok: true };
    case 'viewer':
      return caller.role ? { ok: true } : unauthorized;
    case 'operator-or-webhook':
      if (caller.webhook) return { ok: true };
      return operatorOnly(caller);
    case 'operator':
      return operatorOnly(caller);
  }
}

function operatorOnly(caller: Caller): AccessDecision {
  if (!caller.role) return unauthorized;
  if (caller.role === 'operator') return { ok: true };
  return {
    ok: false,
    status: 403,
    error: 'TRUEUP_FORBIDDEN',
    message: `${caller.name ?? 'you'} (${caller.role}) may not do this: it needs the operator role`,
  };
}

/** needsCsrf says whether a request to a route must carry the CSRF token when its credential is ambient. */
export function needsCsrf(access: unknown, method: string, csrfDeclared: boolean | undefined): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false;
  if (csrfDeclared !== undefined) return csrfDeclared;
  return access === 'viewer' || access === 'operator' || access === 'operator-or-webhook';
}
