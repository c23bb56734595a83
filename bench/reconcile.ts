import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { pino } from 'pino';
import { parse, stringify } from 'yaml';
import { clusterAccessFactory } from '../cli/fleet-run.ts';
import { desiredStateBuilder, openGitSource } from '../cli/repo-source.ts';
import { startServe } from '../cli/serve.ts';
import { ensureClusterBinaries } from '../local-fleet/binaries.ts';
import { type Fleet, startFleet } from '../local-fleet/fleet.ts';
import type { LiveObject } from '../reconciler/core/model.ts';
import { defaultCycleOptions, reconcileFleet } from '../reconciler/sync/cycle.ts';
import { evaluateCluster, evaluationContext } from '../reconciler/sync/evaluate.ts';
import { type BenchObject, createRepo, gitEnv, namespace } from './fleet-repo.ts';
import { log, mib, ms, must, type Ran, run, sleep } from './run.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const trueupBin = join(root, 'bin', 'trueup.js');

// ---------------------------------------------------------------------------------------------
// Options

interface BenchOptions {
  clusters: number;
  objects: number;
  edits: number;
  kubectlSample: number;
  runs: number;
  kubectl: string;
  json: boolean;
  /** cpuProf: a folder for the CPU profile of one extra (untimed) cold trueup diff. */
  cpuProf?: string;
}

const usage = `usage: npm run bench -- [--clusters N] [--objects M] [--edits K] [--kubectl-sample S] [--runs R] [--kubectl PATH] [--json] [--cpu-prof DIR]
  --clusters N        clusters in the fleet (default 3)
  --objects M         objects per cluster, ~80% ConfigMaps / ~20% Secrets (default 500)
  --edits K           out-of-band edits per latency sample set (default 50)
  --kubectl-sample S  objects in the kubectl diff loop on one cluster (default M; fewer = extrapolated)
  --runs R            runs of each whole-fleet timing (default 3; best and median are printed)
  --kubectl PATH      the kubectl to use (default: kubectl on PATH)
  --json              also print the results as one JSON line (the last line of stdout)
  --cpu-prof DIR      also write a CPU profile of one extra, untimed cold trueup diff into DIR
  --scale             the scale curve instead (1k, 10k, 100k objects): npm run bench -- --scale --help`;

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      clusters: { type: 'string', default: '3' },
      objects: { type: 'string', default: '500' },
      edits: { type: 'string', default: '50' },
      'kubectl-sample': { type: 'string' },
      runs: { type: 'string', default: '3' },
      kubectl: { type: 'string', default: 'kubectl' },
      json: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const int = (name: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name}: expected an integer >= ${min}, got ${text}`);
    return n;
  };
  const objects = int('objects', values.objects, 5);
  return {
    clusters: int('clusters', values.clusters, 1),
    objects,
    edits: int('edits', values.edits, 1),
    kubectlSample: Math.min(objects, int('kubectl-sample', values['kubectl-sample'] ?? String(objects), 1)),
    runs: int('runs', values.runs, 1),
    kubectl: values.kubectl,
    json: values.json,
    ...(values['cpu-prof'] ? { cpuProf: values['cpu-prof'] } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics

interface Stats {
  n: number;
  best: number;
  median: number;
  runs: number[];
}

function stats(runs: number[]): Stats {
  const sorted = [...runs].sort((a, b) => a - b);
  return { n: runs.length, best: sorted[0] ?? Number.NaN, median: percentile(sorted, 50), runs };
}

/** percentile by nearest rank over an ascending array (so p99 of 50 samples is the maximum). */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] as number;
}

interface Distribution {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function distribution(values: number[]): Distribution {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s[s.length - 1] ?? Number.NaN,
  };
}

// ---------------------------------------------------------------------------------------------
// Latency: the in-process daemon under out-of-band edits

type LogEntry = Record<string, unknown>;

/** Seen is a log line that matched, with the time it arrived. */
interface Seen {
  at: number;
  entry: LogEntry;
}

interface LogWaiter {
  match: (entry: LogEntry) => boolean;
  resolve: (seen: Seen) => void;
}

/** LogTap is a pino destination that notes when each line arrives (performance.now()). */
class LogTap {
  readonly waiters = new Set<LogWaiter>();
  lines = 0;
  #partial = '';
  readonly sink = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      const at = performance.now();
      const text = this.#partial + chunk.toString();
      const parts = text.split('\n');
      this.#partial = parts.pop() ?? '';
      for (const line of parts) this.#line(line, at);
      done();
    },
  });

  #line(line: string, at: number): void {
    if (!line) return;
    this.lines++;
    let entry: LogEntry;
    try {
      entry = JSON.parse(line) as LogEntry;
    } catch {
      return;
    }
    for (const w of this.waiters) {
      if (w.match(entry)) {
        this.waiters.delete(w);
        w.resolve({ at, entry });
      }
    }
  }

  /** next resolves with the arrival time of the next matching line, or undefined after timeoutMs. */
  next(match: LogWaiter['match'], timeoutMs: number): Promise<Seen | undefined> {
    return new Promise((resolve) => {
      const waiter: LogWaiter = {
        match,
        resolve: (seen) => {
          clearTimeout(timer);
          resolve(seen);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}

interface LatencySet {
  method: string;
  samples: number;
  detected: number;
  remediated: number;
  confirmed: number;
  failures: string[];
  /** editMs: from t0 to the edit's own completion (API response or kubectl exit). */
  editMs: Distribution;
  detectionMs: Distribution;
  remediationMs: Distribution;
  /** fixMs: from drift detected to remediation logged (the daemon's own part). */
  fixMs: Distribution;
}

interface EditTarget {
  cluster: string;
  object: BenchObject;
}

async function measureLatency(
  method: 'client-node' | 'kubectl',
  targets: EditTarget[],
  tap: LogTap,
  edit: (t: EditTarget, value: string) => Promise<void>,
  readBack: (t: EditTarget) => Promise<string | undefined>,
): Promise<LatencySet> {
  const edits: number[] = [];
  const detections: number[] = [];
  const remediations: number[] = [];
  const fixes: number[] = [];
  const failures: string[] = [];
  let confirmed = 0;
  for (const [i, t] of targets.entries()) {
    const isFor = (e: LogEntry) =>
      e.cluster === t.cluster && e.kind === 'ConfigMap' && e.name === t.object.name;
    const detected = tap.next((e) => isFor(e) && e.msg === 'drift detected', 15_000);
    // Any remediation outcome ends the sample; only 'configured' counts as remediated.
    const remediated = tap.next((e) => isFor(e) && String(e.msg).startsWith('remediation '), 15_000);
    const value = `edited-by-bench-${method}-${i}`;
    const t0 = performance.now();
    try {
      await edit(t, value);
    } catch (err) {
      failures.push(`${t.cluster}/${t.object.name}: edit failed: ${(err as Error).message}`);
      continue;
    }
    edits.push(performance.now() - t0);
    const [seenDrift, seenFix] = await Promise.all([detected, remediated]);
    const where = `${t.cluster}/${t.object.name}`;
    const tDetect = seenDrift?.at;
    const tFix = seenFix?.entry.msg === 'remediation configured' ? seenFix.at : undefined;
    if (tDetect !== undefined) detections.push(tDetect - t0);
    if (tFix !== undefined) remediations.push(tFix - t0);
    if (tDetect !== undefined && tFix !== undefined) fixes.push(tFix - tDetect);
    if (tDetect === undefined) failures.push(`${where}: no 'drift detected' within 15 s`);
    if (!seenFix) failures.push(`${where}: no remediation log within 15 s`);
    else if (tFix === undefined)
      failures.push(`${where}: ${seenFix.entry.msg}: ${String(seenFix.entry.err ?? '')}`);
    // Confirm on the cluster itself that the repo value is back.
    if ((await readBack(t)) === t.object.editValue) confirmed++;
    else failures.push(`${t.cluster}/${t.object.name}: value not restored when read back`);
    // Space samples apart so one sample's watch events and Events do not overlap the next.
    await sleep(150);
  }
  return {
    method,
    samples: targets.length,
    detected: detections.length,
    remediated: remediations.length,
    confirmed,
    failures,
    editMs: distribution(edits),
    detectionMs: distribution(detections),
    remediationMs: distribution(remediations),
    fixMs: distribution(fixes),
  };
}

interface DaemonPhase {
  readyMs: number;
  startupLoopDelayMaxMs: number;
  /** commitToConvergedMs: a commit changing one key of an object on every cluster, refresh hook called, until every cluster has it. */
  commitToConvergedMs: number;
  /** commitLoopDelayMaxMs is the worst event-loop stall from that commit to convergence (git fetch, desired state rebuild). */
  commitLoopDelayMaxMs: number;
  samplingLoopDelayMaxMs: number;
  clientNode: LatencySet;
  kubectl: LatencySet;
  logLines: number;
  maxRssBeforeKb: number;
  maxRssAfterKb: number;
}

async function daemonPhase(ctx: BenchContext, cmTargets: EditTarget[][]): Promise<DaemonPhase> {
  const tap = new LogTap();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const maxRssBeforeKb = process.resourceUsage().maxRSS;
  loop.enable();
  const started = performance.now();
  const server = await startServe(
    {
      repo: ctx.repoDir,
      kubeconfig: ctx.fleet.kubeconfigPath,
      cacheDir: await mkdtemp(join(ctx.work, 'serve-cache-')),
      fieldManager: 'trueup',
      timeout: 15,
      remediate: true,
      prune: false,
      listen: '127.0.0.1:0',
      stateDir: await mkdtemp(join(ctx.work, 'state-')),
      // No scheduled resync or repo poll during the samples: they would add load at random moments.
      resync: '0 0 1 1 *',
      pollInterval: 3600,
      logLevel: 'info',
      events: true,
      clusterLabel: 'cluster',
      consoleAuthOff: true,
    },
    pino({ level: 'info' }, tap.sink),
  );
  try {
    for (;;) {
      const s = server.daemon.status();
      if (s.ready && s.clusters.every((c) => c.synced && c.drifted === 0 && c.objects === ctx.objects.length))
        break;
      if (performance.now() - started > 300_000)
        throw new Error(`daemon not in sync after 300 s: ${JSON.stringify(s)}`);
      await sleep(20);
    }
    const readyMs = performance.now() - started;
    const startupLoopDelayMaxMs = loop.max / 1e6;
    loop.reset();
    log(`daemon watching ${ctx.clusters.length} clusters, in sync after ${ms(readyMs)}`);

    const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const readBack = async (t: EditTarget) => {
      const cm = await ctx.core(t.cluster).readNamespacedConfigMap({ name: t.object.name, namespace });
      return cm.data?.[t.object.editKey ?? ''];
    };
    log(`latency: ${cmTargets[0]?.length} edits with client-node (field manager bench-editor)`);
    const clientNode = await measureLatency(
      'client-node',
      cmTargets[0] ?? [],
      tap,
      async (t, value) => {
        await ctx.core(t.cluster).patchNamespacedConfigMap(
          {
            name: t.object.name,
            namespace,
            body: { data: { [t.object.editKey ?? '']: value } },
            fieldManager: 'bench-editor',
          },
          mergePatch,
        );
      },
      readBack,
    );
    log(`latency: ${cmTargets[1]?.length} edits with kubectl patch`);
    const kubectl = await measureLatency(
      'kubectl',
      cmTargets[1] ?? [],
      tap,
      async (t, value) => {
        const patch = JSON.stringify({ data: { [t.object.editKey ?? '']: value } });
        must(
          await run(ctx.options.kubectl, [
            ...ctx.kubectlArgs(t.cluster),
            '-n',
            namespace,
            'patch',
            'configmap',
            t.object.name,
            '--type',
            'merge',
            '-p',
            patch,
          ]),
          'kubectl patch',
        );
      },
      readBack,
    );
    const samplingLoopDelayMaxMs = loop.max / 1e6;
    loop.reset();
    log('git commit -> fleet converged');
    const commitToConvergedMs = await commitToConverged(ctx, () => server.daemon.refresh());
    return {
      readyMs,
      startupLoopDelayMaxMs,
      commitToConvergedMs,
      samplingLoopDelayMaxMs,
      commitLoopDelayMaxMs: loop.max / 1e6,
      clientNode,
      kubectl,
      logLines: tap.lines,
      maxRssBeforeKb,
      maxRssAfterKb: process.resourceUsage().maxRSS,
    };
  } finally {
    loop.disable();
    await server.stop();
  }
}

/**
 * commitToConverged commits a new value for one key of one ConfigMap that targets every cluster,
 * calls the refresh hook (as a push webhook would) and waits until every cluster serves the value:
 * the time from the commit to a converged fleet.
 */
async function commitToConverged(ctx: BenchContext, refresh: () => Promise<unknown>): Promise<number> {
  const object = ctx.objects.find((o) => o.kind === 'ConfigMap' && o.editKey) as BenchObject;
  const key = object.editKey ?? '';
  const file = join(ctx.repoDir, object.file);
  const manifest = parse(await readFile(file, 'utf8')) as { data: Record<string, string> };
  const value = `committed-${Date.now()}`;
  manifest.data[key] = value;
  await writeFile(file, stringify(manifest));
  must(
    await run('git', ['-C', ctx.repoDir, 'commit', '-q', '-am', 'bench: one key'], { env: gitEnv }),
    'git commit',
  );
  const started = performance.now();
  await refresh();
  const pending = new Set(ctx.clusters);
  while (pending.size) {
    for (const c of [...pending]) {
      const cm = await ctx.core(c).readNamespacedConfigMap({ name: object.name, namespace });
      if (cm.data?.[key] === value) pending.delete(c);
    }
    if (performance.now() - started > 300_000)
      throw new Error(`fleet not converged after 300 s: ${[...pending]}`);
    if (pending.size) await sleep(20);
  }
  object.editValue = value;
  return performance.now() - started;
}

// ---------------------------------------------------------------------------------------------
// Cold diff, floor and peer

interface BenchContext {
  options: BenchOptions;
  fleet: Fleet;
  clusters: string[];
  work: string;
  repoDir: string;
  objects: BenchObject[];
  kubectlArgs: (cluster: string) => string[];
  core: (cluster: string) => CoreV1Api;
}

async function trueupDiff(
  ctx: BenchContext,
  cacheDir: string,
  extra: string[] = [],
  nodeFlags: string[] = [],
): Promise<Ran> {
  const ran = await run(
    process.execPath,
    [
      ...nodeFlags,
      trueupBin,
      'diff',
      '--repo',
      ctx.repoDir,
      '--kubeconfig',
      ctx.fleet.kubeconfigPath,
      '--cache-dir',
      cacheDir,
      '-o',
      'json',
      ...extra,
    ],
    { rss: true },
  );
  must(ran, 'trueup diff');
  const body = JSON.parse(ran.stdout) as { drifts: unknown[]; clusters: { reachable: boolean }[] };
  if (body.drifts.length > 0 || body.clusters.some((c) => !c.reachable))
    throw new Error(`trueup diff: expected an in-sync fleet, got ${body.drifts.length} drifts`);
  return ran;
}

interface ColdDiff {
  fleet: Stats;
  fleetWarmCache: Stats;
  oneCluster: Stats;
  maxRssKb?: number;
  nodeStart: Stats;
  moduleLoad: Stats;
}

async function coldDiffPhase(ctx: BenchContext): Promise<ColdDiff> {
  const fleet: number[] = [];
  const warm: number[] = [];
  const one: number[] = [];
  const rss: number[] = [];
  const warmCache = await mkdtemp(join(ctx.work, 'warm-cache-'));
  await trueupDiff(ctx, warmCache); // fills the git cache for the warm-cache runs
  for (let r = 0; r < ctx.options.runs; r++) {
    // Cold: a fresh process and an empty git cache (so the git fetch is included).
    const cold = await trueupDiff(ctx, await mkdtemp(join(ctx.work, 'cold-cache-')));
    fleet.push(cold.ms);
    if (cold.maxRssKb) rss.push(cold.maxRssKb);
    warm.push((await trueupDiff(ctx, warmCache)).ms);
    const single = await trueupDiff(ctx, await mkdtemp(join(ctx.work, 'cold-cache-')), [
      '--cluster',
      ctx.clusters[0] as string,
    ]);
    one.push(single.ms);
    log(
      `cold trueup diff run ${r + 1}: fleet ${ms(cold.ms)}, warm cache ${ms(warm.at(-1) ?? 0)}, one cluster ${ms(single.ms)}`,
    );
  }
  if (ctx.options.cpuProf) {
    const dir = ctx.options.cpuProf;
    await trueupDiff(
      ctx,
      await mkdtemp(join(ctx.work, 'cold-cache-')),
      [],
      ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    );
    log(`CPU profile of one cold trueup diff written to ${dir}`);
  }
  const nodeStart: number[] = [];
  const moduleLoad: number[] = [];
  for (let r = 0; r < Math.max(3, ctx.options.runs); r++) {
    nodeStart.push(must(await run(process.execPath, ['-e', '0']), 'node -e 0').ms);
    // What `trueup diff` imports before it does any work: the command line and the diff command,
    // with the compile cache on, as bin/trueup.js has it.
    const load = await run(process.execPath, [
      '--input-type=module',
      '-e',
      "(await import('node:module')).enableCompileCache?.(); for (const m of process.argv.slice(1)) await import(m);",
      new URL('../cli/program.ts', import.meta.url).href,
      new URL('../cli/fleet-commands.ts', import.meta.url).href,
    ]);
    moduleLoad.push(must(load, 'import cli/program.ts + cli/fleet-commands.ts').ms);
  }
  return {
    fleet: stats(fleet),
    fleetWarmCache: stats(warm),
    oneCluster: stats(one),
    ...(rss.length ? { maxRssKb: Math.max(...rss) } : {}),
    nodeStart: stats(nodeStart),
    moduleLoad: stats(moduleLoad),
  };
}

interface Floor {
  sequential: Stats;
  parallel: Stats;
  oneCluster: Stats;
  itemsPerCluster: number;
}

async function floorPhase(ctx: BenchContext): Promise<Floor> {
  const get = (cluster: string) =>
    run(ctx.options.kubectl, [
      ...ctx.kubectlArgs(cluster),
      'get',
      'configmaps,secrets',
      '-A',
      '-o',
      'json',
    ]).then((r) => must(r, `kubectl get on ${cluster}`));
  const items = (JSON.parse((await get(ctx.clusters[0] as string)).stdout) as { items: unknown[] }).items
    .length;
  const sequential: number[] = [];
  const parallel: number[] = [];
  const one: number[] = [];
  for (let r = 0; r < ctx.options.runs; r++) {
    let started = performance.now();
    for (const c of ctx.clusters) {
      const ran = await get(c);
      if (c === ctx.clusters[0]) one.push(ran.ms);
    }
    sequential.push(performance.now() - started);
    started = performance.now();
    await Promise.all(ctx.clusters.map(get));
    parallel.push(performance.now() - started);
    log(`floor run ${r + 1}: sequential ${ms(sequential.at(-1) ?? 0)}, parallel ${ms(parallel.at(-1) ?? 0)}`);
  }
  return {
    sequential: stats(sequential),
    parallel: stats(parallel),
    oneCluster: stats(one),
    itemsPerCluster: items,
  };
}

interface Peer {
  cluster: string;
  objects: number;
  sampled: number;
  /** measuredMs: the loop over the sampled objects. */
  measuredMs: number;
  perObjectMs: Distribution;
  /** oneClusterMs: the loop over all M objects (measured when sampled == objects, else extrapolated). */
  oneClusterMs: number;
  oneClusterExtrapolated: boolean;
  /** fleetMs: oneClusterMs × clusters (always extrapolated when clusters > 1). */
  fleetMs: number;
  nonZeroExits: number;
  dirDiffMs: number;
  dirDiffCode: number;
  kubectlStartMs: Stats;
}

async function peerPhase(ctx: BenchContext): Promise<Peer> {
  const cluster = ctx.clusters[0] as string;
  const { objects, kubectlSample } = ctx.options;
  // Evenly spaced, so the sample keeps the ConfigMap/Secret mix and value sizes of the whole set.
  const picks = Array.from(
    { length: kubectlSample },
    (_, i) => ctx.objects[Math.floor((i * objects) / kubectlSample)] as BenchObject,
  );
  const diff = (target: string) =>
    run(ctx.options.kubectl, [
      ...ctx.kubectlArgs(cluster),
      'diff',
      '--server-side',
      '--force-conflicts',
      '-f',
      target,
    ]);
  // Warm-up, not timed: fills kubectl's discovery cache, as any user's earlier kubectl call would.
  must(await diff(join(ctx.repoDir, (picks[0] as BenchObject).file)), 'kubectl diff warm-up');
  const each: number[] = [];
  let nonZeroExits = 0;
  const started = performance.now();
  for (const [i, o] of picks.entries()) {
    const ran = await diff(join(ctx.repoDir, o.file));
    each.push(ran.ms);
    // 0: no differences; 1: differences (there should be none); >1: error.
    if (ran.code !== 0) {
      nonZeroExits++;
      if (nonZeroExits <= 3) log(`kubectl diff ${o.file} exited ${ran.code}: ${ran.stderr.slice(0, 300)}`);
    }
    if ((i + 1) % 100 === 0) log(`kubectl diff loop: ${i + 1}/${picks.length}`);
  }
  const measuredMs = performance.now() - started;
  const oneClusterMs = (measuredMs * objects) / picks.length;
  const dir = await diff(join(ctx.repoDir, 'manifests'));
  const kubectlStart: number[] = [];
  for (let r = 0; r < 5; r++)
    kubectlStart.push(must(await run(ctx.options.kubectl, ['version', '--client']), 'kubectl version').ms);
  return {
    cluster,
    objects,
    sampled: picks.length,
    measuredMs,
    perObjectMs: distribution(each),
    oneClusterMs,
    oneClusterExtrapolated: picks.length < objects,
    fleetMs: oneClusterMs * ctx.clusters.length,
    nonZeroExits,
    dirDiffMs: dir.ms,
    dirDiffCode: dir.code,
    kubectlStartMs: stats(kubectlStart),
  };
}

interface InProcess {
  gitSync: Stats;
  build: Stats;
  list: Stats;
  diff: Stats;
  reconcileFleet: Stats;
  liveObjects: number;
}

/** inProcessPhase times the pieces of a diff inside this process (modules already loaded). */
async function inProcessPhase(ctx: BenchContext): Promise<InProcess> {
  const t = {
    gitSync: [] as number[],
    build: [] as number[],
    list: [] as number[],
    diff: [] as number[],
    cycle: [] as number[],
  };
  let liveObjects = 0;
  const build = await desiredStateBuilder();
  for (let r = 0; r < ctx.options.runs; r++) {
    let at = performance.now();
    const source = openGitSource({
      repo: ctx.repoDir,
      cacheDir: await mkdtemp(join(ctx.work, 'inproc-cache-')),
    });
    const synced = await source.sync();
    if (!synced.snapshot) throw new Error(`git sync failed: ${synced.error?.message}`);
    t.gitSync.push(performance.now() - at);
    at = performance.now();
    const state = await build(synced.snapshot);
    t.build.push(performance.now() - at);
    // A fresh factory per run: new clients, new connections, as a fresh process would have.
    const options = { kubeconfig: ctx.fleet.kubeconfigPath, fieldManager: 'trueup', timeout: 15 };
    let access = clusterAccessFactory(options);
    at = performance.now();
    const lives: LiveObject[][] = await Promise.all(
      state.clusters.map((c) => access(c.cluster).listObjects()),
    );
    t.list.push(performance.now() - at);
    liveObjects = lives.reduce((n, l) => n + l.length, 0);
    at = performance.now();
    // The diff step alone: drift and policy decision for every object (what reconcileFleet does after LIST).
    const context = evaluationContext(state.policy, { fieldManager: 'trueup', remediate: false }, new Date());
    const evaluated = state.clusters.flatMap((c, i) => evaluateCluster(c, lives[i] ?? [], context));
    t.diff.push(performance.now() - at);
    if (evaluated.length !== ctx.clusters.length * ctx.objects.length)
      throw new Error(
        `evaluateCluster: expected ${ctx.clusters.length * ctx.objects.length} results, got ${evaluated.length}`,
      );
    access = clusterAccessFactory(options);
    at = performance.now();
    const report = await reconcileFleet(state, access, { ...defaultCycleOptions(), remediate: false });
    t.cycle.push(performance.now() - at);
    const drifted = report.clusters.flatMap((c) => c.drifts.filter((d) => d.status !== 'in-sync'));
    if (drifted.length > 0 || report.clusters.some((c) => !c.reachable))
      throw new Error(`in-process cycle: expected an in-sync fleet, got ${drifted.length} drifts`);
  }
  return {
    gitSync: stats(t.gitSync),
    build: stats(t.build),
    list: stats(t.list),
    diff: stats(t.diff),
    reconcileFleet: stats(t.cycle),
    liveObjects,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

interface Row {
  figure: string;
  measured: string;
  target: string;
  result: 'PASS' | 'MISS' | '';
}

interface Results {
  options: BenchOptions;
  machine: Record<string, string | number>;
  phasesMs: Record<string, number>;
  /** loadAfterPhase: the 1-minute load average at the end of each phase (other work on the machine shows here). */
  loadAfterPhase: Record<string, number>;
  initialApply: { ms: number; maxRssKb?: number };
  daemon: DaemonPhase;
  coldDiff: ColdDiff;
  floor: Floor;
  peer: Peer;
  inProcess: InProcess;
  benchMaxRssKb: number;
  rows: Row[];
}

function verdict(ok: boolean): 'PASS' | 'MISS' {
  return ok ? 'PASS' : 'MISS';
}

function rowsFor(r: Omit<Results, 'rows'>): Row[] {
  const { daemon, coldDiff, floor, peer } = r;
  const rows: Row[] = [];
  const ex = peer.oneClusterExtrapolated ? `, EXTRAPOLATED from ${peer.sampled}/${peer.objects} objects` : '';
  const latency = (set: LatencySet, label: string) => {
    const missing = set.samples - Math.min(set.detected, set.remediated);
    const note = missing > 0 ? ` (${missing} of ${set.samples} samples MISSING)` : '';
    rows.push({
      figure: `drift detection latency, ${label} (n=${set.detectionMs.n})`,
      measured: `p50 ${ms(set.detectionMs.p50)}, p90 ${ms(set.detectionMs.p90)}, p99 ${ms(set.detectionMs.p99)}, max ${ms(set.detectionMs.max)}${note}`,
      target: 'p99 <= 1 s',
      result: verdict(set.detectionMs.p99 <= 1000 && missing === 0),
    });
    rows.push({
      figure: `remediation latency, ${label} (n=${set.remediationMs.n}, ${set.confirmed} confirmed by read-back)`,
      measured: `p50 ${ms(set.remediationMs.p50)}, p90 ${ms(set.remediationMs.p90)}, p99 ${ms(set.remediationMs.p99)}, max ${ms(set.remediationMs.max)}${note}`,
      target: 'p99 <= 2 s',
      result: verdict(set.remediationMs.p99 <= 2000 && missing === 0 && set.confirmed === set.samples),
    });
  };
  rows.push({
    figure: `cold full diff: trueup diff, fresh process + empty git cache (${r.options.clusters}×${r.options.objects})`,
    measured: `best ${ms(coldDiff.fleet.best)}, median ${ms(coldDiff.fleet.median)} (n=${coldDiff.fleet.n})`,
    target: '',
    result: '',
  });
  rows.push({
    figure: 'cold diff, one cluster (--cluster, same objects as the kubectl loop)',
    measured: `best ${ms(coldDiff.oneCluster.best)}, median ${ms(coldDiff.oneCluster.median)} (n=${coldDiff.oneCluster.n})`,
    target: '',
    result: '',
  });
  rows.push({
    figure: `peer: kubectl diff --server-side loop, one cluster, ${peer.objects} objects${ex}`,
    measured: `${ms(peer.oneClusterMs)} (${ms(peer.perObjectMs.p50)}/object p50)`,
    target: '',
    result: '',
  });
  const onePeer = peer.oneClusterMs / coldDiff.oneCluster.median;
  rows.push({
    figure: `ratio kubectl loop / trueup diff, one cluster (medians${ex ? '; loop extrapolated' : '; both measured'})`,
    measured: `${onePeer.toFixed(1)}× faster`,
    target: '>= 20×',
    result: verdict(onePeer >= 20),
  });
  const fleetPeer = peer.fleetMs / coldDiff.fleet.median;
  rows.push({
    figure: `ratio kubectl loop / trueup diff, whole fleet (loop ×${r.options.clusters} clusters, EXTRAPOLATED)`,
    measured: `${fleetPeer.toFixed(1)}× faster (loop ≈ ${ms(peer.fleetMs)})`,
    target: '>= 20×',
    result: r.options.clusters > 1 || peer.oneClusterExtrapolated ? verdict(fleetPeer >= 20) : '',
  });
  rows.push({
    figure: `peer, one call: kubectl diff --server-side -f <dir of ${peer.objects} files> (n=1, exit ${peer.dirDiffCode})`,
    measured: `${ms(peer.dirDiffMs)} → ratio ${(peer.dirDiffMs / coldDiff.oneCluster.median).toFixed(1)}× vs one-cluster trueup diff`,
    target: '',
    result: '',
  });
  rows.push({
    figure: `floor: kubectl get configmaps,secrets -A -o json × ${r.options.clusters} (sequential | parallel)`,
    measured: `median ${ms(floor.sequential.median)} | ${ms(floor.parallel.median)} (n=${floor.parallel.n})`,
    target: '',
    result: '',
  });
  const fl = Math.min(floor.sequential.median, floor.parallel.median);
  rows.push({
    figure: `ratio trueup diff / floor, whole fleet (vs the faster floor; vs the other: ${(coldDiff.fleet.median / Math.max(floor.sequential.median, floor.parallel.median)).toFixed(2)}×)`,
    measured: `${(coldDiff.fleet.median / fl).toFixed(2)}× the floor`,
    target: '<= 2×',
    result: verdict(coldDiff.fleet.median / fl <= 2),
  });
  rows.push({
    figure: 'ratio trueup diff / floor, one cluster',
    measured: `${(coldDiff.oneCluster.median / floor.oneCluster.median).toFixed(2)}× the floor (${ms(floor.oneCluster.median)})`,
    target: '<= 2×',
    result: verdict(coldDiff.oneCluster.median / floor.oneCluster.median <= 2),
  });
  latency(daemon.clientNode, 'client-node patch');
  latency(daemon.kubectl, 'kubectl patch (includes kubectl start)');
  rows.push({
    figure: 'peak RSS: trueup diff child (whole fleet, GNU time)',
    measured: mib(coldDiff.maxRssKb),
    target: '',
    result: '',
  });
  rows.push({
    figure: 'peak RSS: bench process hosting the daemon (maxRSS before → after the daemon phase)',
    measured: `${mib(daemon.maxRssBeforeKb)} → ${mib(daemon.maxRssAfterKb)}`,
    target: '',
    result: '',
  });
  return rows;
}

function printReport(r: Results): void {
  const out: string[] = [];
  const { options: o, machine: m } = r;
  out.push(
    '',
    `trueup reconciler benchmark: ${o.clusters} clusters × ${o.objects} objects (${m.configMaps} ConfigMaps + ${m.secrets} Secrets per cluster, namespace ${namespace})`,
  );
  out.push(
    `machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memGiB} GiB RAM, Linux ${m.kernel}; Node ${m.node}; load average at start ${m.loadAtStart}`,
  );
  out.push(
    `fleet: kube-apiserver ${m.kubeApiserver} × ${o.clusters} + one etcd ${m.etcd}, all on this machine (loopback); kubectl ${m.kubectlClient}`,
  );
  out.push('');
  const w1 = Math.max(...r.rows.map((x) => x.figure.length));
  const w2 = Math.max(...r.rows.map((x) => x.measured.length));
  const w3 = Math.max(6, ...r.rows.map((x) => x.target.length));
  out.push(`${'figure'.padEnd(w1)}  ${'measured'.padEnd(w2)}  ${'target'.padEnd(w3)}  result`);
  out.push(`${'-'.repeat(w1)}  ${'-'.repeat(w2)}  ${'-'.repeat(w3)}  ------`);
  for (const x of r.rows)
    out.push(`${x.figure.padEnd(w1)}  ${x.measured.padEnd(w2)}  ${x.target.padEnd(w3)}  ${x.result}`);
  const { coldDiff: c, inProcess: p, daemon: d, peer } = r;
  out.push('', 'where the cold diff time goes (medians; in-process pieces run with modules already loaded):');
  out.push(`  node start (node -e 0)                       ${ms(c.nodeStart.median)}`);
  out.push(
    `  node start + import of what diff loads       ${ms(c.moduleLoad.median)} (cli/program.ts + cli/fleet-commands.ts)`,
  );
  out.push(`  git fetch into an empty cache + read files   ${ms(p.gitSync.median)}`);
  out.push(`  desired state build (parse + merge)          ${ms(p.build.median)}`);
  out.push(
    `  LIST ConfigMaps+Secrets, all clusters         ${ms(p.list.median)} (${p.liveObjects} live objects)`,
  );
  out.push(`  diff (evaluateCluster, pure CPU)             ${ms(p.diff.median)}`);
  out.push(`  reconcileFleet(remediate: false) = LIST+diff ${ms(p.reconcileFleet.median)}`);
  out.push(
    `  trueup diff with a warm git cache            ${ms(c.fleetWarmCache.median)} (vs ${ms(c.fleet.median)} cold)`,
  );
  out.push('', 'other figures:');
  out.push(
    `  initial apply (trueup reconcile --once --remediate, creates ${o.clusters * o.objects} objects): ${ms(r.initialApply.ms)}, peak RSS ${mib(r.initialApply.maxRssKb)}`,
  );
  out.push(
    `  daemon start to in sync (list + evaluate ${o.clusters}×${o.objects}): ${ms(d.readyMs)}; worst event-loop stall: ${ms(d.startupLoopDelayMaxMs)} at start, ${ms(d.samplingLoopDelayMaxMs)} while sampling`,
    `  git commit → fleet converged (one key on every cluster, refresh hook called): ${ms(d.commitToConvergedMs)}; worst event-loop stall meanwhile ${ms(d.commitLoopDelayMaxMs)}`,
  );
  for (const s of [d.clientNode, d.kubectl])
    out.push(
      `  ${s.method}: edit call itself p50 ${ms(s.editMs.p50)}; daemon's part (detected → remediated) p50 ${ms(s.fixMs.p50)}, p99 ${ms(s.fixMs.p99)}`,
    );
  out.push(`  kubectl process start (kubectl version --client): median ${ms(peer.kubectlStartMs.median)}`);
  out.push(
    `  kubectl diff loop: ${peer.sampled} objects measured in ${ms(peer.measuredMs)}; per object p50 ${ms(peer.perObjectMs.p50)}, p99 ${ms(peer.perObjectMs.p99)}; non-zero exits ${peer.nonZeroExits}`,
  );
  out.push(`  floor items per cluster (all namespaces): ${r.floor.itemsPerCluster}`);
  const failures = [...d.clientNode.failures, ...d.kubectl.failures];
  if (failures.length)
    out.push(
      '',
      `latency sample failures (${failures.length}):`,
      ...failures.slice(0, 20).map((f) => `  ${f}`),
    );
  out.push(
    '',
    `phases: ${Object.entries(r.phasesMs)
      .map(([k, v]) => `${k} ${ms(v)} (load ${(r.loadAfterPhase[k] ?? 0).toFixed(1)})`)
      .join(', ')}`,
  );
  out.push(
    'notes: p99 is nearest-rank, so with fewer than 100 samples it is the maximum. Ratios use medians.',
  );
  out.push(
    `       Timings share ${m.cpus} CPUs with the apiservers and etcd (and anything else running: see load);`,
  );
  out.push(
    '       the whole-fleet kubectl loop, and the one-cluster loop when sampled, are extrapolated; nothing else is.',
  );
  console.log(out.join('\n'));
  if (o.json) console.log(JSON.stringify(r));
}

// ---------------------------------------------------------------------------------------------
// Main

async function machineInfo(
  ctx: BenchContext,
  versions: { etcd: string; loadAtStart: number },
): Promise<Results['machine']> {
  const v = must(
    await run(ctx.options.kubectl, [...ctx.kubectlArgs(ctx.clusters[0] as string), 'version', '-o', 'json']),
    'kubectl version',
  );
  const parsed = JSON.parse(v.stdout) as {
    clientVersion?: { gitVersion?: string };
    serverVersion?: { gitVersion?: string };
  };
  const secrets = ctx.objects.filter((x) => x.kind === 'Secret').length;
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    loadAtStart: Number(versions.loadAtStart.toFixed(1)),
    node: process.version,
    kubeApiserver: parsed.serverVersion?.gitVersion ?? 'unknown',
    kubectlClient: parsed.clientVersion?.gitVersion ?? 'unknown',
    etcd: versions.etcd,
    configMaps: ctx.objects.length - secrets,
    secrets,
  };
}

/** editTargets picks K distinct ConfigMaps per sample set, round-robin over the clusters. */
function editTargets(ctx: BenchContext, k: number): EditTarget[][] {
  const cms = ctx.objects.filter((o) => o.kind === 'ConfigMap');
  const sets: EditTarget[][] = [[], []];
  for (let i = 0; i < 2 * k; i++) {
    const object = cms[Math.floor((i * cms.length) / (2 * k)) % cms.length] as BenchObject;
    // Consecutive samples land on different clusters, in both sets.
    sets[i % 2]?.push({ cluster: ctx.clusters[Math.floor(i / 2) % ctx.clusters.length] as string, object });
  }
  return sets;
}

async function main(): Promise<void> {
  if (process.argv.includes('--scale')) {
    const { runScale } = await import('./scale.ts');
    return runScale(process.argv.slice(2));
  }
  const options = parseOptions(process.argv.slice(2));
  const loadAtStart = loadavg()[0] ?? 0;
  const phases: Record<string, number> = {};
  const loads: Record<string, number> = {};
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const at = performance.now();
    try {
      return await fn();
    } finally {
      phases[name] = performance.now() - at;
      loads[name] = loadavg()[0] ?? 0;
    }
  };
  const clusters = Array.from({ length: options.clusters }, (_, i) => `bench-${i + 1}`);
  const work = await mkdtemp(join(tmpdir(), 'trueup-bench-'));
  const binaries = await ensureClusterBinaries(log);
  log(`starting a fleet of ${clusters.length} clusters`);
  const fleet = await phase('fleet start', () =>
    startFleet({ binaries, clusters, log, readyTimeoutMs: 600_000 }),
  );
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    await fleet.stop();
    await rm(work, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void stopAll().finally(() => process.exit(130)));
  try {
    const cores = new Map(
      clusters.map((c) => {
        const k = new KubeConfig();
        k.loadFromFile(fleet.kubeconfigPath);
        k.setCurrentContext(c);
        return [c, k.makeApiClient(CoreV1Api)];
      }),
    );
    const kubectlCache = join(work, 'kubectl-cache');
    const repoDir = join(work, 'repo');
    log(`writing the fleet repo: ${options.objects} objects`);
    const objects = await createRepo(repoDir, clusters, options.objects);
    const ctx: BenchContext = {
      options,
      fleet,
      clusters,
      work,
      repoDir,
      objects,
      kubectlArgs: (c) => ['--kubeconfig', fleet.kubeconfigPath, '--context', c, '--cache-dir', kubectlCache],
      core: (c) => cores.get(c) as CoreV1Api,
    };
    const machine = await machineInfo(ctx, { etcd: binaries.etcdVersion, loadAtStart });
    await Promise.all(
      clusters.map((c) => ctx.core(c).createNamespace({ body: { metadata: { name: namespace } } })),
    );

    log(
      `initial apply of ${clusters.length * objects.length} objects with trueup reconcile --once --remediate`,
    );
    const apply = await phase('initial apply', async () =>
      must(
        await run(
          process.execPath,
          [
            trueupBin,
            'reconcile',
            '--once',
            '--remediate',
            '--repo',
            repoDir,
            '--kubeconfig',
            fleet.kubeconfigPath,
            '--cache-dir',
            join(work, 'apply-cache'),
            '-o',
            'json',
          ],
          { rss: true },
        ),
        'trueup reconcile --once --remediate',
      ),
    );
    log(`applied in ${ms(apply.ms)}`);

    // The daemon runs first, so the bench process's peak RSS is the daemon's, not the other phases'.
    const daemon = await phase('daemon latency', () => daemonPhase(ctx, editTargets(ctx, options.edits)));
    log('cold trueup diff');
    const coldDiff = await phase('cold diff', () => coldDiffPhase(ctx));
    log('floor: kubectl get');
    const floor = await phase('floor', () => floorPhase(ctx));
    log(`peer: kubectl diff --server-side over ${options.kubectlSample} objects, one at a time`);
    const peer = await phase('kubectl diff loop', () => peerPhase(ctx));
    log('in-process breakdown');
    const inProcess = await phase('in-process', () => inProcessPhase(ctx));
    const partial = {
      options,
      machine,
      phasesMs: phases,
      loadAfterPhase: loads,
      initialApply: { ms: apply.ms, ...(apply.maxRssKb ? { maxRssKb: apply.maxRssKb } : {}) },
      daemon,
      coldDiff,
      floor,
      peer,
      inProcess,
      benchMaxRssKb: process.resourceUsage().maxRSS,
    };
    printReport({ ...partial, rows: rowsFor(partial) });
  } finally {
    await stopAll();
  }
}

await main();
