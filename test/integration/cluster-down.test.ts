/**
 * A cluster that stops while the daemon runs: it is reported unreachable with its error, and the
 * rest of the fleet keeps being watched and remediated. The stopped cluster is a real
 * kube-apiserver of its own, started for this test, so the shared fleet is not disturbed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServe } from '../../cli/serve.ts';
import { ensureClusterBinaries } from '../../local-fleet/binaries.ts';
import { type Fleet, startFleet } from '../../local-fleet/fleet.ts';
import { createFleetRepo, type FleetRepo, fleetYaml } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace, kubectlPatch, mergeKubeconfigs } from './kube.ts';
import { serveOptions } from './serve-options.ts';

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];

describe('a cluster that stops while trueup serve runs', () => {
  let extra: Fleet;
  let repo: FleetRepo;
  let server: RunningServer;
  let ns: string;

  const color = () =>
    clientsFor(first)
      .core.readNamespacedConfigMap({ name: 'app', namespace: ns })
      .then((cm) => cm.data?.color);

  beforeAll(async () => {
    extra = await startFleet({ binaries: await ensureClusterBinaries(), clusters: ['extra'] });
    const kubeconfig = join(await mkdtemp(join(tmpdir(), 'trueup-down-')), 'kubeconfig');
    await mergeKubeconfigs(fleet.kubeconfigPath, extra.kubeconfigPath, kubeconfig);
    ns = await freshNamespace('down', [clientsFor(first)]);
    // The extra cluster is new: create the same namespace there.
    await promisify(execFile)('kubectl', [
      '--kubeconfig',
      kubeconfig,
      '--context',
      'extra',
      'create',
      'namespace',
      ns,
    ]);
    repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {}\n', [first, 'extra']),
      'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: ${ns}}\ndata:\n  color: blue\n`,
    });
    server = await startServe(
      await serveOptions(repo.dir, ns, { kubeconfig, timeout: 3, resync: '*/5 * * * *', logLevel: 'warn' }),
      pino({ level: 'silent' }),
    );
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await extra?.stop();
    await repo?.remove();
  });

  it('reports the stopped cluster and keeps reconciling the others', async () => {
    await eventually('app on the shared cluster', async () =>
      (await color()) === 'blue' ? true : undefined,
    );
    const status = async () =>
      (await (await fetch(`${server.url}/api/v1/status`)).json()) as {
        clusters: { name: string; reachable: boolean; error?: string }[];
      };
    await eventually('extra in sync', async () => {
      const s = await status();
      return s.clusters.find((c) => c.name === 'extra')?.reachable ? true : undefined;
    });

    await extra.stop({ keepLogs: false });
    const down = await eventually('extra reported unreachable', async () => {
      const c = (await status()).clusters.find((x) => x.name === 'extra');
      return c && !c.reachable ? c : undefined;
    });
    expect(down.error).toMatch(/^cluster extra: (watch|list) (ConfigMaps|Secrets): /);

    // The rest of the fleet is still watched and fixed.
    await kubectlPatch(first, ns, 'configmap', 'app', '{"data":{"color":"red"}}');
    await eventually('restored on the shared cluster', async () =>
      (await color()) === 'blue' ? true : undefined,
    );
    expect((await status()).clusters.find((c) => c.name === first)).toMatchObject({ reachable: true });
  });
});
