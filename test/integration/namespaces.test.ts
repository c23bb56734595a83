/**
 * `--namespaces` with namespaced RBAC: the chart's ServiceAccount with `rbac.scope: namespaced` (a
 * Role in each of two namespaces, nothing cluster-wide) runs the real `trueup diff`, `reconcile
 * --once --remediate` and `serve`, which list and watch only those namespaces; an object the repo
 * declares in a third namespace is reported as an error naming it, and left alone.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HELM_BUILD_TIMEOUT_MS, renderChart } from '../helm/helm.ts';
import {
  canI,
  inClusterKubeconfigOf,
  installIdentity,
  removeTempFiles,
  serviceAccountToken,
  TrueupRunner,
  writeChartKubeconfigs,
} from '../helm/service-account.ts';
import { createFleetRepo, type FleetRepo } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace, kubectl, kubectlPatch } from './kube.ts';
import { keepLogs, type Replica, startReplica } from './replica.ts';

const fleet = inject('fleet');
const [local] = fleet.clusters as [string];
const canary = 'namespaces-canary-51d2-pa55';

interface DiffBody {
  clusters: { name: string; reachable: boolean; error?: string }[];
  drifts: { cluster: string; kind: string; namespace: string; name: string; status: string }[];
  errors: { file?: string; cluster?: string; message: string }[];
}
interface ReconcileBody extends DiffBody {
  changes: { kind: string; namespace: string; name: string; action: string; error?: string }[];
}

describe('--namespaces with a Role in each namespace only', () => {
  const core = clientsFor(local).core;
  let nsA: string;
  let nsB: string;
  let other: string;
  let repo: FleetRepo;
  let kubeconfig = '';
  const runner = new TrueupRunner(() => ({ KUBECONFIG: kubeconfig }));
  const scope = () => ['--namespaces', nsA, nsB];
  const common = () => ['--repo', repo.dir, '--field-manager', `trueup-${nsA}`, '--timeout', '5'];

  beforeAll(async () => {
    const clients = [clientsFor(local)];
    [nsA, nsB, other] = await Promise.all([
      freshNamespace('ns-scope-a', clients),
      freshNamespace('ns-scope-b', clients),
      freshNamespace('ns-scope-other', clients),
    ]);
    const server = new URL(
      await kubectl(local, ['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}']),
    );
    const { manifests } = await renderChart(
      {
        repo: { url: 'https://git.example.com/fleet.git' },
        rbac: { scope: 'namespaced', namespaces: [nsA, nsB] },
        localCluster: { server: server.origin },
      },
      { namespace: nsA, kubeVersion: fleet.kubernetesVersion },
    );
    await installIdentity(fleet.kubeconfigPath, local, manifests);
    for (const ns of [nsA, nsB]) {
      await eventually(`the Role in ${ns} is in force`, async () =>
        (await canI(local, nsA, ['patch', 'configmaps', '-n', ns])) === 'yes' ? true : undefined,
      );
    }
    expect(await canI(local, nsA, ['list', 'secrets', '--all-namespaces'])).toBe('no');
    kubeconfig = await writeChartKubeconfigs({
      fleetKubeconfig: fleet.kubeconfigPath,
      local,
      inClusterKubeconfig: inClusterKubeconfigOf(manifests),
      tokens: { [local]: await serviceAccountToken(local, nsA, 'trueup') },
    });
    repo = await createFleetRepo({
      'fleet.yaml': `apiVersion: trueup.io/v1alpha1\nkind: Fleet\nclusters:\n  - name: ${local}\n    context: in-cluster\ntargets:\n  - path: a\n    namespace: ${nsA}\n  - path: b\n    namespace: ${nsB}\n`,
      'a/app.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config}\ndata: {LOG_LEVEL: info}\n',
      'b/creds.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: app-creds}\nstringData:\n  password: ${canary}\n`,
    });
  }, HELM_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await repo?.remove();
    await runner.remove();
    await removeTempFiles();
    // No Secret value in anything trueup printed as that identity.
    expect(runner.allOutput()).not.toContain(canary);
  });

  it('diff lists each namespace with that identity and reports the missing objects in both', async () => {
    const { code, body, stderr } = await runner.json<DiffBody>(['diff', ...common(), ...scope()]);
    expect(stderr).not.toMatch(/forbidden/i);
    expect(body.clusters).toEqual([{ name: local, reachable: true }]);
    expect(body.errors).toEqual([]);
    expect(body.drifts.map((d) => `${d.kind} ${d.namespace}/${d.name} ${d.status}`).sort()).toEqual([
      `ConfigMap ${nsA}/app-config missing`,
      `Secret ${nsB}/app-creds missing`,
    ]);
    expect(code).toBe(1);
  });

  it('without --namespaces the same identity is denied the cluster-wide list', async () => {
    const run = await runner.run(['diff', ...common()]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(
      /cannot list resource "(configmaps|secrets)" in API group "" at the cluster scope/,
    );
  });

  it('reconcile --once --remediate creates the objects in both namespaces, then reports them in sync', async () => {
    const created = await runner.json<ReconcileBody>([
      'reconcile',
      '--once',
      '--remediate',
      ...common(),
      ...scope(),
    ]);
    expect(created.body.changes.map((c) => `${c.namespace}/${c.name} ${c.action}`).sort()).toEqual([
      `${nsA}/app-config created`,
      `${nsB}/app-creds created`,
    ]);
    expect(created.code).toBe(0);
    const again = await runner.json<DiffBody>(['diff', ...common(), ...scope()]);
    expect(again.body.drifts.filter((d) => d.status !== 'in-sync')).toEqual([]);
    expect(again.code).toBe(0);
  });

  it('serve watches each namespace and undoes kubectl edits in both', async () => {
    const kubeconfigFile = kubeconfig.split(':')[0] as string;
    let replica: Replica | undefined;
    try {
      replica = await startReplica(`ns-scope-${nsA}`, [
        ...common(),
        '--kubeconfig',
        kubeconfigFile,
        '--cache-dir',
        runner.cacheDir,
        '--remediate',
        '--resync',
        '0 0 1 1 *',
        ...scope(),
      ]);
      const started = replica;
      await eventually('the daemon has listed both namespaces (ready)', async () =>
        (await fetch(`${started.url}/readyz`)).ok ? true : undefined,
      );
      await kubectlPatch(local, nsA, 'configmap', 'app-config', '{"data":{"LOG_LEVEL":"debug"}}');
      await kubectlPatch(local, nsB, 'secret', 'app-creds', '{"stringData":{"extra":"x"}}');
      await eventually('both edits are undone', async () => {
        const cm = await core.readNamespacedConfigMap({ name: 'app-config', namespace: nsA });
        const secret = await core.readNamespacedSecret({ name: 'app-creds', namespace: nsB });
        return cm.data?.LOG_LEVEL === 'info' && !('extra' in (secret.data ?? {})) ? true : undefined;
      });
      expect(
        replica
          .lines()
          .map((l) => l.msg ?? '')
          .join('\n'),
      ).not.toMatch(/forbidden|cluster scope/i);
    } catch (err) {
      if (replica) keepLogs([replica]);
      throw err;
    } finally {
      await replica?.kill('SIGTERM');
      if (replica) await rm(replica.stateDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('reports an object declared outside --namespaces as an error naming it, and leaves it alone', async () => {
    await repo.commit(
      {
        'fleet.yaml': `apiVersion: trueup.io/v1alpha1\nkind: Fleet\nclusters:\n  - name: ${local}\n    context: in-cluster\ntargets:\n  - path: a\n    namespace: ${nsA}\n  - path: b\n    namespace: ${nsB}\n  - path: c\n    namespace: ${other}\n`,
        'c/elsewhere.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: elsewhere}\ndata: {A: b}\n',
      },
      'declare an object in a namespace trueup may not touch',
    );
    const diff = await runner.json<DiffBody>(['diff', ...common(), ...scope()]);
    expect(diff.body.errors).toEqual([
      {
        file: 'c/elsewhere.yaml',
        line: 4,
        cluster: local,
        message: `ConfigMap ${other}/elsewhere: namespace ${other} is not in --namespaces (${nsA}, ${nsB}); not reconciled`,
      },
    ]);
    expect(diff.body.clusters).toEqual([{ name: local, reachable: true }]);
    expect(diff.body.drifts.some((d) => d.namespace === other)).toBe(false);
    expect(diff.code).toBe(2);

    const reconcile = await runner.run(['reconcile', '--once', '--remediate', ...common(), ...scope()]);
    expect(reconcile.stdout + reconcile.stderr).toContain(`namespace ${other} is not in --namespaces`);
    const inOther = await core.listNamespacedConfigMap({ namespace: other });
    expect(inOther.items.map((c) => c.metadata?.name)).not.toContain('elsewhere');
  });
});
