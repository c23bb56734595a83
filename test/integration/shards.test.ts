/**
 * Sharding for real: three `trueup serve --shards auto` processes over a fleet of six real
 * kube-apiservers of its own (the shared fleet has three, and two fleet clusters on one apiserver
 * would step on each other). Every cluster gets exactly one owner; SIGKILL one replica and the
 * others pick its clusters up as their Leases expire; a drift on every cluster is remediated
 * exactly once, before and after.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ensureClusterBinaries } from '../../local-fleet/binaries.ts';
import { type Fleet, startFleet } from '../../local-fleet/fleet.ts';
import { createFleetRepo, type FleetRepo, fleetYaml } from './fleet-repo.ts';
import { eventually } from './kube.ts';
import { appliedIn, keepLogs, type Replica, startReplica } from './replica.ts';

const clusters = ['shard-1', 'shard-2', 'shard-3', 'shard-4', 'shard-5', 'shard-6'];
const ns = 'shop';
const leaseNamespace = 'trueup-ha';
const leaseSeconds = 4;

interface Status {
  clusters: { name: string }[];
  replica: { identity: string; owned: string[]; share: number; replicas: string[] };
}

describe('three trueup serve --shards auto replicas over a 6-cluster fleet', () => {
  let fleet: Fleet;
  let repo: FleetRepo;
  let replicas: Replica[] = [];
  const core = new Map<string, CoreV1Api>();
  let leases: CoordinationV1Api;

  const color = (cluster: string) =>
    core
      .get(cluster)
      ?.readNamespacedConfigMap({ name: 'app', namespace: ns })
      .then((cm) => cm.data?.color);
  const remediatedEvents = async (cluster: string) =>
    ((await core.get(cluster)?.listNamespacedEvent({ namespace: ns }))?.items ?? []).filter(
      (e) => e.reason === 'DriftRemediated' && e.involvedObject.name === 'app',
    ).length;
  const drift = (cluster: string, value: string) =>
    promisify(execFile)('kubectl', [
      ...['--kubeconfig', fleet.kubeconfigPath, '--context', cluster, '-n', ns],
      ...['patch', 'configmap', 'app', '--type=merge', '-p', `{"data":{"color":"${value}"}}`],
    ]);
  /** ownership waits until the live replicas own every cluster exactly once, share-fair, and returns cluster -> owner. */
  let lastSeen = '';
  const ownership = (live: Replica[], perReplica: number) =>
    eventually(
      `${live.length} replicas owning ${perReplica} clusters each`,
      async () => {
        const statuses = await Promise.all(live.map((r) => r.api<Status>('/api/v1/status')));
        lastSeen = JSON.stringify(statuses.map((s) => s.replica));
        const owned = statuses.flatMap((s) => s.replica.owned);
        const fair = statuses.every((s) => s.replica.owned.length === perReplica);
        if (!fair || [...owned].sort().join() !== clusters.join()) return undefined;
        return new Map(statuses.flatMap((s) => s.replica.owned.map((c) => [c, s.replica.identity] as const)));
      },
      30_000,
    ).catch((err: Error) => {
      const warnings = live.flatMap((r) =>
        r
          .lines()
          .filter((l) => Number(l.level) >= 40 || /lease|cluster/.test(String(l.msg)))
          .map((l) => `${r.identity}: ${JSON.stringify(l)}`),
      );
      throw new Error(`${err.message}; last seen: ${lastSeen}\n${warnings.slice(0, 60).join('\n')}`);
    });
  /** driftEverywhereOnce drifts every cluster and checks each is put back by its owner, exactly once. */
  const driftEverywhereOnce = async (owners: Map<string, string>, live: Replica[], value: string) => {
    const since = new Date().toISOString();
    const before = new Map(
      await Promise.all(clusters.map(async (c) => [c, await remediatedEvents(c)] as const)),
    );
    await Promise.all(clusters.map((c) => drift(c, value)));
    for (const c of clusters)
      await eventually(`${c} restored`, async () => ((await color(c)) === 'blue' ? true : undefined));
    await new Promise((r) => setTimeout(r, 1500)); // room for a second (wrong) remediation to show
    for (const c of clusters) {
      const by = await Promise.all(
        replicas.map(
          async (r) =>
            (await appliedIn(r.stateDir, { cluster: c, namespace: ns, name: 'app', since })).length,
        ),
      );
      expect({ cluster: c, appliedBy: by }).toEqual({
        cluster: c,
        appliedBy: replicas.map((r) => (r.identity === owners.get(c) ? 1 : 0)),
      });
      expect(await remediatedEvents(c)).toBe((before.get(c) ?? 0) + 1);
    }
    expect(live.every((r) => r.child.exitCode === null)).toBe(true);
  };

  beforeAll(async () => {
    fleet = await startFleet({ binaries: await ensureClusterBinaries(), clusters });
    // One KubeConfig per cluster: a client reads its credentials from its KubeConfig's current context.
    const configFor = (context: string) => {
      const kc = new KubeConfig();
      kc.loadFromFile(fleet.kubeconfigPath);
      kc.setCurrentContext(context);
      return kc;
    };
    for (const c of clusters) {
      const api = configFor(c).makeApiClient(CoreV1Api);
      core.set(c, api);
      await api.createNamespace({ body: { metadata: { name: ns } } });
    }
    leases = configFor('shard-1').makeApiClient(CoordinationV1Api);
    await core.get('shard-1')?.createNamespace({ body: { metadata: { name: leaseNamespace } } });
    repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {}\n', clusters),
      'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: ${ns}}\ndata:\n  color: blue\n`,
    });
    const cacheDir = await mkdtemp(join(tmpdir(), 'trueup-shards-cache-'));
    const args = (id: string) => [
      ...['--repo', repo.dir, '--kubeconfig', fleet.kubeconfigPath, '--cache-dir', join(cacheDir, id)],
      ...['--timeout', '5', '--remediate', '--poll-interval', '3600', '--shards', 'auto'],
      ...[
        '--lease-cluster',
        'shard-1',
        '--lease-namespace',
        leaseNamespace,
        '--lease-duration',
        `${leaseSeconds}`,
      ],
    ];
    replicas = await Promise.all(
      ['replica-a', 'replica-b', 'replica-c'].map((id) => startReplica(id, args(id))),
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.kill('SIGTERM')));
    await fleet?.stop();
    await repo?.remove();
  }, 60_000);

  it('owns every cluster exactly once; a killed replica’s clusters move to the others; each drift is remediated exactly once', async () => {
    onTestFailed(() => keepLogs(replicas));
    const owners = await ownership(replicas, 2);
    for (const c of clusters) {
      const lease = await leases.readNamespacedLease({
        name: `trueup-cluster-${c}`,
        namespace: leaseNamespace,
      });
      expect({ cluster: c, holder: lease.spec?.holderIdentity }).toEqual({
        cluster: c,
        holder: owners.get(c),
      });
      await eventually(`app on ${c}`, async () => ((await color(c)) === 'blue' ? true : undefined));
    }
    await driftEverywhereOnce(owners, replicas, 'red');

    // SIGKILL one replica: its Leases are not released, they expire; the two left share six clusters.
    const victim = replicas[1] as Replica;
    const orphaned = clusters.filter((c) => owners.get(c) === victim.identity);
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    const survivors = replicas.filter((r) => r !== victim);
    const after = await ownership(survivors, 3);
    // Lease duration, plus the heartbeat's expiry that raises the share, plus a retry or two.
    expect(Date.now() - killedAt).toBeLessThan((2 * leaseSeconds + 4) * 1000);
    for (const c of orphaned) expect(survivors.map((r) => r.identity)).toContain(after.get(c));
    await driftEverywhereOnce(after, survivors, 'green');
  });
});
