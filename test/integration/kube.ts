/**
 * Helpers for integration tests: API clients per fleet cluster, a fresh namespace per test, and the
 * machine's kubectl for out-of-band edits, as a user would make them.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { parse, stringify } from 'yaml';

const execFileAsync = promisify(execFile);

/** ClusterClients are the API clients integration tests use on one cluster. */
export interface ClusterClients {
  context: string;
  core: CoreV1Api;
  objects: KubernetesObjectApi;
}

/** clientsFor returns API clients for one context of the fleet kubeconfig. */
export function clientsFor(context: string): ClusterClients {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('fleet').kubeconfigPath);
  kc.setCurrentContext(context);
  return { context, core: kc.makeApiClient(CoreV1Api), objects: KubernetesObjectApi.makeApiClient(kc) };
}

/** freshNamespace creates a uniquely named namespace on the given clusters and returns its name. */
export async function freshNamespace(prefix: string, clusters: ClusterClients[]): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await Promise.all(clusters.map((c) => c.core.createNamespace({ body: { metadata: { name } } })));
  return name;
}

/** kubectl runs the machine's kubectl against one fleet context and returns its stdout. */
export async function kubectl(context: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await execFileAsync(
    'kubectl',
    ['--kubeconfig', inject('fleet').kubeconfigPath, '--context', context, ...args],
    { env: { ...process.env, ...env } },
  );
  return stdout;
}

/** eventually polls probe until it returns a value (not undefined), or fails after timeoutMs. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** kubectlPatch makes an out-of-band edit as a user would: `kubectl -n ns patch kind name --type=merge -p patch`. */
export async function kubectlPatch(
  context: string,
  namespace: string,
  kind: string,
  name: string,
  patch: string | object,
): Promise<string> {
  const body = typeof patch === 'string' ? patch : JSON.stringify(patch);
  return kubectl(context, ['-n', namespace, 'patch', kind, name, '--type=merge', '-p', body]);
}

/** mergeKubeconfigs writes into a kubeconfig with main's contexts and an extra fleet's, with its own user. */
export async function mergeKubeconfigs(main: string, extra: string, into: string): Promise<void> {
  const a = parse(await readFile(main, 'utf8'));
  const b = parse(await readFile(extra, 'utf8'));
  for (const c of b.contexts) c.context.user = 'extra-admin';
  a.clusters.push(...b.clusters);
  a.contexts.push(...b.contexts);
  a.users.push({ name: 'extra-admin', user: b.users[0].user });
  await writeFile(into, stringify(a), { mode: 0o600 });
}
