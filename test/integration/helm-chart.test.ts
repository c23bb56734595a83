/**
 * The Helm chart (helm/trueup) with the real helm v3 CLI: `helm lint` and `helm template` for
 * several values sets, every rendered object applied with a server dry-run to the real test
 * apiserver (prometheus-operator's kinds through minimal CRDs), values.schema.json refusing bad
 * values with the field's name, alerts that use only metrics trueup exports, and the git askpass
 * helper answering real git.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { V1Container } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createDiagnoseMetrics } from '../../diagnose/metrics.ts';
import { createMetrics } from '../../reconciler/daemon/metrics.ts';
import {
  find,
  HELM_BUILD_TIMEOUT_MS,
  kubectlApply,
  lintChart,
  type Manifest,
  monitoringCrdsFile,
  renderChart,
  runHelm,
  templateChart,
} from '../helm/helm.ts';
import { cases, deploymentOf, repoUrl } from '../helm/values-cases.ts';
import { clientsFor, eventually, freshNamespace, kubectl } from './kube.ts';

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];
const kubeVersion = fleet.kubernetesVersion;

describe('the Helm chart', () => {
  const ns = { release: '', teamA: '', teamB: '' };

  beforeAll(async () => {
    // A first run builds helm from Go modules: minutes, once.
    expect((await runHelm(['version', '--short'])).stdout).toMatch(/^v3\.\d+\.\d+/);
    const c = clientsFor(first);
    ns.release = await freshNamespace('helm-chart', [c]);
    ns.teamA = await freshNamespace('helm-team-a', [c]);
    ns.teamB = await freshNamespace('helm-team-b', [c]);
    const crds = await kubectl(first, ['apply', '-f', monitoringCrdsFile]);
    expect(crds).toContain('servicemonitors.monitoring.coreos.com');
    await eventually('the monitoring CRDs are served', async () => {
      const out = await kubectl(first, ['api-resources', '--api-group=monitoring.coreos.com', '-o', 'name']);
      return out.includes('servicemonitors') && out.includes('prometheusrules') ? true : undefined;
    });
  }, HELM_BUILD_TIMEOUT_MS);

  it.each(cases)('passes helm lint --strict with the values set "$name"', async ({ values }) => {
    const lint = await lintChart(values(ns), kubeVersion);
    expect(lint.stderr + lint.stdout).toContain('0 chart(s) failed');
    expect(lint.code).toBe(0);
  });

  it.each(cases)('renders the values set "$name" as expected', async ({ values, check }) => {
    const { manifests } = await renderChart(values(ns), { namespace: ns.release, kubeVersion });
    check(manifests, ns);
    for (const m of manifests) {
      expect(m.metadata?.labels?.['app.kubernetes.io/instance'], `${m.kind} ${m.metadata?.name}`).toBe(
        'trueup',
      );
    }
  });

  it.each(cases)(
    'every object of "$name" passes a server dry-run on the real apiserver',
    async ({ values }) => {
      const { yaml, manifests } = await renderChart(values(ns), { namespace: ns.release, kubeVersion });
      const result = await kubectlApply(fleet.kubeconfigPath, first, yaml, ['--dry-run=server']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      // kubectl prints one line per object: "<kind>/<name> created (server dry run)".
      const lines = result.stdout.trim().split('\n');
      expect(lines).toHaveLength(manifests.length);
      for (const line of lines) expect(line).toMatch(/ (created|configured|unchanged) \(server dry run\)$/);
    },
  );

  it('the test hook Pod checks /readyz through the Service, as a non-root user, and is no pod of the release', async () => {
    const { manifests } = await renderChart(
      { repo: { url: repoUrl } },
      { namespace: ns.release, kubeVersion },
    );
    const test = manifests.find((m) => m.kind === 'Pod') as Manifest & {
      spec: { securityContext: { runAsNonRoot: boolean }; containers: V1Container[] };
    };
    expect(test.metadata?.annotations?.['helm.sh/hook']).toBe('test');
    expect(test.spec.securityContext.runAsNonRoot).toBe(true);
    expect(test.spec.containers[0]?.command?.join(' ')).toContain(
      `http://trueup.${ns.release}.svc:8080/readyz`,
    );
    const selector = deploymentOf(manifests).spec?.selector.matchLabels ?? {};
    const labels = test.metadata?.labels ?? {};
    expect(Object.entries(selector).every(([k, v]) => labels[k] === v)).toBe(false);
  });

  it.each([
    // [what is wrong, values, the words helm must say]
    ['a negative replica count', { replicaCount: -1 }, "at '/replicaCount'"],
    ['an unknown RBAC scope', { rbac: { scope: 'everywhere' } }, "at '/rbac/scope': value must be one of"],
    ['a misspelt value', { reconcile: { remidiate: true } }, "additional properties 'remidiate' not allowed"],
    ['a repo URL that is not one', { repo: { url: 'fleet repo' } }, "at '/repo/url'"],
    ['a port given by name', { service: { port: 'http' } }, "at '/service/port': got string, want integer"],
    ['a remote cluster without its Secret', { remoteClusters: [{ name: 'prod' }] }, "at '/remoteClusters/0'"],
    [
      'an alert duration in words',
      {
        metrics: {
          prometheusRule: {
            alerts: { gitFetchFailing: { enabled: true, for: 'a while', severity: 'warning' } },
          },
        },
      },
      'gitFetchFailing/for',
    ],
    [
      'a branch git would read as an option',
      { repo: { url: repoUrl, branch: '--upload-pack=x' } },
      "at '/repo/branch'",
    ],
  ])('values.schema.json refuses %s, naming the field', async (_what, bad, message) => {
    const result = await templateChart(
      { repo: { url: repoUrl }, ...bad },
      { namespace: ns.release, kubeVersion },
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("values don't meet the specifications of the schema");
    expect(result.stderr).toContain(message);
  });

  it.each([
    ['no repo URL', { repo: { url: '' } }, 'repo.url: set the fleet repo'],
    [
      'namespaced RBAC without namespaces',
      { rbac: { scope: 'namespaced' } },
      'rbac.namespaces: list the namespaces',
    ],
    ['no cluster at all', { localCluster: { enabled: false } }, 'trueup needs at least one cluster'],
    [
      'proxy header auth without a NetworkPolicy (any pod could send the header)',
      { console: { auth: { proxy: { userHeader: 'X-Forwarded-User' } } } },
      'console.auth.proxy.userHeader: any pod could send this header',
    ],
    [
      'proxy header auth with a NetworkPolicy but no proxy peers',
      { console: { auth: { proxy: { userHeader: 'X-Forwarded-User' } } }, networkPolicy: { enabled: true } },
      'console.auth.proxy.from: list the proxy',
    ],
    [
      'proxy header auth with other peers admitted too',
      {
        console: { auth: { proxy: { userHeader: 'X-Forwarded-User', from: [{ podSelector: {} }] } } },
        networkPolicy: { enabled: true, ingressFrom: [{ namespaceSelector: {} }] },
      },
      'networkPolicy.ingressFrom: with console.auth.proxy.userHeader only the proxy',
    ],
    [
      'a proxy JWT without its key',
      { console: { auth: { proxy: { jwt: { header: 'X-Forwarded-Access-Token' } } } } },
      'console.auth.proxy.jwt.keySecret',
    ],
    [
      'a token in the repo URL',
      { repo: { url: 'https://bot:ghp_s3cr3t@git.example.com/fleet.git' } },
      'repo.url: carries a password or token',
    ],
    [
      'a remote cluster named twice',
      {
        remoteClusters: [
          { name: 'a', secretName: 'a' },
          { name: 'a', secretName: 'b' },
        ],
      },
      'remoteClusters: the name "a" is used twice',
    ],
    ['an ingress without hosts', { ingress: { enabled: true } }, 'ingress.hosts: give at least one host'],
    [
      'several replicas on one existing (shared) claim',
      { replicaCount: 2, persistence: { existingClaim: 'trueup-state' } },
      "persistence.existingClaim: with replicaCount > 1 the pods would share one state volume, and trueup's SQLite state must not be shared",
    ],
    [
      'several replicas on a ReadWriteMany (shared) volume',
      { replicaCount: 3, persistence: { accessModes: ['ReadWriteMany'] } },
      "persistence.accessModes: ReadWriteMany is for a state volume shared between pods, and trueup's SQLite state must not be shared",
    ],
    [
      'several replicas without a shared PostgreSQL store',
      { replicaCount: 2 },
      'store.postgres.urlSecretRef.name: with replicaCount > 1 the replicas must share one audit store',
    ],
    [
      'a PostgreSQL URL Secret reference with an empty key',
      { store: { postgres: { urlSecretRef: { name: 'pg', key: '' } } } },
      "at '/store/postgres/urlSecretRef/key'",
    ],
  ])('refuses %s with a message naming the value', async (_what, bad, message) => {
    const result = await templateChart(
      { repo: { url: repoUrl }, ...bad },
      { namespace: ns.release, kubeVersion },
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
    // A credential in a bad value is not repeated back.
    expect(result.stderr).not.toContain('ghp_s3cr3t');
  });

  it('alerts only on metrics trueup exports, scoped to the release', async () => {
    const { manifests } = await renderChart(
      { repo: { url: repoUrl }, metrics: { prometheusRule: { enabled: true } } },
      { namespace: ns.release, kubeVersion },
    );
    const rule = find(manifests, 'PrometheusRule') as Manifest & {
      spec: { groups: { rules: { alert: string; expr: string; for: string }[] }[] };
    };
    const rules = rule.spec.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual([
      'TrueupDriftUnremediated',
      'TrueupClusterUnreachable',
      'TrueupRemediationFailing',
      'TrueupReconcileStalled',
      'TrueupGitFetchFailing',
    ]);
    const exported = await exportedSeries();
    for (const { alert, expr } of rules) {
      const used = expr.match(/trueup_\w+/g) ?? [];
      expect(used.length, alert).toBeGreaterThan(0);
      for (const series of used) expect(exported, `${alert} uses ${series}`).toContain(series);
      expect(expr, alert).toContain(`job="trueup",namespace="${ns.release}"`);
    }
  });

  it('the git askpass helper gives real git the username and token from the mounted Secret', async () => {
    const { manifests } = await renderChart(
      { repo: { url: repoUrl, credentials: { existingSecret: 'fleet-repo', usernameKey: 'user' } } },
      { namespace: ns.release, kubeVersion },
    );
    const script = (find(manifests, 'ConfigMap') as Manifest & { data: Record<string, string> }).data[
      'git-askpass'
    ] as string;
    const dir = await mkdtemp(join(tmpdir(), 'trueup-askpass-'));
    try {
      await writeFile(join(dir, 'askpass'), script, { mode: 0o755 });
      await writeFile(join(dir, 'user'), 'deploy-bot\n');
      await writeFile(join(dir, 'password'), 'askpass-test-token');
      const fill = async () => {
        const child = promisify(execFile)('git', ['credential', 'fill'], {
          env: {
            PATH: process.env.PATH,
            HOME: dir,
            GIT_ASKPASS: join(dir, 'askpass'),
            TRUEUP_GIT_CREDENTIALS: dir,
            GIT_TERMINAL_PROMPT: '0',
          },
        });
        child.child.stdin?.end('protocol=https\nhost=git.example.com\n\n');
        return (await child).stdout;
      };
      expect(await fill()).toContain('username=deploy-bot\npassword=askpass-test-token\n');
      // Without a username key, git gets a placeholder user and still the token.
      await rm(join(dir, 'user'));
      expect(await fill()).toContain('username=git\npassword=askpass-test-token\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** exportedSeries lists every series name trueup's registries export (histograms as their parts). */
async function exportedSeries(): Promise<string[]> {
  const metrics = createMetrics();
  createDiagnoseMetrics(metrics.registry);
  const names: string[] = [];
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    const type = String(m.type);
    names.push(...(type === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => m.name + s) : [m.name]));
  }
  return names;
}
