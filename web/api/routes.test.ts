import { describe, expect, it } from 'vitest';
import type { Daemon } from '../../reconciler/daemon/daemon.ts';
import { createMetrics } from '../../reconciler/daemon/metrics.ts';
import { openAuditStore } from '../../reconciler/store/store.ts';
import { authConfigFromEnv } from '../auth/auth.ts';
import { buildServer } from '../server.ts';

/** A daemon stand-in with a fixed status: these tests are about the HTTP mapping only. */
function daemonWith(ready: boolean, refreshError?: string): Daemon {
  return {
    status: () => ({ ready, revision: 'abc', clusters: [], errors: [] }),
    drifts: async () => [],
    refresh: async () => ({
      revision: 'abc',
      changed: false,
      ...(refreshError ? { error: refreshError } : {}),
    }),
  } as unknown as Daemon;
}

function server(ready = true, refreshError?: string) {
  return buildServer({
    daemon: daemonWith(ready, refreshError),
    metrics: createMetrics(),
    store: openAuditStore(':memory:'),
    auth: authConfigFromEnv({}, undefined, true),
  });
}

const operatorToken = 'olivia-operator-token-0123';
const viewerToken = 'victor-viewer-token-01234';
const webhookToken = 'push-webhook-token-0123456';

function tokenServer(refresh: Daemon['refresh']) {
  return buildServer({
    daemon: { ...daemonWith(true), refresh } as unknown as Daemon,
    metrics: createMetrics(),
    store: openAuditStore(':memory:'),
    auth: authConfigFromEnv({
      TRUEUP_CONSOLE_TOKENS: `olivia:operator:${operatorToken},victor:viewer:${viewerToken}`,
    }),
    alerts: {
      intake: { receive: async () => ({ outcome: 'duplicate', incident: 'i' }) },
      auth: { bearerTokens: [webhookToken] },
    },
  });
}

describe('the daemon HTTP API', () => {
  it.each([
    [true, 200],
    [false, 503],
  ])('answers /readyz by readiness (ready=%s -> %i)', async (ready, code) => {
    const res = await (await server(ready)).inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(code);
    expect(res.json()).toEqual({ ready, revision: 'abc' });
  });

  it('answers /readyz not ready while the audit store does not answer (a PostgreSQL restart)', async () => {
    const store = openAuditStore(':memory:');
    const app = await buildServer({
      daemon: daemonWith(true),
      metrics: createMetrics(),
      store: { ...store, ping: () => Promise.reject(new Error('connection refused')) },
      auth: authConfigFromEnv({}, undefined, true),
    });
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ready: false, revision: 'abc' });
  });

  it('refuses a bad history query with a readable reason', async () => {
    const res = await (await server()).inject({ method: 'GET', url: '/api/v1/history?limit=0&colour=red' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: 'TRUEUP_BAD_QUERY',
      message: expect.stringContaining('limit'),
    });
  });

  it('filters history by kind, and refuses a kind trueup does not manage', async () => {
    const store = openAuditStore(':memory:');
    const drift = (kind: 'ConfigMap' | 'Secret') => ({
      cluster: 'c1',
      kind,
      namespace: 'ns',
      name: 'app',
      status: 'modified' as const,
      changes: [],
      driftedBy: [],
    });
    await store.recordDrift('rev1', drift('ConfigMap'));
    await store.recordDrift('rev1', drift('Secret'));
    const app = await buildServer({
      daemon: daemonWith(true),
      metrics: createMetrics(),
      store,
      auth: authConfigFromEnv({}, undefined, true),
    });
    const history = (query: string) => app.inject({ method: 'GET', url: `/api/v1/history?${query}` });
    const all = await history('cluster=c1&name=app');
    expect(all.json().drifts.map((r: { drift: { kind: string } }) => r.drift.kind)).toEqual([
      'Secret',
      'ConfigMap',
    ]);
    const secrets = await history('cluster=c1&name=app&kind=Secret');
    expect(secrets.statusCode).toBe(200);
    expect(secrets.json().drifts.map((r: { drift: { kind: string } }) => r.drift.kind)).toEqual(['Secret']);
    const bad = await history('kind=Deployment');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'TRUEUP_BAD_QUERY', message: expect.stringContaining('kind') });
  });

  it('answers a failed git refresh with 502 and the error', async () => {
    const res = await (await server(true, 'cannot fetch /repo')).inject({
      method: 'POST',
      url: '/api/v1/git/refresh',
    });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ error: 'cannot fetch /repo' });
  });

  it('lets only an operator or the webhook token refresh the repo', async () => {
    const app = await tokenServer(async () => ({ revision: 'abc', changed: false }));
    const refresh = (authorization?: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/git/refresh',
        ...(authorization ? { headers: { authorization } } : {}),
      });
    expect((await refresh()).statusCode).toBe(401);
    expect((await refresh(`Bearer ${viewerToken}`)).json()).toMatchObject({ error: 'TRUEUP_FORBIDDEN' });
    expect((await refresh(`Bearer ${operatorToken}`)).statusCode).toBe(200);
    expect((await refresh(`Bearer ${webhookToken}`)).statusCode).toBe(200);
  });

  it('answers 50 concurrent refreshes with at most two fetches', async () => {
    let fetches = 0;
    let release: () => void = () => {};
    const app = await tokenServer(async () => {
      fetches++;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return { revision: `r${fetches}`, changed: true };
    });
    const calls = Array.from({ length: 50 }, (_, i) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/git/refresh',
        headers: { authorization: `Bearer ${webhookToken}` },
        remoteAddress: `10.0.0.${i}`,
      }),
    );
    // Let the requests reach the handler, then finish each fetch that starts.
    while (fetches < 2) {
      await new Promise((resolve) => setImmediate(resolve));
      release();
    }
    release();
    const answers = await Promise.all(calls);
    expect(fetches).toBe(2);
    const codes = answers.map((a) => a.statusCode);
    // One bucket per caller: the webhook may start 10 at once; the rest are told to wait.
    expect(codes.filter((c) => c === 200)).toHaveLength(10);
    expect(codes.filter((c) => c === 429)).toHaveLength(40);
    expect(answers.find((a) => a.statusCode === 429)?.headers['retry-after']).toBeDefined();
  });

  it('serves Prometheus metrics', async () => {
    const res = await (await server()).inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('# TYPE trueup_remediations_total counter');
  });
});

describe('the history search by user', () => {
  it("answers the drifts a user made and the user's audit log writes, and no remediations", async () => {
    const store = openAuditStore(':memory:');
    const drift = (name: string, user: string | null) => ({
      cluster: 'c1',
      kind: 'ConfigMap' as const,
      namespace: 'shop',
      name,
      status: 'modified' as const,
      changes: [{ path: 'data.a', type: 'changed' as const }],
      driftedBy: [{ manager: 'kubectl-edit', operation: 'Update', paths: ['data.a'], user }],
    });
    await store.recordDrift('rev', drift('by-alice', 'alice@corp'));
    await store.recordDrift('rev', drift('by-bob', 'bob@corp'));
    await store.recordDrift('rev', drift('nobody', null));
    await store.recordAuditEvents([
      {
        cluster: 'c1',
        kind: 'ConfigMap',
        namespace: 'shop',
        name: 'by-alice',
        auditID: 'id-1',
        verb: 'patch',
        user: 'alice@corp',
        groups: [],
        userAgent: 'kubectl/v1.33.0',
        sourceIPs: ['10.0.0.5'],
        requestTime: '2026-12-03T10:31:07.000Z',
        stageTime: '2026-12-03T10:31:07.010Z',
      },
    ]);
    const app = await buildServer({
      daemon: daemonWith(true),
      metrics: createMetrics(),
      store,
      auth: authConfigFromEnv({}, undefined, true),
    });
    const res = await app.inject({ url: '/api/v1/history?user=alice&cluster=c1' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.drifts.map((r: { drift: { name: string } }) => r.drift.name)).toEqual(['by-alice']);
    expect(body.remediations).toEqual([]);
    expect(body.audit.map((r: { auditID: string }) => r.auditID)).toEqual(['id-1']);
  });
});
