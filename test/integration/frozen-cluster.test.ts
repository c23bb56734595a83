/**
 * A cluster whose apiserver is frozen (SIGSTOP: connections are accepted, nothing answers): the
 * one-shot commands report it unreachable after --timeout and then exit, instead of waiting for
 * the connections they opened to it (~20 s, whatever the timeout). The frozen apiserver is a
 * private one started for this test, so the shared fleet is not disturbed.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureClusterBinaries } from '../../local-fleet/binaries.ts';
import { type Fleet, startFleet } from '../../local-fleet/fleet.ts';
import { createFleetRepo, type FleetRepo, fleetYaml } from './fleet-repo.ts';
import { clientsFor, freshNamespace, mergeKubeconfigs } from './kube.ts';

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];
const bin = new URL('../../bin/trueup.js', import.meta.url).pathname;

/** TimedRun is one trueup process: its output, exit code, and when it printed and exited. */
interface TimedRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** reportedAt and exitedAt are ms after the start (reportedAt: first byte on stdout). */
  reportedAt: number;
  exitedAt: number;
}

/** runTimed runs the real CLI and notes when its report appeared and when the process ended. */
function runTimed(args: string[]): Promise<TimedRun> {
  const started = Date.now();
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let reportedAt = Number.NaN;
  child.stdout.on('data', (chunk: Buffer) => {
    if (stdout === '') reportedAt = Date.now() - started;
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr, reportedAt, exitedAt: Date.now() - started }));
  });
}

describe('a cluster whose apiserver is frozen', () => {
  let extra: Fleet;
  let repo: FleetRepo;
  let kubeconfig: string;
  let stateDir: string;
  const cacheDir = join(tmpdir(), 'trueup-test-cache');

  beforeAll(async () => {
    extra = await startFleet({ binaries: await ensureClusterBinaries(), clusters: ['frozen'] });
    const dir = await mkdtemp(join(tmpdir(), 'trueup-frozen-'));
    kubeconfig = join(dir, 'kubeconfig');
    stateDir = join(dir, 'state');
    await mergeKubeconfigs(fleet.kubeconfigPath, extra.kubeconfigPath, kubeconfig);
    const ns = await freshNamespace('frozen', [clientsFor(first)]);
    repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {}\n', [first, 'frozen']),
      'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: ${ns}}\ndata:\n  color: blue\n`,
    });
    extra.signal('frozen', 'SIGSTOP');
  }, 120_000);

  afterAll(async () => {
    await extra?.stop();
    await repo?.remove();
  });

  it.each([
    ['diff', ['diff']],
    ['reconcile --once', ['reconcile', '--once', '--dry-run']],
  ])(
    '%s reports the frozen cluster after --timeout and exits right after its report',
    async (name, command) => {
      const timeout = 3;
      const run = await runTimed([
        ...command,
        ...(name === 'diff' ? [] : ['--state-dir', stateDir]),
        '--repo',
        repo.dir,
        '--kubeconfig',
        kubeconfig,
        '--cache-dir',
        cacheDir,
        '--timeout',
        String(timeout),
      ]);
      expect(run.stdout).toContain(`cluster frozen: UNREACHABLE: cluster frozen: list `);
      expect(run.stdout).toContain(`no answer within ${timeout} s`);
      expect(run.stdout).toMatch(new RegExp(`cluster ${first}: \\d+ drifted`));
      expect(run.code).toBe(2);
      // Before the fix the process lived on ~20 s after the report (the connections to the frozen
      // server); now it ends as soon as the report is out. 5 s is a generous bound for a busy machine.
      expect(run.reportedAt).toBeGreaterThanOrEqual(timeout * 1000);
      expect(run.exitedAt - run.reportedAt).toBeLessThan(5_000);
    },
  );
});
