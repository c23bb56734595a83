/**
 * The flap guard on the real fleet: another writer (kubectl under its own field manager) keeps
 * undoing trueup's fix. trueup backs off instead of re-applying at the watch's pace, raises a
 * FlapDetected Event naming that field manager, and shows the flap in the API and the metrics.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServe } from '../../cli/serve.ts';
import { defaultFlapOptions } from '../../reconciler/sync/flap-tracker.ts';
import { createFleetRepo, type FleetRepo, fleetYaml } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace, kubectl } from './kube.ts';
import { serveOptions } from './serve-options.ts';

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];
const rogue = 'rogue-controller';

describe('an object another controller keeps undoing', () => {
  let ns: string;
  let repo: FleetRepo;
  let server: RunningServer;

  const readColor = () =>
    clientsFor(first)
      .core.readNamespacedConfigMap({ name: 'app', namespace: ns })
      .then((cm) => cm.data?.color);
  const api = async <T>(path: string) => (await (await fetch(`${server.url}${path}`)).json()) as T;

  beforeAll(async () => {
    ns = await freshNamespace('flap', [clientsFor(first)]);
    repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {}\n', [first]),
      'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: ${ns}}\ndata:\n  color: blue\n`,
    });
    server = await startServe(
      await serveOptions(repo.dir, ns, { events: true, logLevel: 'warn' }),
      pino({ level: 'silent' }),
    );
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await repo?.remove();
  });

  it('is fixed a bounded number of times, with a FlapDetected Event naming the other field manager', async () => {
    await eventually('app created', async () => ((await readColor()) === 'blue' ? true : undefined));
    // The other controller: re-patches the key under its own field manager, as fast as kubectl goes.
    const loopMs = 30_000;
    const started = Date.now();
    let patches = 0;
    while (Date.now() - started < loopMs) {
      await kubectl(first, [
        '-n',
        ns,
        'patch',
        'configmap',
        'app',
        '--type=merge',
        `--field-manager=${rogue}`,
        '-p',
        '{"data":{"color":"red"}}',
      ]);
      patches++;
    }
    const elapsed = Date.now() - started;

    // Every fix trueup made (configured) while the loop ran.
    const history = await api<{ remediations: { entry: { action: string } }[] }>(
      `/api/v1/history?cluster=${first}&namespace=${ns}&name=app&limit=1000`,
    );
    const fixes = history.remediations.filter((r) => r.entry.action === 'configured').length;
    // Without the guard trueup fixes after every patch. With it: `threshold` fixes make the flap, then
    // one fix per back-off delay (10 s, 20 s, 40 s…) — plus one for a fix racing the last patch.
    const { threshold, baseDelayMs } = defaultFlapOptions();
    const backoffSteps = Math.floor(Math.log2(elapsed / baseDelayMs + 1));
    expect(patches).toBeGreaterThan(threshold + backoffSteps + 5);
    expect(fixes).toBeGreaterThanOrEqual(threshold);
    expect(fixes).toBeLessThanOrEqual(threshold + backoffSteps + 1);

    const events = await eventually('FlapDetected event', async () => {
      const list = await clientsFor(first).core.listNamespacedEvent({ namespace: ns });
      const found = list.items.filter((e) => e.reason === 'FlapDetected' && e.involvedObject.name === 'app');
      return found.length > 0 ? found : undefined;
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'Warning', involvedObject: { kind: 'ConfigMap' } });
    expect(events[0]?.message).toContain(rogue);

    // The API shows the flap on the drift and the cluster; the metric names the other manager.
    const drifts = await api<{ drifts: { name: string; flap?: { manager: string; retryAt?: string } }[] }>(
      '/api/v1/drifts',
    );
    const drift = drifts.drifts.find((d) => d.name === 'app');
    expect(drift?.flap).toMatchObject({ manager: rogue, retryAt: expect.any(String) });
    const status = await api<{ clusters: { name: string; flapping?: number }[] }>('/api/v1/status');
    expect(status.clusters.find((c) => c.name === first)?.flapping).toBe(1);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`trueup_flaps_detected_total{cluster="${first}",manager="${rogue}"} 1`);
  }, 120_000);
});
