/**
 * The bench's fleet repo: a real git repo with `fleet.yaml` (every cluster, one target) and one file
 * per object in namespace `bench`, generated deterministically (the first M objects are the same
 * for every M, so larger repos are supersets of smaller ones).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { must, run } from './run.ts';

/** namespace holds every bench object. */
export const namespace = 'bench';

export const gitEnv = {
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

export interface BenchObject {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  file: string;
  /** edit is the ConfigMap key the latency samples change. */
  editKey?: string;
  editValue?: string;
}

// A small deterministic PRNG, so every run benchmarks the same repo.
export function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function configYaml(rand: () => number, i: number): string {
  const lines = ['server:', `  port: ${8000 + (i % 1000)}`, `  workers: ${1 + Math.floor(rand() * 16)}`];
  lines.push('upstreams:');
  for (let u = 0; u < 3 + Math.floor(rand() * 6); u++)
    lines.push(`  - name: svc-${u}`, `    url: http://svc-${u}.backend.svc:8080`, `    timeout: ${u + 1}s`);
  return `${lines.join('\n')}\n`;
}

/** manifestFor renders object i: ~80% ConfigMaps, ~20% Secrets, 3-6 keys, some multi-line values. */
export function manifestFor(i: number, rand: () => number): { object: BenchObject; text: string } {
  const id = String(i).padStart(5, '0');
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  const labels = { 'app.kubernetes.io/name': `app-${id}`, 'app.kubernetes.io/part-of': 'bench' };
  if (i % 5 === 4) {
    const name = `secret-${id}`;
    const values: Record<string, string> = { username: `svc-${id}`, password: hex(32) };
    if (i % 3 === 0) values['api-key'] = hex(40);
    if (i % 2 === 0)
      values['ca.crt'] =
        `-----BEGIN CERTIFICATE-----\n${hex(64)}\n${hex(64)}\n${hex(64)}\n-----END CERTIFICATE-----\n`;
    // Half the Secrets use stringData, half base64 data, as real repos do.
    const body =
      i % 2 === 0
        ? { stringData: values }
        : {
            data: Object.fromEntries(
              Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
            ),
          };
    const text = stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, labels },
      type: 'Opaque',
      ...body,
    });
    return { object: { kind: 'Secret', name, file: `manifests/${name}.yaml` }, text };
  }
  const name = `config-${id}`;
  const data: Record<string, string> = {
    mode: 'production',
    LOG_LEVEL: ['info', 'warn', 'debug'][i % 3] as string,
    REPLICAS: String(1 + (i % 5)),
  };
  if (i % 2 === 0) data.FEATURE_FLAGS = `flag-a=${i % 2 === 0},flag-b=true,flag-c=${hex(6)}`;
  if (i % 3 === 0) data['config.yaml'] = configYaml(rand, i);
  if (i % 7 === 0)
    data['app.properties'] =
      `db.pool.size=${10 + (i % 20)}\ndb.url=jdbc:postgresql://db:5432/app\ncache.ttl=300\n`;
  const text = stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels },
    data,
  });
  return {
    object: {
      kind: 'ConfigMap',
      name,
      file: `manifests/${name}.yaml`,
      editKey: 'mode',
      editValue: 'production',
    },
    text,
  };
}

export async function createRepo(dir: string, clusters: string[], objects: number): Promise<BenchObject[]> {
  const rand = prng(42);
  await mkdir(join(dir, 'manifests'), { recursive: true });
  const fleetYaml = stringify({
    apiVersion: 'trueup.io/v1alpha1',
    kind: 'Fleet',
    clusters: clusters.map((name) => ({ name, labels: { env: 'bench' } })),
    targets: [{ path: 'manifests', clusters: {} }],
  });
  await writeFile(join(dir, 'fleet.yaml'), fleetYaml);
  const list: BenchObject[] = [];
  for (let i = 0; i < objects; i++) {
    const { object, text } = manifestFor(i, rand);
    await writeFile(join(dir, object.file), text);
    list.push(object);
  }
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'bench fleet'],
  ])
    must(await run('git', ['-C', dir, ...args], { env: gitEnv }), `git ${args[0]}`);
  return list;
}
