/**
 * The daemon on the real fleet: it watches, detects a kubectl edit as it happens, remediates,
 * follows new commits, keeps the last good revision when the repo goes away, and logs no Secret.
 */
import { rename } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServe } from '../../cli/serve.ts';
import { createFleetRepo, type FleetRepo, fleetYaml } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace, kubectl, kubectlPatch } from './kube.ts';
import { serveOptions } from './serve-options.ts';

const fleet = inject('fleet');
const [first, second] = fleet.clusters as [string, string];
const canary = 'serve-canary-secret-5e1f';

interface History {
  drifts: { drift: unknown }[];
  remediations: unknown[];
}

describe('trueup serve', () => {
  let ns: string;
  let repo: FleetRepo;
  let server: RunningServer;
  let logs = '';

  const manifests = (color: string) => ({
    'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: ${ns}}\ndata:\n  color: ${color}\n`,
    'base/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: api, namespace: ${ns}}\nstringData:\n  token: ${canary}\n`,
  });
  const readColor = (cluster: string) =>
    clientsFor(cluster)
      .core.readNamespacedConfigMap({ name: 'app', namespace: ns })
      .then((cm) => cm.data?.color);

  beforeAll(async () => {
    ns = await freshNamespace('serve', fleet.clusters.map(clientsFor));
    repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {}\n'),
      ...manifests('blue'),
    });
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    server = await startServe(
      await serveOptions(repo.dir, ns, {
        prune: true,
        resync: '*/5 * * * *',
        logLevel: 'debug',
        events: true,
      }),
      pino({ level: 'debug' }, sink),
    );
  });
  afterAll(async () => {
    await server?.stop();
    await repo?.remove();
  });

  it("logs the initial sync's end with its figures once every cluster is listed and its objects applied", async () => {
    const clusters = (await server.initialSync) as { cluster: string; done: boolean }[];
    expect(clusters.map((c) => [c.cluster, c.done]).sort()).toEqual(
      fleet.clusters.map((c) => [c, true]).sort(),
    );
    const done = logs
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((l) => l.msg?.startsWith('initial sync done'));
    expect(done).toMatchObject({ clusters: fleet.clusters.length, failed: 0, unreachable: 0 });
    expect(done.applied).toBeGreaterThanOrEqual(fleet.clusters.length);
  });

  it('creates the declared objects on every cluster and becomes ready', async () => {
    for (const c of fleet.clusters) expect(await eventually(`app on ${c}`, () => readColor(c))).toBe('blue');
    const ready = await eventually('readyz', async () => {
      const res = await fetch(`${server.url}/readyz`);
      return res.status === 200 ? res.json() : undefined;
    });
    expect(ready).toMatchObject({ ready: true, revision: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('detects a kubectl edit as it happens and restores the repo value', async () => {
    await eventually('in sync', async () => ((await readColor(first)) === 'blue' ? true : undefined));
    await kubectl(first, ['-n', ns, 'edit', 'configmap', 'app'], {
      KUBE_EDITOR: "sed -i -e 's/color: blue/color: red/'",
    });
    await eventually('restored', async () => ((await readColor(first)) === 'blue' ? true : undefined));
    // The record is written once the remediation is confirmed (re-read) and its Event recorded.
    const history = await eventually('remediation recorded', async () => {
      const res = await fetch(`${server.url}/api/v1/history?cluster=${first}&namespace=${ns}&name=app`);
      const h = (await res.json()) as History;
      return (h.remediations[0] as { entry?: { action?: string } } | undefined)?.entry?.action ===
        'configured'
        ? h
        : undefined;
    });
    expect(history.drifts[0]?.drift).toMatchObject({
      status: 'modified',
      changes: [{ path: 'data.color', type: 'changed', desired: 'blue', live: 'red' }],
      driftedBy: [expect.objectContaining({ manager: 'kubectl-edit' })],
    });
    expect(history.remediations[0]).toMatchObject({
      actor: 'trueup',
      entry: { action: 'configured', dryRun: 'passed' },
    });
    const events = await clientsFor(first).core.listNamespacedEvent({ namespace: ns });
    expect(events.items.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['DriftDetected', 'DriftRemediated']),
    );
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`trueup_remediations_total\\{cluster="${first}",result="configured"\\} [1-9]`),
    );
  });

  it('applies a new commit after a refresh', async () => {
    await repo.commit(manifests('green'));
    const res = await fetch(`${server.url}/api/v1/git/refresh`, { method: 'POST' });
    expect(await res.json()).toMatchObject({ changed: true });
    for (const c of fleet.clusters)
      await eventually(`green on ${c}`, async () => ((await readColor(c)) === 'green' ? true : undefined));
  });

  it('keeps the last good revision when the repo cannot be fetched, and removes nothing', async () => {
    const before = ((await (await fetch(`${server.url}/api/v1/status`)).json()) as { revision: string })
      .revision;
    const moved = `${repo.dir}-gone`;
    await rename(repo.dir, moved);
    try {
      const res = await fetch(`${server.url}/api/v1/git/refresh`, { method: 'POST' });
      expect(res.status).toBe(502);
      const status = await (await fetch(`${server.url}/api/v1/status`)).json();
      expect(status).toMatchObject({ revision: before, gitError: expect.any(String) });
      await kubectl(second, ['-n', ns, 'delete', 'configmap', 'app']);
      // Still reconciling from the last good revision: the deleted object comes back.
      await eventually('recreated', async () => ((await readColor(second)) === 'green' ? true : undefined));
      expect(await readColor(first)).toBe('green');
    } finally {
      await rename(moved, repo.dir);
    }
  });

  it('never shows a Secret value in logs or any API answer', async () => {
    await kubectlPatch(first, ns, 'secret', 'api', '{"stringData":{"token":"rotated-canary-77c1"}}');
    await eventually('secret restored', async () => {
      const s = await clientsFor(first).core.readNamespacedSecret({ name: 'api', namespace: ns });
      return Buffer.from(s.data?.token ?? '', 'base64').toString() === canary ? true : undefined;
    });
    const answers = await Promise.all(
      ['/api/v1/status', '/api/v1/drifts', `/api/v1/history?namespace=${ns}`, '/metrics'].map(async (path) =>
        (await fetch(`${server.url}${path}`)).text(),
      ),
    );
    expect(answers[2]).toContain('data.token');
    expect(logs).toContain('drift detected');
    for (const text of [...answers, logs]) {
      for (const value of [canary, 'rotated-canary-77c1']) {
        expect(text).not.toContain(value);
        expect(text).not.toContain(Buffer.from(value).toString('base64'));
      }
    }
  });
});
