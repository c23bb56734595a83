/**
 * The console at fleet scale, end to end in Debian's Chromium against `trueup serve` on the real
 * fleet with 10 clusters: 10 kubeconfig contexts, nine over the run's real kube-apiservers (three
 * each, in namespaces of this test) and one that cannot be reached. The heat map shows each
 * cluster × namespace in its worst state and leads to the drifts; drifts are searched and walked
 * with the keyboard; the timeline draws its charts with the commits. Screenshots of every new page
 * at 1280 and 375 px go to test-output/screenshots, and to docs/images with TRUEUP_DOCS_SCREENSHOTS=1
 * (`npm run docs:screenshots`).
 */
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServe } from '../../cli/serve.ts';
import { launchChromium } from '../browser/chromium.ts';
import { createFleetRepo, type FleetRepo } from './fleet-repo.ts';
import { eventually, kubectl, kubectlPatch } from './kube.ts';
import { serveOptions } from './serve-options.ts';

const fleet = inject('fleet');
const shots = new URL('../../test-output/screenshots/', import.meta.url).pathname;
const docsImages = new URL('../../docs/images/', import.meta.url).pathname;
const names = Array.from({ length: 10 }, (_, i) => `fleet-${String(i).padStart(2, '0')}`);
const unreachable = names[9] as string;
/** realOf is the real context a cluster name stands on (the last one stands on none). */
const realOf = (i: number) => fleet.clusters[i % fleet.clusters.length] as string;

/** tenClusterKubeconfig writes a kubeconfig whose 10 contexts alias the fleet's servers, one unreachable. */
async function tenClusterKubeconfig(dir: string): Promise<string> {
  const kc = new KubeConfig();
  kc.loadFromFile(fleet.kubeconfigPath);
  const contexts = names.map((name, i) => {
    const real = kc.getContextObject(realOf(i));
    if (i === 9) return { name, cluster: 'nowhere', user: real?.user as string };
    return { name, cluster: real?.cluster as string, user: real?.user as string };
  });
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: [...kc.clusters, { name: 'nowhere', server: 'https://127.0.0.1:9', skipTLSVerify: true }],
    users: kc.users,
    contexts,
    currentContext: names[0],
  });
  const path = join(dir, 'kubeconfig-10');
  await writeFile(path, out.exportConfig());
  return path;
}

function fleetFile(ns: Record<'shop' | 'payments' | 'auth', string>): string {
  const clusters = names
    .map(
      (name, i) =>
        `  - name: ${name}\n    labels: {region: ${i < 5 ? 'eu' : 'us'}, tier: ${i % 2 ? 'b' : 'a'}}`,
    )
    .join('\n');
  return [
    'apiVersion: trueup.io/v1alpha1',
    'kind: Fleet',
    'clusters:',
    clusters,
    'targets:',
    `  - {path: shop, clusters: {}, namespace: ${ns.shop}}`,
    `  - {path: payments, clusters: {matchLabels: {tier: a}}, namespace: ${ns.payments}}`,
    `  - {path: auth, clusters: {matchLabels: {tier: b}}, namespace: ${ns.auth}}`,
    '',
  ].join('\n');
}

const configMap = (name: string, data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {${data}}\n`;

describe('the console at fleet scale in a real browser', () => {
  let repo: FleetRepo;
  let server: RunningServer;
  let browser: Browser;
  let ns: Record<'shop' | 'payments' | 'auth', string>;

  beforeAll(async () => {
    await mkdir(shots, { recursive: true });
    const tag = Math.random().toString(36).slice(2, 7);
    ns = { shop: `shop-${tag}`, payments: `payments-${tag}`, auth: `auth-${tag}` };
    for (const context of fleet.clusters)
      for (const name of Object.values(ns)) await kubectl(context, ['create', 'namespace', name]);
    repo = await createFleetRepo({
      'fleet.yaml': fleetFile(ns),
      'shop/web.yaml': configMap('web-config', 'color: blue'),
      'shop/cart.yaml': configMap('cart-config', 'size: "10"'),
      'payments/held.yaml': configMap('held-config', 'mode: safe'),
      'auth/login.yaml': configMap('login-config', 'ttl: "60"'),
      'policies.yaml': [
        'apiVersion: trueup.io/v1alpha1',
        'kind: Policy',
        'defaultMode: auto',
        'rules:',
        '  - {name: held-by-a-human, match: {names: [held-config]}, mode: approve}',
        `  - {name: auth-is-watched, match: {namespaces: [${ns.auth}]}, mode: observe}`,
        '',
      ].join('\n'),
    });
    await repo.commit({ 'shop/web.yaml': configMap('web-config', 'color: green') }, 'web: green');
    const dir = await mkdtemp(join(tmpdir(), 'trueup-fleet10-'));
    server = await startServe(
      await serveOptions(repo.dir, ns.shop, {
        kubeconfig: await tenClusterKubeconfig(dir),
        logLevel: 'warn',
        timeout: 3,
      }),
      pino({ level: 'silent' }),
    );
    // held-config waits for approval to be created, login-config is only watched: create them by hand.
    for (const context of fleet.clusters) {
      await kubectl(context, [
        'create',
        'configmap',
        'held-config',
        '-n',
        ns.payments,
        '--from-literal=mode=safe',
      ]);
      await kubectl(context, ['create', 'configmap', 'login-config', '-n', ns.auth, '--from-literal=ttl=60']);
    }
    await eventually('the repo is applied on every real server', async () => {
      const found = await Promise.all(
        fleet.clusters.map((c) =>
          kubectl(c, ['get', 'configmap', '-n', ns.shop, 'cart-config', '-o', 'name']).catch(() => ''),
        ),
      );
      return found.every((f) => f.includes('cart-config')) ? true : undefined;
    });
    // A change held for approval on the servers of fleet-00 and fleet-06, a watched drift under fleet-01 and fleet-07.
    await kubectlPatch(realOf(0), ns.payments, 'configmap', 'held-config', '{"data":{"mode":"yolo"}}');
    await kubectlPatch(realOf(1), ns.auth, 'configmap', 'login-config', '{"data":{"ttl":"5"}}');
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await repo?.remove();
  });

  async function open(path: string, width = 1280): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.goto(`${server.url}/${path}`);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    const file = join(shots, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    if (process.env.TRUEUP_DOCS_SCREENSHOTS === '1') {
      await mkdir(docsImages, { recursive: true });
      await copyFile(file, join(docsImages, `console-${name}.png`));
    }
  }

  async function overflow(page: Page): Promise<number> {
    return page.evaluate(() => {
      const g = globalThis as unknown as {
        document: { documentElement: { scrollWidth: number } };
        innerWidth: number;
      };
      return g.document.documentElement.scrollWidth - g.innerWidth;
    });
  }

  it('shows 10 clusters as cards by default and as a heat map of worst states on request', async () => {
    const page = await open('#/');
    await page.getByTestId(`fleet-cluster-${names[0]}`).waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid^="fleet-cluster-"]').count()).toBe(10);
    await page.getByTestId('fleet-view-map').click();
    const cell = (cluster: string, namespace: string) =>
      page.getByTestId(`heat-cell-${cluster}-${namespace}`);
    await expect
      .poll(() => cell(names[0] as string, ns.payments).getAttribute('data-state'), { timeout: 20_000 })
      .toBe('held');
    await expect
      .poll(() => cell(names[1] as string, ns.auth).getAttribute('data-state'), { timeout: 20_000 })
      .toBe('drifted');
    expect(await cell(names[2] as string, ns.shop).getAttribute('data-state')).toBe('in-sync');
    // a cluster on the same server sees the same objects: fleet-06 is fleet-00's server
    expect(await cell(names[6] as string, ns.payments).getAttribute('data-state')).toBe('held');
    expect(await page.getByTestId(`heat-row-${unreachable}`).locator('.heat-edge-unreachable').count()).toBe(
      1,
    );
    expect(page.url()).toContain('view=map');
    await shot(page, 'heatmap');

    // Grouped by a label: one row per region, each cell the worst of its clusters.
    await page.locator('select[name="group"]').selectOption('region');
    await page.getByTestId('heat-row-region=eu').waitFor();
    expect(await cell('region=eu', ns.payments).getAttribute('data-state')).toBe('held');
    await shot(page, 'heatmap-grouped');

    // A cell leads to its drifts.
    await page.goto(`${server.url}/#/?view=map`);
    await cell(names[1] as string, ns.auth).click();
    await page.getByTestId(`drift-row-${names[1]}-${ns.auth}-ConfigMap-login-config`).waitFor();
    expect(page.url()).toContain(`cluster=${names[1]}`);
    expect(page.url()).toContain(`namespace=${ns.auth}`);
    await page.close();
  });

  it('fits the heat map into 375 px, scrolling inside its own region', async () => {
    const page = await open('#/?view=map', 375);
    await page.getByTestId('heat-map').waitFor({ timeout: 20_000 });
    await shot(page, 'heatmap-narrow');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.close();
  });

  it('searches drifts by name on the server and walks the rows with the keyboard', async () => {
    const page = await open('#/drifts');
    await page.locator('[data-testid^="drift-row-"]').first().waitFor({ timeout: 20_000 });
    await page.keyboard.press('/');
    await page.keyboard.type('login');
    await expect.poll(() => page.url(), { timeout: 10_000 }).toContain('q=login');
    await expect.poll(() => page.locator('[data-testid^="drift-row-"]').count()).toBe(2);
    await page.keyboard.press('Escape');
    await page.keyboard.press('j');
    await shot(page, 'drifts-search');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain('#/objects/');
    await page.keyboard.press('?');
    await page.getByTestId('help-overlay').waitFor();
    await shot(page, 'help');
    await page.keyboard.press('Escape');
    await page.getByTestId('help-overlay').waitFor({ state: 'detached' });
    // The search is in the URL: a pasted link opens the same view.
    const again = await open(`#/drifts?q=login&cluster=${names[7]}`, 375);
    await again.getByTestId(`drift-row-${names[7]}-${ns.auth}-ConfigMap-login-config`).waitFor();
    expect(await overflow(again)).toBeLessThanOrEqual(0);
    await shot(again, 'drifts-search-narrow');
    await page.close();
    await again.close();
  });

  it('charts the timeline with the commits marked, at desktop and 375 px', async () => {
    await eventually('a remediation is recorded', async () => {
      await kubectlPatch(realOf(2), ns.shop, 'configmap', 'cart-config', '{"data":{"size":"99"}}');
      const history = (await (await fetch(`${server.url}/api/v1/history?result=applied&limit=1`)).json()) as {
        remediations: unknown[];
      };
      return history.remediations.length > 0 ? true : undefined;
    });
    for (const width of [1280, 375]) {
      const page = await open('#/timeline?range=1h', width);
      await page.getByTestId('chart-activity').locator('canvas').waitFor({ timeout: 20_000 });
      expect(await page.locator('.chart canvas').count()).toBe(3);
      await expect.poll(() => page.getByTestId('timeline-commits').textContent()).toContain('web: green');
      await expect.poll(() => page.getByTestId('latency-summary').textContent()).toMatch(/fix\(es\)/);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await shot(page, width === 375 ? 'timeline-narrow' : 'timeline');
      await page.close();
    }
  });
});
