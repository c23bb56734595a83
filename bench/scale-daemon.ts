/**
 * One point of `npm run bench -- --scale`, in a process of its own (run with --expose-gc): starts
 * the daemon in-process on a fleet repo (remediation off, no cron resync, no repo poll) and waits
 * until every cluster is listed and in sync, then prints one JSON line: time to in sync, the worst
 * event-loop stall meanwhile, RSS and the heap after a full GC before and after. The heap delta
 * divided by the objects is the bytes each object costs the daemon (live cache, desired state,
 * evaluations; the modules and the HTTP server are in the baseline).
 *
 * Usage: node --expose-gc bench/scale-daemon.ts <repo> <kubeconfig> <work dir> <objects per cluster> [heap snapshot dir]
 */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { pino } from 'pino';
import { startServe } from '../cli/serve.ts';

/** ScaleDaemonResult is what the child prints (one JSON line on stdout). */
export interface ScaleDaemonResult {
  readyMs: number;
  worstStallMs: number;
  /** heap used + external (Buffers), bytes, after a full GC: before startServe and once in sync. */
  heapBefore: number;
  heapAfter: number;
  rssBeforeKb: number;
  rssAfterKb: number;
  /** maxRssKb is the process's peak RSS (getrusage). */
  maxRssKb: number;
  heapSnapshot?: string;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapNow(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function main(): Promise<void> {
  const [repo, kubeconfig, work, perCluster, snapshotDir] = process.argv.slice(2);
  if (!repo || !kubeconfig || !work || !perCluster)
    throw new Error('usage: scale-daemon.ts <repo> <kubeconfig> <work> <objects per cluster> [dir]');
  if (!gc) throw new Error('run with --expose-gc');
  const objects = Number(perCluster);
  const heapBefore = heapNow();
  const rssBeforeKb = process.memoryUsage().rss / 1024;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const started = performance.now();
  const server = await startServe(
    {
      repo,
      kubeconfig,
      cacheDir: await mkdtemp(join(work, 'scale-serve-cache-')),
      fieldManager: 'trueup',
      timeout: 30,
      remediate: false,
      prune: false,
      listen: '127.0.0.1:0',
      stateDir: await mkdtemp(join(work, 'scale-state-')),
      resync: '0 0 1 1 *',
      pollInterval: 3600,
      logLevel: 'warn',
      events: false,
      clusterLabel: 'cluster',
      consoleAuthOff: true,
    },
    pino({ level: 'warn' }, process.stderr),
  );
  try {
    for (;;) {
      const s = server.daemon.status();
      if (s.ready && s.clusters.every((c) => c.synced && c.drifted === 0 && c.objects === objects)) break;
      if (performance.now() - started > 1_800_000)
        throw new Error(`daemon not in sync after 30 min: ${JSON.stringify(s).slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const readyMs = performance.now() - started;
    const worstStallMs = loop.max / 1e6;
    loop.disable();
    // Let the store writes of the first evaluation finish, so the heap holds what stays.
    await new Promise((r) => setTimeout(r, 2000));
    const heapAfter = heapNow();
    const result: ScaleDaemonResult = {
      readyMs,
      worstStallMs,
      heapBefore,
      heapAfter,
      rssBeforeKb,
      rssAfterKb: process.memoryUsage().rss / 1024,
      maxRssKb: process.resourceUsage().maxRSS,
      ...(snapshotDir
        ? { heapSnapshot: writeHeapSnapshot(join(snapshotDir, `daemon-${objects}.heapsnapshot`)) }
        : {}),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await server.stop();
  }
}

await main();
