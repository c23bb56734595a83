/**
 * `npm run bench:preview`: `trueup preview` of a head that changes every object, side by side with
 * a cold `trueup diff` of the same fleet (issue 18's target: the preview within 2× the diff).
 * Prints figures, asserts nothing.
 *
 * Starts its own fleet (preview-1..N), writes a fleet repo of M objects per cluster (every 5th a
 * Secret), applies it with `trueup reconcile --once --remediate`, commits a head that changes one
 * key of every object, then times R runs of each, every run a fresh process with an empty git
 * cache: `trueup diff --revision <base>` (the fleet in sync), `trueup preview --base <base>
 * --head <head>` (N × M changes, each a server dry-run) and `trueup preview` of the base against
 * itself (what a preview costs besides its dry-runs). Load average is printed with each figure:
 * the machine may be shared.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { ensureClusterBinaries } from '../local-fleet/binaries.ts';
import { startFleet } from '../local-fleet/fleet.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const trueupBin = join(root, 'bin', 'trueup.js');
const namespace = 'bench';
const gitEnv = {
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

const log = (text: string) => process.stderr.write(`[bench:preview] ${text}\n`);
const load = () => (loadavg()[0] ?? 0).toFixed(1);

interface Ran {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const started = performance.now();
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        ms: performance.now() - started,
        code: code ?? -1,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      }),
    );
  });
}

function must(ran: Ran, what: string, ok = [0]): Ran {
  if (!ok.includes(ran.code)) throw new Error(`${what} exited ${ran.code}:\n${ran.stderr.slice(-2000)}`);
  return ran;
}

/** manifest renders object i at a generation: the head changes `generation` in every object. */
function manifest(i: number, generation: string): { file: string; text: string } {
  const id = String(i).padStart(5, '0');
  const labels = { 'app.kubernetes.io/name': `app-${id}` };
  if (i % 5 === 4) {
    const name = `secret-${id}`;
    const stringData = { username: `svc-${id}`, password: `pw-${id}-${generation}` };
    return {
      file: `manifests/${name}.yaml`,
      text: stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace, labels },
        type: 'Opaque',
        stringData,
      }),
    };
  }
  const name = `config-${id}`;
  const data = { mode: 'production', REPLICAS: String(1 + (i % 5)), generation };
  return {
    file: `manifests/${name}.yaml`,
    text: stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data }),
  };
}

async function commitRepo(dir: string, objects: number, generation: string, first: boolean): Promise<string> {
  for (let i = 0; i < objects; i++) {
    const { file, text } = manifest(i, generation);
    await writeFile(join(dir, file), text);
  }
  const steps = [
    ...(first ? [['init', '-q', '-b', 'main']] : []),
    ['add', '-A'],
    ['commit', '-q', '-m', generation],
  ];
  for (const args of steps) must(await run('git', ['-C', dir, ...args], gitEnv), `git ${args[0]}`);
  return (await run('git', ['-C', dir, 'rev-parse', 'HEAD'])).stdout.trim();
}

/** median of the runs (the mean of the middle two for an even count). */
function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clusters: { type: 'string', default: '3' },
      objects: { type: 'string', default: '500' },
      runs: { type: 'string', default: '3' },
    },
  });
  const [n, m, runs] = [Number(values.clusters), Number(values.objects), Number(values.runs)];
  const clusters = Array.from({ length: n }, (_, i) => `preview-${i + 1}`);
  const work = await mkdtemp(join(tmpdir(), 'trueup-bench-preview-'));
  log(`load ${load()} on ${availableParallelism()} CPUs; starting ${n} clusters`);
  const fleet = await startFleet({
    binaries: await ensureClusterBinaries(log),
    clusters,
    log,
    readyTimeoutMs: 600_000,
  });
  try {
    const repo = join(work, 'repo');
    await mkdir(join(repo, 'manifests'), { recursive: true });
    await writeFile(
      join(repo, 'fleet.yaml'),
      stringify({
        apiVersion: 'trueup.io/v1alpha1',
        kind: 'Fleet',
        clusters: clusters.map((name) => ({ name })),
        targets: [{ path: 'manifests', clusters: {} }],
      }),
    );
    const base = await commitRepo(repo, m, 'base', true);
    for (const c of clusters) {
      const kc = new KubeConfig();
      kc.loadFromFile(fleet.kubeconfigPath);
      kc.setCurrentContext(c);
      await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    }
    const common = ['--repo', repo, '--kubeconfig', fleet.kubeconfigPath, '--state-dir', join(work, 'state')];
    log(`applying ${n * m} objects`);
    const applied = must(
      await run(process.execPath, [
        trueupBin,
        'reconcile',
        '--once',
        '--remediate',
        ...common,
        '--cache-dir',
        join(work, 'apply'),
      ]),
      'reconcile',
    );
    log(`applied in ${secs(applied.ms)} (load ${load()})`);
    const head = await commitRepo(repo, m, 'head', false);
    const diffs: number[] = [];
    const previews: number[] = [];
    // The same revision on both sides: both loaded and compared, the clusters read, no dry-run.
    const unchanged: number[] = [];
    for (let r = 0; r < runs; r++) {
      const cache = () => mkdtemp(join(work, 'cache-'));
      const diff = must(
        await run(process.execPath, [
          trueupBin,
          'diff',
          ...common,
          '--revision',
          base,
          '--cache-dir',
          await cache(),
          '-o',
          'json',
        ]),
        'diff',
      );
      diffs.push(diff.ms);
      const preview = must(
        await run(process.execPath, [
          trueupBin,
          'preview',
          ...common,
          '--base',
          base,
          '--head',
          head,
          '--cache-dir',
          await cache(),
          '-o',
          'json',
        ]),
        'preview',
        [1],
      );
      previews.push(preview.ms);
      const same = must(
        await run(process.execPath, [
          trueupBin,
          'preview',
          ...common,
          '--base',
          base,
          '--head',
          base,
          '--cache-dir',
          await cache(),
          '-o',
          'json',
        ]),
        'preview (no change)',
      );
      unchanged.push(same.ms);
      const body = JSON.parse(preview.stdout) as { summary: string };
      log(
        `run ${r + 1}: cold diff ${secs(diff.ms)}, preview ${secs(preview.ms)} (${body.summary}), preview of no change ${secs(same.ms)} (load ${load()})`,
      );
    }
    const ratio = median(previews) / median(diffs);
    console.log(`fleet: ${n} clusters × ${m} objects; head changes every object (${n * m} dry-runs)`);
    console.log(
      `cold trueup diff (in sync):       median ${secs(median(diffs))} of ${runs} (best ${secs(Math.min(...diffs))})`,
    );
    console.log(
      `trueup preview (every object):    median ${secs(median(previews))} of ${runs} (best ${secs(Math.min(...previews))})`,
    );
    console.log(
      `trueup preview (no change):       median ${secs(median(unchanged))} of ${runs}: both revisions loaded, the clusters read, no dry-run`,
    );
    console.log(
      `preview / diff: ${ratio.toFixed(2)}× (target ≤ 2×: ${ratio <= 2 ? 'PASS' : 'MISS'}); load ${load()} on ${availableParallelism()} CPUs at the end`,
    );
  } finally {
    await fleet.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
