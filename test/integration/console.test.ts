/**
 * The console end to end, in Debian's Chromium against `trueup serve` on the real fleet: log in with
 * a token, watch a kubectl edit appear without reloading, approve a held change as an operator and
 * see the object return to sync, be refused as a viewer, look at every page (screenshots kept in
 * test-output/screenshots), and never meet a Secret value in any page, API answer or event.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServe } from '../../cli/serve.ts';
import { launchChromium } from '../browser/chromium.ts';
import { createFleetRepo, type FleetRepo, fleetYaml } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace, kubectl, kubectlPatch } from './kube.ts';
import { serveOptions } from './serve-options.ts';

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];
const canary = 'console-canary-s3cr3t-9b2e';
const operatorToken = 'olivia-operator-token';
const viewerToken = 'victor-viewer-token';
const shots = new URL('../../test-output/screenshots/', import.meta.url).pathname;

describe('the console in a real browser', () => {
  let ns: string;
  let repo: FleetRepo;
  let server: RunningServer;
  let browser: Browser;
  /** seen collects every API answer and page the browser got, for the canary scan. */
  const seen: string[] = [];
  /** blocked collects what the Content-Security-Policy refused: the console must need nothing it forbids. */
  const blocked: string[] = [];

  beforeAll(async () => {
    await mkdir(shots, { recursive: true });
    ns = await freshNamespace('console', fleet.clusters.map(clientsFor));
    repo = await createFleetRepo({
      'fleet.yaml': fleetYaml(`  - path: base\n    clusters: {}\n    namespace: ${ns}\n`),
      'base/web.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\ndata:\n  color: blue\n',
      'base/held.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held-config}\ndata:\n  mode: safe\n',
      'base/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: web-secret}\nstringData:\n  token: ${canary}\n`,
      'policies.yaml': [
        'apiVersion: trueup.io/v1alpha1',
        'kind: Policy',
        'defaultMode: auto',
        'rules:',
        '  - name: held-by-a-human',
        '    match: {names: [held-config]}',
        '    mode: approve',
        '',
      ].join('\n'),
    });
    process.env.TRUEUP_CONSOLE_TOKENS = `olivia:operator:${operatorToken},victor:viewer:${viewerToken}`;
    process.env.TRUEUP_WEBHOOK_TOKEN = 'console-webhook-token';
    try {
      server = await startServe(
        await serveOptions(repo.dir, ns, { logLevel: 'warn', consoleAuthOff: false }),
        pino({ level: 'silent' }),
      );
    } finally {
      delete process.env.TRUEUP_CONSOLE_TOKENS;
      delete process.env.TRUEUP_WEBHOOK_TOKEN;
    }
    // held-config waits for approval even to be created: create it as a user would.
    await kubectl(first, ['create', 'configmap', 'held-config', '-n', ns, '--from-literal=mode=safe']);
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await repo?.remove();
  });

  async function loggedIn(token: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (/Content.Security.Policy/i.test(msg.text())) blocked.push(msg.text());
    });
    page.on('response', async (res) => {
      if (res.url().includes('/api/v1/events')) return;
      seen.push(await res.text().catch(() => ''));
    });
    await page.goto(server.url);
    await page.getByTestId('login-token').fill(token);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('whoami').waitFor();
    return { context, page };
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    seen.push(await page.content());
  }

  it('asks for a token, then shows the fleet', async () => {
    const { context, page } = await loggedIn(operatorToken);
    await expect.poll(() => page.getByTestId('whoami').textContent()).toContain('olivia');
    await page.getByTestId(`fleet-cluster-${first}`).waitFor();
    await expect.poll(() => page.getByTestId('live-indicator').getAttribute('data-state')).toBe('live');
    await shot(page, '1-fleet');
    await context.close();
  });

  it('shows a kubectl edit as drift without a reload, and the held change is approved back into sync', async () => {
    const { context, page } = await loggedIn(operatorToken);
    await page.goto(`${server.url}/#/drifts?cluster=${first}`);
    await page.getByTestId('live-indicator').and(page.locator('[data-state="live"]')).waitFor();
    await kubectlPatch(first, ns, 'configmap', 'held-config', '{"data":{"mode":"yolo"}}');
    const row = page.getByTestId(`drift-row-${first}-${ns}-ConfigMap-held-config`);
    await row.waitFor({ timeout: 15_000 });
    await shot(page, '2-drifts');

    await page.goto(`${server.url}/#/objects/${first}/${ns}/ConfigMap/held-config`);
    await expect
      .poll(() => page.getByTestId('object-status').textContent(), { timeout: 10_000 })
      .toContain('modified');
    await shot(page, '3-object');

    await page.goto(`${server.url}/#/approvals`);
    const approve = page.locator('[data-testid^="approve-a"]').first();
    await approve.waitFor({ timeout: 15_000 });
    await shot(page, '4-approvals');
    await approve.click();
    await expect
      .poll(() => page.getByTestId('action-result').textContent(), { timeout: 15_000 })
      .toMatch(/approved/i);
    await eventually('the object is back in sync', async () => {
      const cm = await clientsFor(first).core.readNamespacedConfigMap({ name: 'held-config', namespace: ns });
      return cm.data?.mode === 'safe' ? true : undefined;
    });
    await page.goto(`${server.url}/#/drifts?cluster=${first}`);
    await row.waitFor({ state: 'detached', timeout: 15_000 });
    await context.close();
  });

  it('a viewer sees approvals but cannot approve', async () => {
    await kubectlPatch(first, ns, 'configmap', 'held-config', '{"data":{"mode":"again"}}');
    const { context, page } = await loggedIn(viewerToken);
    await page.goto(`${server.url}/#/approvals`);
    const item = page.locator('[data-testid^="approval-a"]').first();
    await item.waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-testid^="approve-a"]').count()).toBe(0);
    // The server refuses even a hand-made request with a valid CSRF token.
    const status = await page.evaluate(async () => {
      const who = (await (await fetch('api/v1/whoami')).json()) as { csrfToken: string };
      const list = (await (await fetch('api/v1/approvals')).json()) as { approvals: { id: string }[] };
      const res = await fetch(`api/v1/approvals/${list.approvals[0]?.id}/approve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': who.csrfToken },
        body: '{}',
      });
      return res.status;
    });
    expect(status).toBe(403);
    const cm = await clientsFor(first).core.readNamespacedConfigMap({ name: 'held-config', namespace: ns });
    expect(cm.data?.mode).toBe('again');
    await context.close();
  });

  it('shows incidents with their diagnosis, and the history', async () => {
    const res = await fetch(`${server.url}/api/v1/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer console-webhook-token' },
      body: JSON.stringify({
        version: '4',
        groupKey: '{}:{alertname="HeldConfig"}',
        status: 'firing',
        receiver: 'trueup',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'HeldConfig', cluster: first, namespace: ns, configmap: 'held-config' },
            annotations: { summary: '<img src=x onerror=alert(1)> held-config misbehaves' },
            startsAt: new Date().toISOString(),
            fingerprint: 'console-e2e-1',
          },
        ],
      }),
    });
    const { incident } = (await res.json()) as { incident: string };
    const { context, page } = await loggedIn(operatorToken);
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs += 1;
      void d.dismiss();
    });
    await page.goto(`${server.url}/#/incidents`);
    await page.getByTestId(`incident-${incident}`).waitFor({ timeout: 15_000 });
    await shot(page, '5-incidents');
    await page.goto(`${server.url}/#/incidents/${incident}`);
    await expect
      .poll(() => page.getByTestId('diagnosis').textContent(), { timeout: 20_000 })
      .toMatch(/heuristic/i);
    await shot(page, '6-incident');
    expect(dialogs).toBe(0);

    await page.goto(`${server.url}/#/history?cluster=${first}&namespace=${ns}`);
    await page.locator('[data-testid^="remediation-"]').first().waitFor({ timeout: 15_000 });
    await shot(page, '7-history');
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${server.url}/#/`);
    await page.getByTestId(`fleet-cluster-${first}`).waitFor();
    const overflow = await page.evaluate(() => {
      // Runs in the page: the DOM's globals, typed here without the DOM library.
      const g = globalThis as unknown as {
        document: { documentElement: { scrollWidth: number } };
        innerWidth: number;
      };
      return g.document.documentElement.scrollWidth - g.innerWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, '8-fleet-narrow');
    await context.close();
  });

  it('previews a branch as an operator, readable at desktop width and at 375 px', async () => {
    await repo.git(['checkout', '-q', '-b', 'preview-green']);
    await repo.commit({
      'base/web.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\ndata:\n  color: green\n',
    });
    await repo.git(['checkout', '-q', 'main']);
    const { context, page } = await loggedIn(operatorToken);
    await page.goto(`${server.url}/#/preview?head=preview-green`);
    await page.getByTestId('preview-run').click();
    await expect
      .poll(() => page.getByTestId('preview-summary').textContent(), { timeout: 60_000 })
      .toContain('1 key in 1 object on 3 clusters');
    await page.getByTestId('preview-group-0').waitFor();
    await shot(page, '9-preview');
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = await page.evaluate(() => {
      const g = globalThis as unknown as {
        document: { documentElement: { scrollWidth: number } };
        innerWidth: number;
      };
      return g.document.documentElement.scrollWidth - g.innerWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, '9-preview-narrow');
    await context.close();
  });

  it('no page, API answer or event carries the Secret value', async () => {
    // The event stream, read directly for a moment while an object changes.
    const login = await fetch(`${server.url}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: viewerToken }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const controller = new AbortController();
    const stream = await fetch(`${server.url}/api/v1/events`, {
      headers: { cookie },
      signal: controller.signal,
    });
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    await kubectlPatch(first, ns, 'secret', 'web-secret', '{"stringData":{"token":"changed-by-hand"}}');
    let events = '';
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !events.includes('web-secret')) {
      const { value, done } = await reader.read();
      if (done) break;
      events += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(events).toContain('event: drift');
    for (const text of [...seen, events]) expect(text).not.toContain(canary);
    expect(seen.length).toBeGreaterThan(10);
  });

  it('is served under a Content-Security-Policy that forbids framing, and the browser blocked nothing on any page', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    // Every page above was visited with the policy on (the earlier tests).
    expect(blocked).toEqual([]);
  });
});
