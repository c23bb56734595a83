/**
 * Running trueup as the chart's ServiceAccount on the test fleet: install the rendered identity
 * (ServiceAccount and its Roles) on each cluster, get a token for it with the TokenRequest API, and
 * lay out the kubeconfigs the way the chart mounts them — the chart's own in-cluster kubeconfig
 * (its tokenFile and CA paths moved to a temp folder) for the local cluster, plus one kubeconfig file
 * per remote cluster, merged through KUBECONFIG=a:b:c.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { clientsFor, kubectl } from '../integration/kube.ts';
import { kubectlApply, type Manifest, type ProcessResult } from './helm.ts';

const execFileAsync = promisify(execFile);
const bin = new URL('../../bin/trueup.js', import.meta.url).pathname;
const saDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/** identityKinds are the rendered kinds that make up trueup's identity on a cluster. */
export const identityKinds = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];

/** toYaml joins objects into one multi-document YAML text (without the test's `source` field). */
export function toYaml(manifests: Manifest[]): string {
  return manifests.map(({ source: _source, ...object }) => stringify(object)).join('---\n');
}

/** installIdentity applies the chart's ServiceAccount and RBAC objects to one cluster. */
export async function installIdentity(kubeconfig: string, context: string, manifests: Manifest[]) {
  const identity = manifests.filter((m) => identityKinds.includes(m.kind as string));
  const result = await kubectlApply(kubeconfig, context, toYaml(identity));
  if (result.code !== 0) throw new Error(`kubectl apply on ${context} failed:\n${result.stderr}`);
}

/** serviceAccountToken asks the cluster for a token of the ServiceAccount (TokenRequest API). */
export async function serviceAccountToken(context: string, namespace: string, name: string): Promise<string> {
  const request = await clientsFor(context).core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`no token for ServiceAccount ${namespace}/${name} on ${context}`);
  return token;
}

/** inClusterKubeconfigOf returns the chart's rendered in-cluster kubeconfig (its ConfigMap's key). */
export function inClusterKubeconfigOf(manifests: Manifest[]): string {
  const configMap = manifests.find((m) => m.kind === 'ConfigMap') as
    | (Manifest & { data?: Record<string, string> })
    | undefined;
  const kubeconfig = configMap?.data?.['in-cluster.kubeconfig'];
  if (!kubeconfig) throw new Error('the chart rendered no in-cluster kubeconfig');
  return kubeconfig;
}

/** canI asks the apiserver, as an admin impersonating the chart's ServiceAccount, whether it may do something. */
export async function canI(context: string, namespace: string, args: string[]): Promise<string> {
  const as = `--as=system:serviceaccount:${namespace}:trueup`;
  // kubectl auth can-i exits 1 on "no": its answer is on stdout either way.
  const out = await kubectl(context, ['auth', 'can-i', ...args, as]).catch(
    (err: { stdout?: string }) => err.stdout ?? '',
  );
  return out.trim();
}

/** ChartKubeconfigOptions say which cluster is local and where the fleet's servers are. */
export interface ChartKubeconfigOptions {
  /** fleetKubeconfig is the admin kubeconfig of the test fleet (for servers and CAs). */
  fleetKubeconfig: string;
  /** local is the fleet context that plays the cluster trueup runs in. */
  local: string;
  /** inClusterKubeconfig is the chart's rendered in-cluster kubeconfig. */
  inClusterKubeconfig: string;
  /** tokens are the ServiceAccount's tokens, by fleet context. */
  tokens: Record<string, string>;
}

// The folders holding tokens, removed by removeTempFiles.
const tempDirs: string[] = [];

/** removeTempFiles removes the kubeconfigs and tokens writeChartKubeconfigs wrote. */
export async function removeTempFiles(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** writeChartKubeconfigs lays the kubeconfigs out as the pod sees them and returns KUBECONFIG. */
export async function writeChartKubeconfigs(options: ChartKubeconfigOptions): Promise<string> {
  const admin = new KubeConfig();
  admin.loadFromFile(options.fleetKubeconfig);
  const dir = await mkdtemp(join(tmpdir(), 'trueup-helm-sa-'));
  tempDirs.push(dir);
  const files: string[] = [];
  for (const [context, token] of Object.entries(options.tokens)) {
    const cluster = admin.getCluster(admin.getContextObject(context)?.cluster ?? '');
    if (!cluster?.caData) throw new Error(`no cluster with a CA for context ${context}`);
    if (context === options.local) {
      // What the kubelet mounts: the token and the cluster CA.
      const mounted = join(dir, 'serviceaccount');
      await mkdir(mounted);
      await writeFile(join(mounted, 'token'), token, { mode: 0o600 });
      await writeFile(join(mounted, 'ca.crt'), Buffer.from(cluster.caData, 'base64'));
      const file = join(dir, 'in-cluster.kubeconfig');
      await writeFile(file, options.inClusterKubeconfig.replaceAll(saDir, mounted), { mode: 0o600 });
      files.unshift(file);
      continue;
    }
    // A remote cluster's kubeconfig Secret: names unique across files, as the chart asks.
    const name = `remote-${context}`;
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server: cluster.server, 'certificate-authority-data': cluster.caData } }],
      users: [{ name, user: { token } }],
      contexts: [{ name: context, context: { cluster: name, user: name } }],
      'current-context': context,
    };
    const file = join(dir, `${context}.kubeconfig`);
    await writeFile(file, stringify(kubeconfig), { mode: 0o600 });
    files.push(file);
  }
  return files.join(':');
}

/** TrueupRunner runs the real CLI as the chart's identity and keeps every output for canary scans. */
export class TrueupRunner {
  readonly runs: ProcessResult[] = [];
  readonly stateDir = join(tmpdir(), `trueup-helm-state-${process.pid}-${Date.now().toString(36)}`);
  readonly cacheDir = join(tmpdir(), 'trueup-test-cache');

  readonly #env: () => NodeJS.ProcessEnv;

  /** env gives the environment of each run (KUBECONFIG, API keys); read at run time. */
  constructor(env: () => NodeJS.ProcessEnv) {
    this.#env = env;
  }

  /** run runs `trueup <args>` with KUBECONFIG from env() (never --kubeconfig), the cache and the state dir. */
  async run(args: string[]): Promise<ProcessResult> {
    const command = args[0] ?? '';
    const extra = [
      ...(command === 'validate' ? [] : ['--cache-dir', this.cacheDir]),
      ...(['reconcile', 'diagnose'].includes(command) ? ['--state-dir', this.stateDir] : []),
    ];
    const env = { ...process.env, ...this.#env() };
    let result: ProcessResult;
    try {
      const { stdout, stderr } = await execFileAsync(process.execPath, [bin, ...args, ...extra], { env });
      result = { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      result = { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
    this.runs.push(result);
    return result;
  }

  /** json runs with -o json and parses stdout. */
  async json<T>(args: string[]): Promise<{ code: number; body: T; stderr: string }> {
    const run = await this.run([...args, '-o', 'json']);
    try {
      return { code: run.code, body: JSON.parse(run.stdout) as T, stderr: run.stderr };
    } catch {
      throw new Error(
        `trueup ${args.join(' ')} exited ${run.code} without JSON:\n${run.stdout}\n${run.stderr}`,
      );
    }
  }

  /** remove removes the audit store folder. */
  async remove(): Promise<void> {
    await rm(this.stateDir, { recursive: true, force: true });
  }

  /** allOutput is everything every run printed. */
  allOutput(): string {
    return this.runs.map((r) => `${r.stdout}\n${r.stderr}`).join('\n');
  }
}
