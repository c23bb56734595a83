/**
 * `trueup demo`: a local 3-cluster fleet (real kube-apiservers, built once from Go modules), the
 * example fleet repo from examples/ as a real git repo, and `serve` with remediation on — no
 * account or API key needed. Prints what to try; Ctrl-C stops everything.
 */

import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureClusterBinaries } from '../local-fleet/binaries.ts';
import { startFleet } from '../local-fleet/fleet.ts';
import { CoreV1Api, KubeConfig } from '../reconciler/kube/client-node.ts';
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
      events: true,
      clusterLabel: 'cluster',
      // The demo's daemon listens on loopback only; a real one needs TRUEUP_WEBHOOK_TOKEN.
      webhookUnauthenticated: true,
      consoleAuthOff: true,
    });
    process.stderr.write(
      instructions(server.url, repo, fleet.kubeconfigPath, join(dir, 'state'), !options.observe),
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

/** demoAlert is a webhook body naming a demo ConfigMap; edit it first to see it blamed. */
function demoAlert(): string {
  const labels = {
    alertname: 'CheckoutErrors',
    cluster: 'prod-eu',
    namespace: 'shop',
    configmap: 'checkout-config',
  };
  return JSON.stringify({
    version: '4',
    groupKey: '{}:{alertname="CheckoutErrors"}',
    status: 'firing',
    receiver: 'trueup',
    alerts: [
      { status: 'firing', labels, startsAt: new Date().toISOString(), fingerprint: 'demo-checkout-1' },
    ],
  });
}

function instructions(
  url: string,
  repo: string,
  kubeconfig: string,
  stateDir: string,
  remediate: boolean,
): string {
  return `
trueup demo is running — 3 local clusters, watched by trueup serve${remediate ? ' with remediation on' : ' (observe only)'}.

  fleet repo   ${repo}
  kubeconfig   ${kubeconfig}   (contexts: ${demoClusters.join(', ')})
  console      ${url}/   (no login in the demo; open it in a browser)
  daemon       ${url}/api/v1/status   ${url}/api/v1/drifts   ${url}/api/v1/history   ${url}/metrics

Try, in another terminal:
  export KUBECONFIG=${kubeconfig}
  export SOPS_AGE_KEY_FILE=${join(examples, 'demo-age.key')}   # the demo repo's (demo-only) age key
  kubectl --context prod-eu -n shop edit configmap checkout-config     # change LOG_LEVEL; trueup ${remediate ? 'puts it back' : 'reports it'}
  kubectl --context staging -n shop delete configmap payments-config   # ${remediate ? 'recreated within a second' : 'reported as missing'}
  kubectl --context prod-us -n shop get events --field-selector reason=DriftRemediated
  curl -s ${url}/api/v1/history | head -c 2000
  npx trueup diff --repo ${repo} --kubeconfig ${kubeconfig}
  # Secrets in prod wait for approval (examples/fleet-repo/policies.yaml):
  npx trueup approvals list --state-dir ${stateDir}
  npx trueup approve <id> --as you --repo ${repo} --kubeconfig ${kubeconfig} --state-dir ${stateDir}
  npx trueup explain prod-eu/shop/Secret/checkout-db --repo ${repo}
  # change the repo, then ask trueup to fetch now (it also polls every 10 s):
  (cd ${repo} && sed -i 's/PROVIDER: sandbox/PROVIDER: sandbox-v2/' base/checkout.yaml && git -c user.name=you -c user.email=you@example.com commit -qam 'new provider')
  curl -s -X POST ${url}/api/v1/git/refresh
  # an alert as Alertmanager posts it (the demo takes webhooks without a token; serve needs TRUEUP_WEBHOOK_TOKEN):
  curl -s -X POST ${url}/api/v1/alertmanager -H 'content-type: application/json' -d '${demoAlert()}'
  curl -s ${url}/api/v1/incidents      # then /api/v1/incidents/<id>: evidence and the (offline) diagnosis

Ctrl-C stops the daemon and the clusters.
`;
}
