/**
 * `POST /api/v1/preview`: an operator or the webhook token (a CI job) gets the preview JSON; a
 * viewer or nobody is refused; a bad body and a ref that names nothing are the caller's errors.
 */
import { describe, expect, it } from 'vitest';
import type { Daemon } from '../../reconciler/daemon/daemon.ts';
import { createMetrics } from '../../reconciler/daemon/metrics.ts';
import type { PreviewReport, PreviewRequest, PreviewService } from '../../reconciler/preview/model.ts';
import { openAuditStore } from '../../reconciler/store/store.ts';
import { authConfigFromEnv } from '../auth/auth.ts';
import { buildServer } from '../server.ts';

const operator = 'olivia-operator-token-0123';
const viewer = 'victor-viewer-token-01234';
const webhook = 'ci-webhook-token-0123456789';

const report: PreviewReport = {
  base: { ref: 'main', revision: 'a'.repeat(40) },
  head: { ref: 'feature', revision: 'b'.repeat(40) },
  summary: 'no change on 0 clusters',
  outcome: 'no-change',
  policies: { changed: false, decisionsChanged: 0 },
  clusters: [],
  groups: [],
  errors: [],
  baseErrors: [],
  conflicts: [],
};

async function server(preview: PreviewService) {
  return buildServer({
    daemon: {
      status: () => ({ ready: true, revision: 'abc', clusters: [], errors: [] }),
    } as unknown as Daemon,
    metrics: createMetrics(),
    store: openAuditStore(':memory:'),
    auth: authConfigFromEnv({ TRUEUP_CONSOLE_TOKENS: `olivia:operator:${operator},victor:viewer:${viewer}` }),
    alerts: {
      intake: { receive: async () => ({ outcome: 'duplicate', incident: 'i' }) },
      auth: { bearerTokens: [webhook] },
    },
    preview,
  });
}

const post = (app: Awaited<ReturnType<typeof server>>, token: string | undefined, payload: unknown) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/preview',
    payload: payload as object,
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
  });

describe('POST /api/v1/preview', () => {
  it('answers an operator and the webhook token with the preview, passing on what was asked', async () => {
    const asked: PreviewRequest[] = [];
    const app = await server(async (r) => {
      asked.push(r);
      return { ok: true, report };
    });
    const res = await post(app, operator, {
      head: 'feature/x',
      base: 'main',
      clusters: ['prod-eu'],
      prune: true,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(report);
    expect((await post(app, webhook, { head: '0123abc' })).statusCode).toBe(200);
    expect(asked).toEqual([
      { head: 'feature/x', base: 'main', clusters: ['prod-eu'], prune: true },
      { head: '0123abc' },
    ]);
  });

  it('refuses a viewer and a caller without credentials', async () => {
    const app = await server(async () => ({ ok: true, report }));
    expect((await post(app, undefined, { head: 'x' })).statusCode).toBe(401);
    const refused = await post(app, viewer, { head: 'x' });
    expect({ status: refused.statusCode, error: refused.json().error }).toEqual({
      status: 403,
      error: 'TRUEUP_FORBIDDEN',
    });
  });

  it.each([
    // a ref git could read as an option
    ['an option as head', { head: '--upload-pack=evil' }],
    // a range is not a revision
    ['a range', { head: 'main..feature' }],
    // no head at all
    ['no head', { base: 'main' }],
    // fields the route does not know
    ['an unknown field', { head: 'x', remediate: true }],
  ])('answers %s with TRUEUP_BAD_REQUEST and never previews', async (_name, body) => {
    let called = false;
    const app = await server(async () => {
      called = true;
      return { ok: true, report };
    });
    const res = await post(app, operator, body);
    expect({ status: res.statusCode, error: res.json().error }).toEqual({
      status: 400,
      error: 'TRUEUP_BAD_REQUEST',
    });
    expect(called).toBe(false);
  });

  it('answers a refusal of the service with its code and status', async () => {
    const app = await server(async () => ({
      ok: false,
      code: 'TRUEUP_OVERLOADED',
      message: 'a preview is running',
    }));
    const res = await post(app, operator, { head: 'x' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'TRUEUP_OVERLOADED', message: 'a preview is running' });
  });
});
