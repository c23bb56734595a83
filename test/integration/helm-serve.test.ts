/**
 * The chart's Deployment, run as a process: the rendered container args and env (paths moved to
 * temp folders, the listen address to loopback) start the real `trueup serve` as the chart's
 * ServiceAccount, through the chart's in-cluster kubeconfig; the probes' paths answer, the metrics
 * the PrometheusRule uses are there, and it remediates a kubectl edit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { find, HELM_BUILD_TIMEOUT_MS, renderChart } from '../helm/helm.ts';
import {
  inClusterKubeconfigOf,
  installIdentity,
  removeTempFiles,
  serviceAccountToken,
  writeChartKubeconfigs,
} from '../helm/service-account.ts';
import { createFleetRepo, type FleetRepo } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace, kubectl, kubectlPatch } from './kube.ts';

const fleet = inject('fleet');
const [local] = fleet.clusters as [string];
const bin = new URL('../../bin/trueup.js', import.meta.url).pathname;

describe("the chart's Deployment as a process", () => {
  let ns: string;
  let repo: FleetRepo;
  let daemon: ChildProcess | undefined;
  let url = '';
  let clusterRole = '';
  let dir = '';
  let logs = '';
  let probes: { liveness: string; readiness: string } = { liveness: '', readiness: '' };

  beforeAll(async () => {
    ns = await freshNamespace('helm-serve', [clientsFor(local)]);
    const server = new URL(
      await kubectl(local, ['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}']),
    );
    repo = await createFleetRepo({
      'fleet.yaml': `apiVersion: trueup.io/v1alpha1\nkind: Fleet\nclusters:\n  - name: ${local}\n    context: in-cluster\ntargets:\n  - path: base\n    namespace: ${ns}\n`,
      'base/app.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config}\ndata: {LOG_LEVEL: info}\n',
    });
    const { manifests } = await renderChart(
      {
        repo: { url: 'https://git.example.com/fleet.git' },
        reconcile: { remediate: true, fieldManager: `trueup-${ns}`, resync: '0 0 1 1 *' },
        localCluster: { server: server.origin },
      },
      { namespace: ns, kubeVersion: fleet.kubernetesVersion },
    );
    await installIdentity(fleet.kubeconfigPath, local, manifests);
    clusterRole = find(manifests, 'ClusterRole').metadata?.name as string;
    const kubeconfig = await writeChartKubeconfigs({
      fleetKubeconfig: fleet.kubeconfigPath,
      local,
      inClusterKubeconfig: inClusterKubeconfigOf(manifests),
      tokens: { [local]: await serviceAccountToken(local, ns, 'trueup') },
    });
    const container = (find(manifests, 'Deployment') as unknown as V1Deployment).spec?.template.spec
      ?.containers[0];
    probes = {
      liveness: container?.livenessProbe?.httpGet?.path ?? '',
      readiness: container?.readinessProbe?.httpGet?.path ?? '',
    };
    // The pod's paths and address, moved to this machine; every other flag as rendered.
    dir = await mkdtemp(join(tmpdir(), 'trueup-helm-serve-'));
    const moved: Record<string, string> = {
      '--repo': repo.dir,
      '--listen': '127.0.0.1:0',
      '--state-dir': join(dir, 'state'),
      '--cache-dir': join(dir, 'cache'),
    };
    const args = (container?.args ?? []).map((arg) => {
      const flag = arg.split('=')[0] as string;
      return flag in moved ? `${flag}=${moved[flag]}` : arg;
    });
    const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig, HOME: dir };
    for (const e of container?.env ?? [])
      if (e.value !== undefined && !['KUBECONFIG', 'HOME'].includes(e.name)) env[e.name] = e.value;
    env.POD_NAME = 'trueup-0';
    env.POD_NAMESPACE = ns;
    daemon = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stdout?.on('data', (chunk: Buffer) => {
      logs += chunk.toString();
    });
    daemon.stderr?.on('data', (chunk: Buffer) => {
      logs += chunk.toString();
    });
    url = await eventually(
      'the daemon listens',
      async () => /"url":"(http:\/\/[^"]+)"/.exec(logs)?.[1],
      30_000,
    );
  }, HELM_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((resolve) => daemon?.once('exit', resolve));
      daemon.kill('SIGTERM');
      await exited;
    }
    await kubectl(local, ['delete', 'clusterrole,clusterrolebinding', clusterRole, '--ignore-not-found']);
    await repo?.remove();
    await removeTempFiles();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers the liveness and readiness probes once every cluster is listed', async () => {
    expect(probes).toEqual({ liveness: '/healthz', readiness: '/readyz' });
    expect((await fetch(`${url}${probes.liveness}`)).status).toBe(200);
    await eventually(`${probes.readiness} answers 200`, async () =>
      (await fetch(`${url}${probes.readiness}`)).status === 200 ? true : undefined,
    );
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain(`trueup_cluster_reachable{cluster="${local}"} 1`);
    expect(metrics).toContain('trueup_git_fetch_errors_total 0');
  });

  it('remediates a kubectl edit with the chart identity', async () => {
    await eventually(
      'app-config is created',
      async () =>
        (await clientsFor(local).core.readNamespacedConfigMap({ name: 'app-config', namespace: ns })).data,
    );
    await kubectlPatch(local, ns, 'configmap', 'app-config', '{"data":{"LOG_LEVEL":"debug"}}');
    await eventually('the edit is undone', async () => {
      const live = await clientsFor(local).core.readNamespacedConfigMap({
        name: 'app-config',
        namespace: ns,
      });
      return live.data?.LOG_LEVEL === 'info' ? true : undefined;
    });
    expect(logs).not.toMatch(/forbidden/i);
  });
});
