/**
 * `npm run bench -- --scale`: the cost's growth. One local fleet of 10 clusters; for 1k, 10k and
 * 100k objects in all (10 × 100, 10 × 1,000, 10 × 10,000) it writes the fleet repo, applies it
 * (`trueup reconcile --once --remediate`: the objects the previous point did not create), starts
 * the daemon in a fresh process until every cluster is in sync, and runs one cold `trueup diff`.
 * Printed per point: time to in sync, RSS, and bytes per object (the daemon's heap delta after a
 * full GC over the objects). Prints figures, asserts nothing. See bench/README.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ensureClusterBinaries } from '../local-fleet/binaries.ts';
import { startFleet } from '../local-fleet/fleet.ts';
import { createRepo, namespace } from './fleet-repo.ts';
import { log, mib, ms, must, run } from './run.ts';
import type { ScaleDaemonResult } from './scale-daemon.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const trueupBin = join(root, 'bin', 'trueup.js');
const daemonScript = join(root, 'bench', 'scale-daemon.ts');

/** ScaleOptions: the points (objects in all), the clusters they are spread over, the outputs. */
interface ScaleOptions {
  points: number[];
  clusters: number;
  json: boolean;
  cpuProf?: string;
  heapSnapshot?: string;
}

const usage = `usage: npm run bench -- --scale [--points 1000,10000,100000] [--clusters 10] [--json] [--cpu-prof DIR] [--heap-snapshot DIR]
  --points LIST        objects in all per point, ascending (default 1000,10000,100000)
  --clusters N         clusters the objects are spread over (default 10)
  --json               also print the results as one JSON line (the last line of stdout)
  --cpu-prof DIR       CPU profiles of each point's initial apply into DIR
  --heap-snapshot DIR  a heap snapshot of the daemon in sync at each point into DIR`;

function parseScaleOptions(argv: string[]): ScaleOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'boolean' },
      points: { type: 'string', default: '1000,10000,100000' },
      clusters: { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      'heap-snapshot': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const clusters = Number(values.clusters);
  const points = values.points.split(',').map(Number);
  if (!Number.isInteger(clusters) || clusters < 1) throw new Error(`--clusters: expected an integer >= 1`);
  if (
    points.some(
      (p, i) => !Number.isInteger(p) || p < clusters * 5 || p % clusters !== 0 || p <= (points[i - 1] ?? 0),
    )
  )
    throw new Error(`--points: ascending totals, each a multiple of --clusters and >= 5 per cluster`);
  return {
    points,
    clusters,
    json: values.json,
    ...(values['cpu-prof'] ? { cpuProf: values['cpu-prof'] } : {}),
    ...(values['heap-snapshot'] ? { heapSnapshot: values['heap-snapshot'] } : {}),
  };
}

/** ScalePoint is what one point measured. */
interface ScalePoint {
  objects: number;
  perCluster: number;
  /** apply: the initial apply of the objects the previous point had not created. */
  apply: { created: number; ms: number; maxRssKb?: number; load: number };
  daemon: ScaleDaemonResult & { bytesPerObject: number; load: number };
  diff: { ms: number; maxRssKb?: number; load: number };
}

const load1 = () => Number((loadavg()[0] ?? 0).toFixed(1));

async function applyPoint(
  kubeconfig: string,
  repo: string,
  work: string,
  cpuProf: string | undefined,
): Promise<{ ms: number; maxRssKb?: number }> {
  const flags = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : [];
  const ran = must(
    await run(
      process.execPath,
      [
        ...flags,
        trueupBin,
        'reconcile',
        '--once',
        '--remediate',
        '--repo',
        repo,
        '--kubeconfig',
        kubeconfig,
        '--cache-dir',
        await mkdtemp(join(work, 'apply-cache-')),
        '-o',
        'json',
      ],
      { rss: true },
    ),
    'trueup reconcile --once --remediate',
  );
  return { ms: ran.ms, ...(ran.maxRssKb ? { maxRssKb: ran.maxRssKb } : {}) };
}

async function daemonPoint(
  kubeconfig: string,
  repo: string,
  work: string,
  perCluster: number,
  snapshots: string | undefined,
): Promise<ScaleDaemonResult> {
  const args = ['--expose-gc', daemonScript, repo, kubeconfig, work, String(perCluster)];
  const ran = must(await run(process.execPath, snapshots ? [...args, snapshots] : args), 'scale daemon');
  return JSON.parse(ran.stdout.trim().split('\n').pop() ?? '{}') as ScaleDaemonResult;
}

async function diffPoint(
  kubeconfig: string,
  repo: string,
  work: string,
): Promise<{ ms: number; maxRssKb?: number }> {
  const ran = must(
    await run(
      process.execPath,
      [
        trueupBin,
        'diff',
        '--repo',
        repo,
        '--kubeconfig',
        kubeconfig,
        '--cache-dir',
        await mkdtemp(join(work, 'diff-cache-')),
        '-o',
        'json',
      ],
      { rss: true },
    ),
    'trueup diff',
  );
  const body = JSON.parse(ran.stdout) as { drifts: unknown[] };
  if (body.drifts.length > 0)
    throw new Error(`trueup diff: expected an in-sync fleet, got ${body.drifts.length} drifts`);
  return { ms: ran.ms, ...(ran.maxRssKb ? { maxRssKb: ran.maxRssKb } : {}) };
}

function printScale(points: ScalePoint[], options: ScaleOptions, loadAtStart: number): void {
  const lines = [
    `trueup bench --scale: ${options.clusters} clusters, load average ${loadAtStart} at start`,
    '',
    '| objects | apply (new objects) | apply peak RSS | daemon start → in sync | worst stall | daemon RSS before → in sync (peak) | bytes/object (heap) | cold diff | diff peak RSS | load (apply/daemon/diff) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const p of points) {
    const d = p.daemon;
    lines.push(
      `| ${p.objects} (${options.clusters} × ${p.perCluster}) | ${ms(p.apply.ms)} (${p.apply.created}, ${Math.round((p.apply.created * 1000) / p.apply.ms)}/s) | ${mib(p.apply.maxRssKb)} | ${ms(d.readyMs)} | ${ms(d.worstStallMs)} | ${mib(d.rssBeforeKb)} → ${mib(d.rssAfterKb)} (${mib(d.maxRssKb)}) | ${Math.round(d.bytesPerObject)} | ${ms(p.diff.ms)} | ${mib(p.diff.maxRssKb)} | ${p.apply.load} / ${d.load} / ${p.diff.load} |`,
    );
  }
  console.log(lines.join('\n'));
  if (options.json) console.log(JSON.stringify({ options, loadAtStart, points }));
}

/** runScale runs the scale curve (see the file's comment). */
export async function runScale(argv: string[]): Promise<void> {
  const options = parseScaleOptions(argv);
  const loadAtStart = load1();
  const clusters = Array.from({ length: options.clusters }, (_, i) => `bench-${i + 1}`);
  const work = await mkdtemp(join(tmpdir(), 'trueup-bench-scale-'));
  const binaries = await ensureClusterBinaries(log);
  log(`starting a fleet of ${clusters.length} clusters`);
  const fleet = await startFleet({ binaries, clusters, log, readyTimeoutMs: 600_000 });
  const stopAll = async () => {
    await fleet.stop();
    await rm(work, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void stopAll().finally(() => process.exit(130)));
  const points: ScalePoint[] = [];
  try {
    await Promise.all(
      clusters.map((c) => {
        const k = new KubeConfig();
        k.loadFromFile(fleet.kubeconfigPath);
        k.setCurrentContext(c);
        return k.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
      }),
    );
    let created = 0;
    for (const total of options.points) {
      const perCluster = total / options.clusters;
      const repo = join(work, `repo-${total}`);
      await createRepo(repo, clusters, perCluster);
      log(`${total} objects: initial apply of ${total - created} new objects`);
      const apply = await applyPoint(fleet.kubeconfigPath, repo, work, options.cpuProf);
      const applyLoad = load1();
      log(`${total} objects: applied in ${ms(apply.ms)}; starting the daemon`);
      const daemon = await daemonPoint(fleet.kubeconfigPath, repo, work, perCluster, options.heapSnapshot);
      const daemonLoad = load1();
      log(`${total} objects: daemon in sync after ${ms(daemon.readyMs)}; cold trueup diff`);
      const diff = await diffPoint(fleet.kubeconfigPath, repo, work);
      points.push({
        objects: total,
        perCluster,
        apply: { created: total - created, ...apply, load: applyLoad },
        daemon: {
          ...daemon,
          bytesPerObject: (daemon.heapAfter - daemon.heapBefore) / total,
          load: daemonLoad,
        },
        diff: { ...diff, load: load1() },
      });
      created = total;
    }
  } finally {
    printScale(points, options, loadAtStart);
    await stopAll();
  }
}
