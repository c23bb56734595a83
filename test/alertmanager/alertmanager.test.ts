/**
 * The real Alertmanager (Debian's 0.25) against a tiny receiver and against our webhook route: what
 * it actually sends, grouped and authenticated, and that it retries a 503 from us.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AlertGroup, parseAlertGroup } from '../../diagnose/alert.ts';
import { type IntakeResult, registerAlertmanagerRoute } from '../../web/alertmanager/route.ts';
import {
  alertmanagerConfig,
  ensureAlertmanager,
  type RunningAlertmanager,
  startAlertmanager,
} from './alertmanager.ts';

interface Received {
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** startReceiver records every POST it gets and answers 200. */
async function startReceiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(text) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, server };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function groupOf(received: Received): AlertGroup {
  const parsed = parseAlertGroup(received.body);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.group;
}

const crashLooping = (pod: string) => ({
  labels: { alertname: 'KubePodCrashLooping', namespace: 'payments', pod, severity: 'critical' },
  annotations: { summary: `Pod payments/${pod} is crash looping` },
});

describe('the real Alertmanager', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  let alertmanager: RunningAlertmanager | undefined;

  beforeAll(async () => {
    await ensureAlertmanager();
  }, 300_000);

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    alertmanager = undefined;
  });

  it('renders a config with bearer authorization, send_resolved and the timing asked for', () => {
    const yaml = alertmanagerConfig({ webhookUrl: 'http://x/hook', bearerToken: 't', groupWait: '3s' });
    expect(yaml).toContain('credentials: t');
    expect(yaml).toContain('send_resolved: true');
    expect(yaml).toContain('group_wait: 3s');
  });

  it('sends two alerts of one group as one authenticated POST, then a resolved POST', async () => {
    const receiver = await startReceiver();
    cleanups.push(() => new Promise((r) => receiver.server.close(r)));
    alertmanager = await startAlertmanager({ webhookUrl: receiver.url, bearerToken: 'am-test-token' });
    cleanups.push(() => alertmanager?.stop() ?? Promise.resolve());

    await alertmanager.postAlerts([crashLooping('api-1'), crashLooping('api-2')]);
    const first = await until('the firing notification', () => receiver.received[0]);
    expect(first.headers.authorization).toBe('Bearer am-test-token');
    const firing = groupOf(first);
    expect(firing.status).toBe('firing');
    expect(firing.groupLabels).toEqual({ alertname: 'KubePodCrashLooping', namespace: 'payments' });
    expect(firing.alerts.map((a) => a.labels.pod).sort()).toEqual(['api-1', 'api-2']);
    expect(firing.alerts.every((a) => a.endsAt === '0001-01-01T00:00:00Z')).toBe(true);

    await alertmanager.resolveAlerts([crashLooping('api-1').labels, crashLooping('api-2').labels]);
    const last = await until('the resolved notification', () =>
      receiver.received.find((r) => groupOf(r).status === 'resolved'),
    );
    expect(groupOf(last).alerts.map((a) => a.status)).toEqual(['resolved', 'resolved']);
    // One firing POST for the group, not one per alert, and no repeat before the resolution.
    expect(receiver.received.filter((r) => groupOf(r).status === 'firing')).toHaveLength(1);
  }, 20_000);

  it('retries a 503 from our webhook route and gets through with basic auth', async () => {
    const answers: IntakeResult[] = [
      { outcome: 'overloaded', retryAfterSeconds: 1 },
      { outcome: 'opened', incident: 'inc-1' },
    ];
    const received: AlertGroup[] = [];
    const app = Fastify({ logger: false });
    registerAlertmanagerRoute(app, {
      intake: {
        async receive(group) {
          received.push(group);
          return answers[Math.min(received.length, answers.length) - 1] as IntakeResult;
        },
      },
      auth: { basic: [{ username: 'am', password: 'pa:ss' }] },
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => app.close());
    alertmanager = await startAlertmanager({
      webhookUrl: `${address}/api/v1/alertmanager`,
      basicAuth: { username: 'am', password: 'pa:ss' },
      // A failed flush is also re-sent at the next group_interval tick; a long interval leaves only
      // the notifier's own retry to deliver within the test (a 429 here would time out).
      groupInterval: '5m',
    });
    cleanups.push(() => alertmanager?.stop() ?? Promise.resolve());

    await alertmanager.postAlerts([crashLooping('api-1')]);
    await until('a retry after the 503', () => (received.length >= 2 ? true : undefined));
    expect(received.map((g) => g.groupKey)).toEqual([received[0]?.groupKey, received[0]?.groupKey]);
    expect(received[1]?.alerts[0]?.labels.pod).toBe('api-1');
  }, 20_000);
});
