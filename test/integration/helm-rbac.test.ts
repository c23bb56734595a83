/**
 * The chart's RBAC proven for real: its rendered ServiceAccount, ClusterRole and binding are
 * installed on every fleet cluster, trueup runs with that ServiceAccount's token through the chart's
 * own in-cluster kubeconfig (local cluster) and remote kubeconfig files merged with KUBECONFIG —
 * diff, reconcile --remediate and diagnose work; take one verb away and the matching operation fails
 * with an error naming the verb and resource, while diff still works.
 */
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Deployment, V1PolicyRule } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { find, HELM_BUILD_TIMEOUT_MS, kubectlApply, type Manifest, renderChart } from '../helm/helm.ts';
import {
  canI,
  inClusterKubeconfigOf,
  installIdentity,
  removeTempFiles,
  serviceAccountToken,
  TrueupRunner,
  toYaml,
  writeChartKubeconfigs,
} from '../helm/service-account.ts';
import { alert, createWorkload } from '../helm/workload.ts';
import { createFleetRepo, type FleetRepo } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace, kubectl, kubectlPatch } from './kube.ts';

const fleet = inject('fleet');
const [local, ...remotes] = fleet.clusters as [string, ...string[]];
const canary = 'helm-rbac-canary-9c4e-pa55';

interface DiffBody {
  clusters: { name: string; reachable: boolean; error?: string }[];
  drifts: { cluster: string; kind: string; name: string; status: string }[];
}
interface ReconcileBody extends DiffBody {
  changes: { cluster: string; kind: string; name: string; action: string; error?: string }[];
}

describe("trueup as the chart's ServiceAccount", () => {
  let ns: string;
  let repo: FleetRepo;
  let manifests: Manifest[];
  let kubeconfigEnv = '';
  const runner = new TrueupRunner(() => ({ KUBECONFIG: kubeconfigEnv }));
  const clusterRole = () => find(manifests, 'ClusterRole');
  const common = () => ['--repo', repo.dir, '--field-manager', `trueup-${ns}`, '--timeout', '5'];

  beforeAll(async () => {
    ns = await freshNamespace('helm-rbac', fleet.clusters.map(clientsFor));
    const server = new URL(
      await kubectl(local, ['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}']),
    );
    ({ manifests } = await renderChart(
      {
        repo: { url: 'https://git.example.com/fleet.git' },
        reconcile: { remediate: true },
        localCluster: { context: 'in-cluster', server: server.origin },
      },
      { namespace: ns, kubeVersion: fleet.kubernetesVersion },
    ));
    const tokens: Record<string, string> = {};
    for (const context of fleet.clusters) {
      await installIdentity(fleet.kubeconfigPath, context, manifests);
      tokens[context] = await serviceAccountToken(context, ns, 'trueup');
    }
    kubeconfigEnv = await writeChartKubeconfigs({
      fleetKubeconfig: fleet.kubeconfigPath,
      local,
      inClusterKubeconfig: inClusterKubeconfigOf(manifests),
      tokens,
    });
    const clusters = fleet.clusters
      .map((name) => `  - name: ${name}\n    context: ${name === local ? 'in-cluster' : name}`)
      .join('\n');
    repo = await createFleetRepo({
      'fleet.yaml': `apiVersion: trueup.io/v1alpha1\nkind: Fleet\nclusters:\n${clusters}\ntargets:\n  - path: base\n    namespace: ${ns}\n`,
      'base/app.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config}\ndata:\n  DB_HOST: db.internal\n  LOG_LEVEL: info\n',
      'base/creds.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: app-creds}\nstringData:\n  password: ${canary}\n`,
    });
  }, HELM_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    for (const context of fleet.clusters) {
      const role = clusterRole().metadata?.name as string;
      await kubectl(context, ['delete', 'clusterrole,clusterrolebinding', role, '--ignore-not-found']);
    }
    await repo?.remove();
    await runner.remove();
    await removeTempFiles();
    // No Secret value in anything trueup printed as that identity.
    expect(runner.allOutput()).not.toContain(canary);
  });

  it('diff reads every cluster with that identity and reports the missing objects', async () => {
    const { code, body, stderr } = await runner.json<DiffBody>(['diff', ...common()]);
    expect(stderr).not.toMatch(/forbidden/i);
    expect(code).toBe(1);
    expect(body.clusters).toEqual(fleet.clusters.map((name) => ({ name, reachable: true })));
    expect(body.drifts.filter((d) => d.status === 'missing')).toHaveLength(2 * fleet.clusters.length);
  });

  it('reconcile --once --remediate creates, repairs a kubectl edit and records Events with that identity', async () => {
    const created = await runner.json<ReconcileBody>(['reconcile', '--once', '--remediate', ...common()]);
    expect(created.body.changes.filter((c) => c.action === 'created')).toHaveLength(
      2 * fleet.clusters.length,
    );
    expect(created.code).toBe(0);

    const remote = remotes[0] as string;
    await kubectl(remote, ['-n', ns, 'edit', 'configmap', 'app-config'], {
      KUBE_EDITOR: `sed -i -e 's/LOG_LEVEL: info/LOG_LEVEL: debug/' -e 's/^data:/data:\\n  extra: added/'`,
    });
    const fixed = await runner.json<ReconcileBody>(['reconcile', '--once', '--remediate', ...common()]);
    expect(fixed.body.changes).toMatchObject([{ cluster: remote, name: 'app-config', action: 'configured' }]);
    expect(fixed.code).toBe(0);
    const live = await clientsFor(remote).core.readNamespacedConfigMap({ name: 'app-config', namespace: ns });
    expect(live.data).toEqual({ DB_HOST: 'db.internal', LOG_LEVEL: 'info' });
    const events = await clientsFor(remote).core.listNamespacedEvent({ namespace: ns });
    expect(events.items.map((e) => e.reason)).toContain('DriftRemediated');
  });

  it('diagnose --alert reads the workload, its pods, ConfigMaps and Events with that identity', async () => {
    await createWorkload(local, ns);
    await kubectlPatch(local, ns, 'configmap', 'app-config', '{"data":{"DB_HOST":"db.wrong"}}');
    const alertFile = join(tmpdir(), `trueup-helm-alert-${ns}.json`);
    await writeFile(alertFile, JSON.stringify(alert(local, ns, 'api-7d9-x1')));
    onTestFinished(() => rm(alertFile, { force: true }));
    const { code, body } = await runner.json<{
      evidence: {
        notes: string[];
        workloads: { found: boolean; error?: string; pods: { name: string }[] }[];
        configs: { name: string; drift?: unknown; liveError?: string }[];
      };
      diagnosis: { answer: { fix?: { type: string; target: string } } };
    }>(['diagnose', '--alert', alertFile, ...common()]);
    expect(code).toBe(0);
    expect(body.evidence.notes.join('\n')).not.toMatch(/forbidden/i);
    expect(body.evidence.workloads[0]?.found).toBe(true);
    expect(body.evidence.workloads[0]?.error).toBeUndefined();
    expect(body.evidence.workloads[0]?.pods.map((p) => p.name)).toEqual(['api-7d9-x1']);
    expect(body.evidence.configs.find((c) => c.name === 'app-config')?.drift).toMatchObject({
      status: 'modified',
    });
    expect(body.diagnosis.answer.fix).toMatchObject({
      type: 'revert-drift',
      target: `${local}/${ns}/ConfigMap/app-config`,
    });
  });

  it('without patch on configmaps, remediating a ConfigMap fails naming the verb and resource; diff still works', async () => {
    const rules = (clusterRole() as Manifest & { rules: V1PolicyRule[] }).rules;
    const withoutPatch = rules.flatMap((rule) =>
      rule.resources?.includes('configmaps')
        ? [
            { ...rule, resources: ['configmaps'], verbs: rule.verbs.filter((v) => v !== 'patch') },
            { ...rule, resources: ['secrets'] },
          ]
        : [rule],
    );
    await applyRole(local, { ...clusterRole(), rules: withoutPatch });
    try {
      await kubectlPatch(local, ns, 'configmap', 'app-config', '{"data":{"DB_HOST":"db.other"}}');
      const run = await runner.run(['reconcile', '--once', '--remediate', ...common()]);
      expect(run.code).toBe(2);
      expect(run.stdout).toMatch(
        new RegExp(`${local}: ConfigMap ${ns}/app-config: FAILED .*cannot patch resource "configmaps"`),
      );
      const live = await clientsFor(local).core.readNamespacedConfigMap({
        name: 'app-config',
        namespace: ns,
      });
      expect(live.data?.DB_HOST).toBe('db.other');

      const diff = await runner.json<DiffBody>(['diff', ...common()]);
      expect(diff.code).toBe(1);
      expect(diff.body.clusters.every((c) => c.reachable)).toBe(true);
      expect(diff.body.drifts).toMatchObject([{ cluster: local, name: 'app-config', status: 'modified' }]);
    } finally {
      await applyRole(local, clusterRole());
    }
  });

  it('deletes an orphan only when the chart is rendered with prune: the default role has no delete', async () => {
    await repo.commit({ 'base/creds.yaml': null }, 'drop app-creds');
    const refused = await runner.run(['reconcile', '--once', '--remediate', '--prune', ...common()]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(
      new RegExp(`Secret ${ns}/app-creds: FAILED .*cannot delete resource "secrets"`),
    );

    const { manifests: pruning } = await renderChart(
      { repo: { url: 'https://git.example.com/fleet.git' }, reconcile: { remediate: true, prune: true } },
      { namespace: ns, kubeVersion: fleet.kubernetesVersion },
    );
    for (const context of fleet.clusters)
      await applyRole(context, find(pruning, 'ClusterRole'), ['delete', 'secrets']);
    const pruned = await runner.json<ReconcileBody>([
      'reconcile',
      '--once',
      '--remediate',
      '--prune',
      ...common(),
    ]);
    expect(pruned.body.changes.filter((c) => c.action === 'deleted')).toHaveLength(fleet.clusters.length);
    expect(pruned.code).toBe(0);
  });

  /**
   * applyRole replaces the ClusterRole on one cluster and waits until the authorizer answers for
   * the ServiceAccount as the role says about one verb and resource.
   */
  async function applyRole(
    context: string,
    role: Manifest,
    check: [string, string] = ['patch', 'configmaps'],
  ) {
    const [verb, resource] = check;
    const result = await kubectlApply(fleet.kubeconfigPath, context, toYaml([role]));
    expect(result.code, result.stderr).toBe(0);
    const allowed = (role as Manifest & { rules: V1PolicyRule[] }).rules.some(
      (r) => r.resources?.includes(resource) && r.verbs.includes(verb),
    );
    await eventually('the authorizer sees the new ClusterRole', async () =>
      ((await canI(context, ns, [verb, resource, '-n', ns])) === 'yes') === allowed ? true : undefined,
    );
  }
});

describe('namespaced RBAC (rbac.scope: namespaced)', () => {
  it('grants the listed namespaces only (nothing cluster-wide, elsewhere, no delete, no Leases), enough for diff with --namespaces', async () => {
    const c = clientsFor(local);
    const ns = await freshNamespace('helm-rbac-ns', [c]);
    const other = await freshNamespace('helm-rbac-other', [c]);
    const server = new URL(
      await kubectl(local, ['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}']),
    );
    const { manifests } = await renderChart(
      {
        repo: { url: 'https://git.example.com/fleet.git' },
        rbac: { scope: 'namespaced', namespaces: [ns] },
        localCluster: { server: server.origin },
      },
      { namespace: ns, kubeVersion: fleet.kubernetesVersion },
    );
    await installIdentity(fleet.kubeconfigPath, local, manifests);
    await eventually('the Role is in force', async () =>
      (await canI(local, ns, ['patch', 'configmaps', '-n', ns])) === 'yes' ? true : undefined,
    );
    expect(await canI(local, ns, ['list', 'secrets', '-n', ns])).toBe('yes');
    expect(await canI(local, ns, ['create', 'events', '-n', ns])).toBe('yes');
    expect(await canI(local, ns, ['list', 'pods', '-n', ns])).toBe('yes');
    expect(await canI(local, ns, ['delete', 'configmaps', '-n', ns])).toBe('no');
    expect(await canI(local, ns, ['get', 'configmaps', '-n', other])).toBe('no');
    expect(await canI(local, ns, ['list', 'secrets', '--all-namespaces'])).toBe('no');
    expect(await canI(local, ns, ['create', 'leases.coordination.k8s.io', '-n', ns])).toBe('no');
    expect(await canI(local, ns, ['delete', 'pods', '-n', ns])).toBe('no');

    // With --namespaces (what the chart passes with scope: namespaced) trueup lists and watches only
    // the granted namespaces, so this identity is enough (test/integration/namespaces.test.ts has more).
    const token = await serviceAccountToken(local, ns, 'trueup');
    const kubeconfig = await writeChartKubeconfigs({
      fleetKubeconfig: fleet.kubeconfigPath,
      local,
      inClusterKubeconfig: inClusterKubeconfigOf(manifests),
      tokens: { [local]: token },
    });
    const runner = new TrueupRunner(() => ({ KUBECONFIG: kubeconfig }));
    const repo = await createFleetRepo({
      'fleet.yaml': `apiVersion: trueup.io/v1alpha1\nkind: Fleet\nclusters:\n  - name: ${local}\n    context: in-cluster\ntargets:\n  - path: base\n    namespace: ${ns}\n`,
      'base/app.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config}\ndata: {LOG_LEVEL: info}\n',
    });
    try {
      const deployment = find(manifests, 'Deployment') as unknown as V1Deployment;
      const args = (deployment.spec?.template.spec?.containers[0]?.args ?? []).filter((a) =>
        a.startsWith('--namespaces='),
      );
      expect(args).toEqual([`--namespaces=${ns}`]);
      const { code, body, stderr } = await runner.json<DiffBody>([
        'diff',
        '--repo',
        repo.dir,
        '--timeout',
        '5',
        ...args,
      ]);
      expect(stderr).not.toMatch(/forbidden|cluster scope/i);
      expect(body.clusters).toEqual([{ name: local, reachable: true }]);
      expect(body.drifts).toMatchObject([{ cluster: local, name: 'app-config', status: 'missing' }]);
      expect(code).toBe(1);
    } finally {
      await repo.remove();
      await runner.remove();
      await removeTempFiles();
    }
  });
});
