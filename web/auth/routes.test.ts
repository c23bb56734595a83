import { describe, expect, it } from 'vitest';
import type { Daemon } from '../../reconciler/daemon/daemon.ts';
import { createMetrics } from '../../reconciler/daemon/metrics.ts';
import { openAuditStore } from '../../reconciler/store/store.ts';
import type { ApprovalDeps } from '../../reconciler/sync/approvals.ts';
import { buildServer } from '../server.ts';
import { type AuthConfig, authConfigFromEnv, issueSession, parseConsoleTokens } from './auth.ts';

const alice = 'alice-token-0123456789';
const bob = 'bob-token-0123456789ab';
const tokens = `alice:operator:${alice},bob:viewer:${bob}`;
const sessionSecret = 'session-secret-0123456789abcdef0123';

async function server(auth: AuthConfig) {
  const store = openAuditStore(':memory:');
  const daemon = {
    status: () => ({ ready: true, revision: 'abc', clusters: [], errors: [] }),
    drifts: async () => [],
    onEvent: () => () => {},
  } as unknown as Daemon;
  const approvals = { store, loadState: async () => ({}) } as unknown as ApprovalDeps;
  return buildServer({
    daemon,
    metrics: createMetrics(),
    store,
    auth,
    approvals,
    consoleDir: '/nonexistent',
  });
}

const tokenAuth = (list = tokens) =>
  authConfigFromEnv({ TRUEUP_CONSOLE_TOKENS: list, TRUEUP_SESSION_SECRET: sessionSecret });

async function login(app: Awaited<ReturnType<typeof server>>, token: string) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/login', payload: { token } });
  const cookie = res.cookies.find((c) => c.name === 'trueup_session');
  return {
    res,
    cookie: cookie ? `trueup_session=${cookie.value}` : '',
    csrf: res.json().csrfToken as string,
  };
}

describe('console authentication', () => {
  it('refuses the API without credentials, and serves it to a bearer token', async () => {
    const app = await server(tokenAuth());
    expect((await app.inject({ url: '/api/v1/status' })).statusCode).toBe(401);
    expect(
      (await app.inject({ url: '/api/v1/status', headers: { authorization: 'Bearer nope-nope-nope' } }))
        .statusCode,
    ).toBe(401);
    const ok = await app.inject({ url: '/api/v1/status', headers: { authorization: `Bearer ${bob}` } });
    expect(ok.statusCode).toBe(200);
    // Health and metrics stay open for probes and Prometheus.
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('logs in with a token: an HttpOnly SameSite=Strict session cookie, and whoami tells the role', async () => {
    const app = await server(tokenAuth());
    const { res, cookie } = await login(app, alice);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ user: 'alice', role: 'operator', csrfToken: expect.any(String) });
    const set = res.cookies.find((c) => c.name === 'trueup_session');
    expect(set).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    const who = await app.inject({ url: '/api/v1/whoami', headers: { cookie } });
    expect(who.json()).toMatchObject({ user: 'alice', role: 'operator', auth: 'token' });
    expect(
      (await app.inject({ method: 'POST', url: '/api/v1/login', payload: { token: 'wrong-token' } }))
        .statusCode,
    ).toBe(401);
  });

  it('refuses a state-changing browser request without the CSRF token, or from another site', async () => {
    const app = await server(tokenAuth());
    const { cookie, csrf } = await login(app, alice);
    const approve = (headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/approvals/a1/approve',
        headers: { cookie, ...headers },
        payload: {},
      });
    expect((await approve({})).json()).toMatchObject({ error: 'TRUEUP_CSRF' });
    expect((await approve({ 'x-csrf-token': 'forged' })).statusCode).toBe(403);
    expect((await approve({ 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    // With the token the request reaches the approval path (no such approval: refused, 409).
    const through = await approve({ 'x-csrf-token': csrf });
    expect(through.statusCode).toBe(409);
    expect(through.json()).toEqual({ ok: false, reason: 'no approval a1', code: 'TRUEUP_APPROVAL_REFUSED' });
  });

  it('lets a viewer read but not approve', async () => {
    const app = await server(tokenAuth());
    const { cookie, csrf } = await login(app, bob);
    expect((await app.inject({ url: '/api/v1/approvals', headers: { cookie } })).statusCode).toBe(200);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/approvals/a1/approve',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: {},
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({
      error: 'TRUEUP_FORBIDDEN',
      message: expect.stringContaining('operator role'),
    });
  });

  it('refuses a tampered or expired session', async () => {
    const config = tokenAuth();
    const app = await server(config);
    const expired = issueSession(
      config,
      { name: 'alice', role: 'operator' },
      alice,
      Date.now() - 13 * 3600_000,
    );
    expect(
      (await app.inject({ url: '/api/v1/status', headers: { cookie: `trueup_session=${expired}` } }))
        .statusCode,
    ).toBe(401);
    const [payload] = issueSession(config, { name: 'bob', role: 'viewer' }, bob).split('.');
    const forged = `${Buffer.from(JSON.stringify({ u: 'bob', r: 'operator', e: Date.now() + 1e6 })).toString('base64url')}.${payload}`;
    expect(
      (await app.inject({ url: '/api/v1/status', headers: { cookie: `trueup_session=${forged}` } }))
        .statusCode,
    ).toBe(401);
  });

  it('trusts a configured proxy user header, with the operator role for listed groups', async () => {
    const app = await server(
      authConfigFromEnv(
        {},
        { userHeader: 'X-Forwarded-User', groupsHeader: 'X-Forwarded-Groups', operators: ['sre'] },
      ),
    );
    const who = (headers: Record<string, string>) =>
      app.inject({ url: '/api/v1/whoami', headers }).then((r) => r.json());
    expect(await who({ 'x-forwarded-user': 'carol', 'x-forwarded-groups': 'dev, sre' })).toMatchObject({
      user: 'carol',
      role: 'operator',
      auth: 'proxy',
    });
    expect(await who({ 'x-forwarded-user': 'dan', 'x-forwarded-groups': 'dev' })).toMatchObject({
      user: 'dan',
      role: 'viewer',
    });
    expect((await app.inject({ url: '/api/v1/status' })).statusCode).toBe(401);
  });

  it('ends the sessions made with a token once that token is rotated', async () => {
    const before = tokenAuth();
    const { cookie } = await login(await server(before), alice);
    // The same user and role, a new token, the same session secret: a restart after a rotation.
    const rotated = await server(tokenAuth(`alice:operator:alice-new-token-0123456789,bob:viewer:${bob}`));
    expect((await rotated.inject({ url: '/api/v1/status', headers: { cookie } })).statusCode).toBe(401);
    // Without a rotation the session survives the restart.
    const same = await server(tokenAuth());
    expect((await same.inject({ url: '/api/v1/status', headers: { cookie } })).statusCode).toBe(200);
  });

  it('refuses to log out a valid session without its CSRF token', async () => {
    const app = await server(tokenAuth());
    const { cookie, csrf } = await login(app, alice);
    const logout = (headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/api/v1/logout', headers: { cookie, ...headers } });
    const forged = await logout({});
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ error: 'TRUEUP_CSRF' });
    expect(forged.cookies).toEqual([]);
    const real = await logout({ 'x-csrf-token': csrf });
    expect(real.statusCode).toBe(204);
    expect(real.cookies.find((c) => c.name === 'trueup_session')?.value).toBe('');
    // A stale cookie can always be cleared.
    const stale = await app.inject({
      method: 'POST',
      url: '/api/v1/logout',
      headers: { cookie: 'trueup_session=stale.value' },
    });
    expect(stale.statusCode).toBe(204);
  });

  it('rate-limits login attempts per client address, right or wrong', async () => {
    const app = await server(tokenAuth());
    const attempt = (remoteAddress: string, token: string) =>
      app.inject({ method: 'POST', url: '/api/v1/login', payload: { token }, remoteAddress });
    for (let i = 0; i < 10; i++) expect((await attempt('10.0.0.1', `guess-${i}`)).statusCode).toBe(401);
    const limited = await attempt('10.0.0.1', alice);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'TRUEUP_RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not held up by the guesser.
    expect((await attempt('10.0.0.2', alice)).statusCode).toBe(200);
  });

  it('refuses a session secret shorter than 32 characters at start, without echoing it', () => {
    const env = { TRUEUP_CONSOLE_TOKENS: tokens, TRUEUP_SESSION_SECRET: 'too-short-secret' };
    expect(() => authConfigFromEnv(env)).toThrow('TRUEUP_SESSION_SECRET: at least 32 characters');
    expect(() => authConfigFromEnv(env)).not.toThrow(/too-short-secret/);
  });

  it.each([
    // A role that does not exist.
    ['alice:admin:alice-token-1', 'entry 1'],
    // A token too short to be a secret.
    ['alice:operator:short-token-15c', 'at least 16'],
  ])('refuses TRUEUP_CONSOLE_TOKENS %s without echoing the token', (text, message) => {
    expect(() => parseConsoleTokens(text)).toThrow(message);
    try {
      parseConsoleTokens(text);
    } catch (err) {
      expect((err as Error).message).not.toContain(text.split(':')[2]);
    }
  });
});
