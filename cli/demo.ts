/**
 * `trueup demo`: a local 3-cluster fleet (real kube-apiservers, built once from Go modules), the
 * example fleet repo from examples/ as a real git repo, and `serve` with remediation on — no
 * account or API key needed. Once the fleet is in sync it prints a short tour (demo-tour.ts);
 * Ctrl-C stops everything.
 */

import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureClusterBinaries } from '../local-fleet/binaries.ts';
import { startFleet } from '../local-fleet/fleet.ts';
import { CoreV1Api, KubeConfig } from '../reconciler/kube/client-node.ts';
import type { ApprovalList } from '../web/contract/api.ts';
import { demoTour } from './demo-tour.ts';
import type { DemoOptions } from './options.ts';
import { startServe } from './serve.ts';

const examples = new URL('../examples/', import.meta.url).pathname;
const demoClusters = ['prod-eu', 'prod-us', 'staging'];

/** demoCommand runs the demo until SIGINT or SIGTERM. */
export async function demoCommand(options: DemoOptions): Promise<number> {
  const say = (msg: string) => process.stderr.write(`[demo] ${msg}\n`);
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'trueup-demo-')));
  await mkdir(dir, { recursive: true });

  say('preparing kube-apiserver and etcd (built from Go modules on first use; cached afterwards)');
  const binaries = await ensureClusterBinaries(say);
  say(`starting ${demoClusters.length} local clusters (kube-apiserver ${binaries.kubernetesVersion})`);
  const fleet = await startFleet({ binaries, clusters: demoClusters, dir: join(dir, 'fleet'), log: say });
  let server: Awaited<ReturnType<typeof startServe>> | undefined;
  try {
    await createNamespaces(fleet.kubeconfigPath, ['shop']);
    const repo = await seedRepo(join(dir, 'repo'));
    process.env.SOPS_AGE_KEY_FILE = join(examples, 'demo-age.key');
    server = await startServe({
      repo,
      kubeconfig: fleet.kubeconfigPath,
      cacheDir: join(dir, 'cache'),
      fieldManager: 'trueup',
      timeout: 10,
      remediate: !options.observe,
      listen: options.listen,
      stateDir: join(dir, 'state'),
      resync: '*/5 * * * *',
      pollInterval: 10,
      logLevel: 'info',
      logFormat: options.logFormat ?? 'auto',
      events: true,
      clusterLabel: 'cluster',
      // The demo's daemon listens on loopback only; a real one needs TRUEUP_WEBHOOK_TOKEN.
      webhookUnauthenticated: true,
      consoleAuthOff: true,
    });
    // The tour comes last, below the initial sync's log lines, so that it is what the newcomer sees.
    await settled(server.initialSync, 60_000);
    const remediate = !options.observe;
    const approvalId = remediate ? await pendingApproval(server.url, 'prod-eu', 'checkout-db') : undefined;
    process.stderr.write(
      demoTour({
        url: server.url,
        repo,
        kubeconfig: fleet.kubeconfigPath,
        stateDir: join(dir, 'state'),
        ageKey: join(examples, 'demo-age.key'),
        cwd: process.cwd(),
        clusters: demoClusters,
        remediate,
        ...(approvalId ? { approvalId } : {}),
      }),
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    say('stopping');
    return 0;
  } finally {
    await server?.stop();
    await fleet.stop({ keepLogs: options.dir !== undefined });
  }
}

async function createNamespaces(kubeconfig: string, namespaces: string[]): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  for (const context of kc.getContexts()) {
    kc.setCurrentContext(context.name);
    const core = kc.makeApiClient(CoreV1Api);
    for (const name of namespaces) await core.createNamespace({ body: { metadata: { name } } });
  }
}

async function seedRepo(repo: string): Promise<string> {
  await cp(join(examples, 'fleet-repo'), repo, { recursive: true });
  const git = (...args: string[]) =>
    promisify(execFile)('git', args, {
      cwd: repo,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'trueup demo',
        GIT_AUTHOR_EMAIL: 'demo@trueup.invalid',
        GIT_COMMITTER_NAME: 'trueup demo',
        GIT_COMMITTER_EMAIL: 'demo@trueup.invalid',
      },
    });
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'example fleet');
  await writeFile(join(repo, '.git', 'description'), 'trueup demo fleet repo\n');
  return repo;
}

/** settled waits for the initial sync, or at most ms (the tour is printed either way). */
async function settled(initialSync: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([initialSync, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** pendingApproval is the id of the pending approval of a shop Secret on a cluster, if there is one. */
async function pendingApproval(url: string, cluster: string, name: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${url}/api/v1/approvals?state=pending`);
    const body = (await res.json()) as ApprovalList;
    return body.approvals.find(
      (a) => a.entry.cluster === cluster && a.entry.kind === 'Secret' && a.entry.name === name,
    )?.id;
  } catch {
    return undefined; // the tour then says to take the id from the list
  }
}
