/**
 * The values sets the chart tests render, lint and dry-run, each with what it must render.
 */
import type { V1Container, V1Deployment, V1PolicyRule, V1StatefulSet } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { find, type Manifest } from './helm.ts';

/** repoUrl is the fleet repo URL the values sets use. */
export const repoUrl = 'https://git.example.com/platform/fleet.git';

/** Namespaces are the release namespace and two the fleet targets, created on the first cluster. */
export interface Namespaces {
  release: string;
  teamA: string;
  teamB: string;
}

/** ValuesCase is one values set and what it must render. */
export interface ValuesCase {
  name: string;
  values: (ns: Namespaces) => object;
  /** check asserts what this values set must render. */
  check: (manifests: Manifest[], ns: Namespaces) => void;
}

/** statefulSetOf returns the rendered StatefulSet (replicaCount > 1 with persistence). */
export const statefulSetOf = (manifests: Manifest[]) =>
  find(manifests, 'StatefulSet') as unknown as V1StatefulSet;

/** deploymentOf returns the rendered Deployment. */
export const deploymentOf = (manifests: Manifest[]) =>
  find(manifests, 'Deployment') as unknown as V1Deployment;
const containerOf = (manifests: Manifest[]) =>
  (manifests.some((m) => m.kind === 'StatefulSet') ? statefulSetOf(manifests) : deploymentOf(manifests)).spec
    ?.template.spec?.containers[0] as V1Container;
const envNames = (manifests: Manifest[]) => (containerOf(manifests).env ?? []).map((e) => e.name);
const envValue = (manifests: Manifest[], name: string) =>
  containerOf(manifests).env?.find((e) => e.name === name)?.value;
const rulesOf = (manifest: Manifest) => (manifest as unknown as { rules: V1PolicyRule[] }).rules;
const verbsOn = (rules: V1PolicyRule[], resource: string) =>
  rules.find((r) => r.resources?.includes(resource))?.verbs;

/** cases are the values sets: defaults, namespaced RBAC, prune, everything optional on, HA, RBAC only. */
export const cases: ValuesCase[] = [
  {
    name: 'defaults',
    values: () => ({ repo: { url: repoUrl } }),
    check: (manifests) => {
      expect(manifests.map((m) => m.kind).sort()).toEqual([
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'Deployment',
        'PersistentVolumeClaim',
        'Pod',
        'Secret',
        'Service',
        'ServiceAccount',
      ]);
      // One digest key for the installation: a random one the chart makes (and keeps), by reference.
      const digestKey = find(manifests, 'Secret', 'trueup-digest-key') as Manifest & {
        data: Record<string, string>;
      };
      expect(digestKey.metadata?.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
      expect(Buffer.from(digestKey.data['digest-key'] ?? '', 'base64').toString()).toMatch(
        /^[A-Za-z0-9]{48}$/,
      );
      expect(containerOf(manifests).env?.find((e) => e.name === 'TRUEUP_DIGEST_KEY')?.valueFrom).toEqual({
        secretKeyRef: { name: 'trueup-digest-key', key: 'digest-key' },
      });
      const pod = deploymentOf(manifests).spec?.template.spec;
      const container = containerOf(manifests);
      expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(container.args?.some((a) => a.startsWith('--audit-tokens'))).toBe(false);
      expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(container.resources?.requests).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      expect(container.resources?.limits).toMatchObject({ memory: expect.any(String) });
      expect(container.volumeMounts?.map((m) => m.mountPath)).toEqual(
        expect.arrayContaining(['/tmp', '/var/cache/trueup', '/var/lib/trueup']),
      );
      expect(pod?.volumes?.find((v) => v.name === 'state')?.persistentVolumeClaim).toBeDefined();
      expect(container.args).toContain(`--repo=${repoUrl}`);
      expect(container.args).toEqual(
        expect.arrayContaining(['--retain-audit-days=30', '--retain-incident-days=90']),
      );
      expect(container.args).not.toContain('--remediate');
      expect(container.args).not.toContain('--leader-elect');
      expect(container.args?.some((a) => a.startsWith('--namespaces'))).toBe(false);
      expect(envValue(manifests, 'KUBECONFIG')).toBe('/etc/trueup/config/in-cluster.kubeconfig');
      // Least privilege: no delete without prune, nothing but reads on workloads, no Leases.
      const rules = rulesOf(find(manifests, 'ClusterRole'));
      expect(verbsOn(rules, 'configmaps')).toEqual(['get', 'list', 'watch', 'patch', 'create']);
      expect(verbsOn(rules, 'pods')).toEqual(['get', 'list']);
      expect(verbsOn(rules, 'services')).toEqual(['get']);
      expect(verbsOn(rules, 'deployments')).toEqual(['get', 'list']);
      expect(rules.some((r) => r.resources?.includes('leases'))).toBe(false);
      expect(deploymentOf(manifests).spec?.strategy?.type).toBe('Recreate');
    },
  },
  {
    name: 'namespaced RBAC',
    values: (ns) => ({
      repo: { url: repoUrl },
      rbac: { scope: 'namespaced', namespaces: [ns.teamA, ns.teamB] },
    }),
    check: (manifests, ns) => {
      expect(manifests.some((m) => m.kind === 'ClusterRole' || m.kind === 'ClusterRoleBinding')).toBe(false);
      for (const kind of ['Role', 'RoleBinding']) {
        const namespaces = manifests.filter((m) => m.kind === kind).map((m) => m.metadata?.namespace);
        expect(namespaces.sort()).toEqual([ns.teamA, ns.teamB].sort());
      }
      // trueup lists and watches only the namespaces its Roles grant.
      expect(containerOf(manifests).args?.filter((a) => a.startsWith('--namespaces'))).toEqual([
        `--namespaces=${ns.teamA}`,
        `--namespaces=${ns.teamB}`,
      ]);
    },
  },
  {
    name: 'prune on',
    values: () => ({ repo: { url: repoUrl }, reconcile: { remediate: true, prune: true } }),
    check: (manifests) => {
      expect(containerOf(manifests).args).toEqual(expect.arrayContaining(['--remediate', '--prune']));
      const rules = rulesOf(find(manifests, 'ClusterRole'));
      expect(verbsOn(rules, 'secrets')).toEqual(['get', 'list', 'watch', 'patch', 'create', 'delete']);
      expect(verbsOn(rules, 'pods')).toEqual(['get', 'list']);
    },
  },
  {
    name: 'ingress, ServiceMonitor, PrometheusRule, NetworkPolicy and every Secret',
    values: () => ({
      repo: { url: repoUrl, credentials: { existingSecret: 'fleet-repo' } },
      remoteClusters: [
        { name: 'prod-eu', secretName: 'kubeconfig-prod-eu' },
        { name: 'prod-us', secretName: 'kubeconfig-prod-us', key: 'config' },
      ],
      sops: { ageKeySecret: 'sops-age' },
      digestKey: { existingSecret: 'trueup-digest', key: 'key' },
      llm: { baseUrl: 'http://vllm.ai.svc:8000/v1', model: 'qwen3', apiKeySecret: 'llm' },
      webhook: { existingSecret: 'alertmanager-webhook', basicAuthKey: 'basic-auth' },
      slack: { existingSecret: 'slack' },
      audit: { tokensSecretRef: { name: 'audit-webhook', key: 'tokens.txt' } },
      console: {
        auth: {
          existingSecret: 'console-auth',
          sessionSecretKey: 'session-secret',
          proxy: {
            operators: ['sre'],
            jwt: {
              header: 'X-Forwarded-Access-Token',
              keySecret: 'proxy-jwt',
              issuer: 'https://idp.example.com',
            },
          },
        },
      },
      ingress: {
        enabled: true,
        className: 'nginx',
        hosts: [{ host: 'trueup.example.com', paths: [{ path: '/', pathType: 'Prefix' }] }],
        tls: [{ hosts: ['trueup.example.com'], secretName: 'trueup-tls' }],
      },
      metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } },
      networkPolicy: {
        enabled: true,
        ingressFrom: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
      },
    }),
    check: (manifests) => {
      for (const kind of ['Ingress', 'ServiceMonitor', 'PrometheusRule', 'NetworkPolicy'])
        find(manifests, kind);
      expect(envNames(manifests)).toEqual(
        expect.arrayContaining([
          'GIT_ASKPASS',
          'SOPS_AGE_KEY_FILE',
          'OPENAI_BASE_URL',
          'TRUEUP_LLM_MODEL',
          'OPENAI_API_KEY',
          'TRUEUP_WEBHOOK_TOKEN',
          'TRUEUP_WEBHOOK_BASIC_AUTH',
          'SLACK_SIGNING_SECRET',
          'SLACK_BOT_TOKEN',
          'TRUEUP_CONSOLE_TOKENS',
          'TRUEUP_SESSION_SECRET',
          'TRUEUP_PROXY_JWT_KEY',
        ]),
      );
      // Secrets reach the pod by reference only: no env value holds one.
      const apiKey = containerOf(manifests).env?.find((e) => e.name === 'OPENAI_API_KEY');
      expect(apiKey?.valueFrom?.secretKeyRef).toEqual({ name: 'llm', key: 'api-key' });
      const digestKey = containerOf(manifests).env?.find((e) => e.name === 'TRUEUP_DIGEST_KEY');
      expect(digestKey?.valueFrom?.secretKeyRef).toEqual({ name: 'trueup-digest', key: 'key' });
      expect(manifests.some((m) => m.kind === 'Secret')).toBe(false);
      expect(envValue(manifests, 'KUBECONFIG')).toBe(
        '/etc/trueup/config/in-cluster.kubeconfig:/etc/trueup/clusters/prod-eu/kubeconfig:/etc/trueup/clusters/prod-us/kubeconfig',
      );
      expect(containerOf(manifests).args).toEqual(
        expect.arrayContaining([
          '--auth-proxy-jwt-header=X-Forwarded-Access-Token',
          '--auth-proxy-jwt-issuer=https://idp.example.com',
          '--operators=sre',
          // Behind the chart's TLS ingress: the session cookie is Secure.
          '--trust-proxy=loopback,uniquelocal',
        ]),
      );
      expect(containerOf(manifests).args?.some((a) => a.startsWith('--auth-proxy-user-header'))).toBe(false);
      // The audit receiver's tokens: a read-only file from the Secret, named by the flag.
      expect(containerOf(manifests).args).toContain('--audit-tokens=/etc/trueup/audit/tokens');
      expect(containerOf(manifests).volumeMounts).toContainEqual({
        name: 'audit-tokens',
        mountPath: '/etc/trueup/audit',
        readOnly: true,
      });
      const tokens = deploymentOf(manifests).spec?.template.spec?.volumes?.find(
        (v) => v.name === 'audit-tokens',
      );
      expect(tokens?.secret).toMatchObject({
        secretName: 'audit-webhook',
        items: [{ key: 'tokens.txt', path: 'tokens' }],
      });
    },
  },
  {
    name: 'proxy header auth behind a NetworkPolicy that admits only the proxy',
    values: () => ({
      repo: { url: repoUrl },
      console: {
        auth: {
          proxy: {
            userHeader: 'X-Forwarded-User',
            groupsHeader: 'X-Forwarded-Groups',
            operators: ['sre'],
            from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'oauth2-proxy' } } }],
          },
        },
      },
      networkPolicy: { enabled: true },
    }),
    check: (manifests) => {
      expect(containerOf(manifests).args).toEqual(
        expect.arrayContaining(['--auth-proxy-user-header=X-Forwarded-User', '--operators=sre']),
      );
      const policy = find(manifests, 'NetworkPolicy') as unknown as {
        spec: { ingress: { from?: { podSelector?: { matchLabels?: Record<string, string> } }[] }[] };
      };
      // The proxy, and the helm test pod; nobody else.
      const from = policy.spec.ingress[0]?.from ?? [];
      expect(from).toHaveLength(2);
      expect(from[0]?.podSelector?.matchLabels).toEqual({ 'app.kubernetes.io/name': 'oauth2-proxy' });
    },
  },
  {
    name: 'replicaCount 2 (leader election) with an ssh repo',
    values: () => ({
      replicaCount: 2,
      repo: {
        url: 'git@git.example.com:platform/fleet.git',
        credentials: { existingSecret: 'deploy-key', type: 'ssh' },
      },
      store: {
        postgres: { urlSecretRef: { name: 'trueup-postgres', key: 'url' }, tls: { caSecret: 'postgres-ca' } },
      },
    }),
    check: (manifests, ns) => {
      // One state per pod (SQLite is never shared): a StatefulSet with a claim template, no shared claim.
      expect(manifests.map((m) => m.kind)).not.toContain('Deployment');
      expect(manifests.map((m) => m.kind)).not.toContain('PersistentVolumeClaim');
      const set = statefulSetOf(manifests);
      expect(set.spec?.replicas).toBe(2);
      expect(set.spec?.volumeClaimTemplates?.map((t) => [t.metadata?.name, t.spec?.accessModes])).toEqual([
        ['state', ['ReadWriteOnce']],
      ]);
      expect(set.spec?.template.spec?.volumes?.some((v) => v.name === 'state')).toBe(false);
      expect(containerOf(manifests).args).toContain('--leader-elect');
      // Each pod has its own state dir: the digest key comes from the one Secret, so digests agree.
      expect(envNames(manifests)).toContain('TRUEUP_DIGEST_KEY');
      find(manifests, 'Secret', 'trueup-digest-key');
      expect(envNames(manifests)).toEqual(expect.arrayContaining(['POD_NAME', 'POD_NAMESPACE']));
      expect(envValue(manifests, 'GIT_SSH_COMMAND')).toContain('-o StrictHostKeyChecking=yes');
      // The replicas share one audit store: its URL only from the Secret, the server's CA mounted.
      const database = containerOf(manifests).env?.find((e) => e.name === 'TRUEUP_DATABASE_URL');
      expect(database?.valueFrom?.secretKeyRef).toEqual({ name: 'trueup-postgres', key: 'url' });
      expect(containerOf(manifests).volumeMounts).toContainEqual({
        name: 'postgres-ca',
        mountPath: '/etc/trueup/postgres-ca',
        readOnly: true,
      });
      const lease = manifests.find((m) => m.kind === 'Role' && rulesOf(m)[0]?.resources?.includes('leases'));
      expect(lease?.metadata?.namespace).toBe(ns.release);
      expect(rulesOf(lease as Manifest)).toEqual([
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          verbs: ['get', 'list', 'watch', 'create', 'update'],
        },
      ]);
      const binding = manifests.find(
        (m) => m.kind === 'RoleBinding' && m.metadata?.name === lease?.metadata?.name,
      );
      expect(binding).toBeDefined();
    },
  },
  {
    name: 'RBAC only, for a remote cluster',
    values: () => ({ controller: { enabled: false }, serviceAccount: { createTokenSecret: true } }),
    check: (manifests) => {
      expect(manifests.map((m) => m.kind).sort()).toEqual([
        'ClusterRole',
        'ClusterRoleBinding',
        'Secret',
        'ServiceAccount',
      ]);
      expect(find(manifests, 'Secret')).toMatchObject({ type: 'kubernetes.io/service-account-token' });
    },
  },
];
