import Fastify from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditIntake } from '../../reconciler/daemon/audit-intake.ts';
import { createMetrics } from '../../reconciler/daemon/metrics.ts';
import { openAuditStore } from '../../reconciler/store/store.ts';
import { auditEvent, eventList } from '../../test/fixtures/audit-events.ts';
import { registerAuditRoute } from './route.ts';
import { parseAuditTokens } from './tokens.ts';

const token = 'prod-audit-webhook-token-0123456789';
const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

async function receiver(options: { maxQueued?: number; bodyLimit?: number } = {}) {
  const store = openAuditStore(':memory:');
  const metrics = createMetrics();
  const intake = new AuditIntake(
    { store, metrics, log: pino({ level: 'silent' }) },
    options.maxQueued !== undefined ? { maxQueued: options.maxQueued } : {},
  );
  const app = Fastify();
  registerAuditRoute(app, {
    tokens: parseAuditTokens(`prod ${token}\n`),
    intake,
    manages: (ref) => ref.namespace === 'shop',
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
  });
  apps.push(app, { close: () => store.close() });
  const post = (
    url: string,
    body: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${token}` },
  ) =>
    app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(body),
    });
  return { app, store, intake, metrics, post };
}

describe('POST /api/v1/audit/:cluster', () => {
  it('keeps the writes of managed objects from an EventList, and answers what it did', async () => {
    const { store, intake, post } = await receiver();
    const body = eventList([
      auditEvent(),
      auditEvent({ auditID: 'id-get', verb: 'get' }),
      auditEvent({
        auditID: 'id-other',
        objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'x' },
      }),
    ]);
    const res = await post('/api/v1/audit/prod', body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: 3, kept: 1, dropped: 0, skipped: 2 });
    await intake.idle();
    expect((await store.auditEvents()).map((r) => [r.cluster, r.name, r.user])).toEqual([
      ['prod', 'app', 'alice@corp'],
    ]);
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-prod-audit-token-0123' }],
    ['basic credentials', { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` }],
  ])('refuses a caller with %s (401) and keeps nothing', async (_who, headers) => {
    const { store, intake, post } = await receiver();
    const res = await post('/api/v1/audit/prod', eventList([auditEvent()]), headers);
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('TRUEUP_UNAUTHORIZED');
    await intake.idle();
    expect(await store.auditEvents()).toEqual([]);
  });

  it("answers 404 for a cluster without a token, even with another cluster's token", async () => {
    const { post } = await receiver();
    const res = await post('/api/v1/audit/staging', eventList([auditEvent()]));
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('TRUEUP_NOT_FOUND');
  });

  it('refuses a body over the limit (413) and one that is not audit events (400)', async () => {
    const { post } = await receiver({ bodyLimit: 2048 });
    const big = eventList(Array.from({ length: 20 }, (_, i) => auditEvent({ auditID: `id-${i}` })));
    expect((await post('/api/v1/audit/prod', big)).json().error).toBe('TRUEUP_AUDIT_TOO_LARGE');
    const bad = await post('/api/v1/audit/prod', { kind: 'ConfigMap' });
    expect([bad.statusCode, bad.json().error]).toEqual([400, 'TRUEUP_BAD_AUDIT_EVENTS']);
  });

  it('drops what does not fit in the queue, counted, instead of holding it', async () => {
    const { intake, metrics, post } = await receiver({ maxQueued: 5 });
    const flood = eventList(Array.from({ length: 12 }, (_, i) => auditEvent({ auditID: `id-${i}` })));
    const res = await post('/api/v1/audit/prod', flood);
    expect(res.json()).toEqual({ received: 12, kept: 5, dropped: 7, skipped: 0 });
    await intake.idle();
    const text = await metrics.registry.metrics();
    expect(text).toContain('trueup_audit_events_total{cluster="prod",outcome="dropped"} 7');
    expect(text).toContain('trueup_audit_events_total{cluster="prod",outcome="queued"} 5');
  });
});

describe('parseAuditTokens', () => {
  it('reads one or more tokens per cluster, with comments', () => {
    const tokens = parseAuditTokens(
      `# rotated monthly\nprod ${token}\nprod ${token}-next\nstaging ${token}-s # new\n`,
    );
    expect([...tokens.entries()]).toEqual([
      ['prod', [token, `${token}-next`]],
      ['staging', [`${token}-s`]],
    ]);
  });

  it('refuses a short token naming the line, never the token', () => {
    expect(() => parseAuditTokens('prod short-token')).toThrow(
      /^--audit-tokens line 1: the token of prod needs at least 16 characters/,
    );
    expect(() => parseAuditTokens('prod short-token')).not.toThrow(/short-token/);
  });
});
