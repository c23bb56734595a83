import { describe, expect, it } from 'vitest';
import type { Daemon } from '../../reconciler/daemon.ts';
import { createMetrics } from '../../reconciler/metrics.ts';
import { openAuditStore } from '../../reconciler/store.ts';
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

describe('the daemon HTTP API', () => {
  it.each([
    [true, 200],
    [false, 503],
  ])('answers /readyz by readiness (ready=%s -> %i)', async (ready, code) => {
    const res = await (await server(ready)).inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(code);
    expect(res.json()).toEqual({ ready, revision: 'abc' });
  });

  it('refuses a bad history query with a readable reason', async () => {
    const res = await (await server()).inject({ method: 'GET', url: '/api/v1/history?limit=0&colour=red' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: 'TRUEUP_BAD_QUERY',
      message: expect.stringContaining('limit'),
    });
  });

  it('answers a failed git refresh with 502 and the error', async () => {
    const res = await (await server(true, 'cannot fetch /repo')).inject({
      method: 'POST',
      url: '/api/v1/git/refresh',
    });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ error: 'cannot fetch /repo' });
  });

  it('serves Prometheus metrics', async () => {
    const res = await (await server()).inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('# TYPE trueup_remediations_total counter');
  });
});
