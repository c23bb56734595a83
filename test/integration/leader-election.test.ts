/**
 * Leader election for real: two `trueup serve --leader-elect` processes on one cluster, a 4 s
 * Lease on the real apiserver. Exactly one remediates; SIGKILL it and the other takes over within
 * the lease duration; nothing is applied twice (both audit stores and the Events say so).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createFleetRepo, type FleetRepo, fleetYaml } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace, kubectlPatch } from './kube.ts';
import { appliedIn, type Replica, startReplica } from './replica.ts';

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];
const leaseSeconds = 4;

interface Status {
  ready: boolean;
  clusters: { name: string }[];
  replica: { identity: string; leader: boolean; leaderIdentity: string | null; owned: string[] };
}

describe('two trueup serve processes with --leader-elect', () => {
  let ns: string;
  let repo: FleetRepo;
  let replicas: Replica[] = [];
  const ref = () => ({ cluster: first, namespace: ns, name: 'app' });
  const color = () =>
    clientsFor(first)
      .core.readNamespacedConfigMap({ name: 'app', namespace: ns })
      .then((cm) => cm.data?.color);
  const remediatedEvents = async () =>
    (await clientsFor(first).core.listNamespacedEvent({ namespace: ns })).items.filter(
      (e) => e.reason === 'DriftRemediated' && e.involvedObject.name === 'app',
    ).length;
  const patchColor = (value: string) =>
    kubectlPatch(first, ns, 'configmap', 'app', `{"data":{"color":"${value}"}}`);
  const lease = async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(fleet.kubeconfigPath);
    kc.setCurrentContext(first);
    return (await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'trueup', namespace: ns }))
      .spec;
  };

  beforeAll(async () => {
    ns = await freshNamespace('ha', [clientsFor(first)]);
    repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {}\n', [first]),
      'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: ${ns}}\ndata:\n  color: blue\n`,
    });
    const cacheDir = await mkdtemp(join(tmpdir(), 'trueup-ha-cache-'));
    const args = (id: string) => [
      ...['--repo', repo.dir, '--kubeconfig', fleet.kubeconfigPath, '--cache-dir', join(cacheDir, id)],
      ...['--field-manager', `trueup-${ns}`, '--timeout', '5', '--remediate', '--poll-interval', '3600'],
      ...[
        '--leader-elect',
        '--lease-cluster',
        first,
        '--lease-namespace',
        ns,
        '--lease-duration',
        `${leaseSeconds}`,
      ],
    ];
    replicas = await Promise.all(['replica-a', 'replica-b'].map((id) => startReplica(id, args(id))));
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.kill('SIGTERM')));
    await repo?.remove();
  });

  it('exactly one remediates; killed, the other takes over within the lease duration; nothing is applied twice', async () => {
    // One leader, one follower that is ready and says who leads.
    const statuses = await eventually('one leader', async () => {
      const s = await Promise.all(replicas.map((r) => r.api<Status>('/api/v1/status')));
      return s.filter((x) => x.replica.leader).length === 1 && s.every((x) => x.replica.leaderIdentity)
        ? s
        : undefined;
    });
    const leader = replicas[statuses.findIndex((s) => s.replica.leader)] as Replica;
    const follower = replicas.find((r) => r !== leader) as Replica;
    const followerStatus = statuses.find((s) => !s.replica.leader) as Status;
    expect(followerStatus.replica).toMatchObject({ leaderIdentity: leader.identity, owned: [] });
    expect(followerStatus.clusters).toEqual([]);
    expect((await fetch(`${follower.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${leader.url}/metrics`)).text()).toContain(
      `trueup_leader{identity="${leader.identity}"} 1`,
    );
    expect(await (await fetch(`${follower.url}/metrics`)).text()).toContain(
      `trueup_leader{identity="${follower.identity}"} 0`,
    );

    // The follower's API is read-only for the clusters: remediate-now names the leader.
    const refused = await follower.post(`/api/v1/objects/${first}/${ns}/ConfigMap/app/remediate`);
    expect(refused).toMatchObject({
      status: 409,
      body: {
        ok: false,
        reason: `this replica (${follower.identity}) does not own cluster ${first}; ${leader.identity} does`,
      },
    });

    // The leader created the object; a kubectl edit is put back once, by the leader only.
    await eventually('app created', async () => ((await color()) === 'blue' ? true : undefined));
    const eventsBefore = await remediatedEvents();
    const leaderBefore = (await appliedIn(leader.stateDir, ref())).length;
    await patchColor('red');
    await eventually('restored by the leader', async () => ((await color()) === 'blue' ? true : undefined));
    await eventually('remediation recorded', async () =>
      (await appliedIn(leader.stateDir, ref())).length === leaderBefore + 1 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 1500)); // room for a second (wrong) remediation to show
    expect(await appliedIn(leader.stateDir, ref())).toHaveLength(leaderBefore + 1);
    expect(await appliedIn(follower.stateDir, ref())).toHaveLength(0);
    expect(await remediatedEvents()).toBe(eventsBefore + 1);

    // SIGKILL the leader: no release, the Lease must expire. The follower fixes the next drift.
    await leader.kill('SIGKILL');
    const killedAt = Date.now();
    await patchColor('green');
    await eventually(
      'restored by the new leader',
      async () => ((await color()) === 'blue' ? true : undefined),
      20_000,
    );
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThan((leaseSeconds + 4) * 1000); // lease duration + slack for the list and apply
    await eventually('follower recorded it', async () =>
      (await appliedIn(follower.stateDir, ref())).length === 1 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(await appliedIn(follower.stateDir, ref())).toHaveLength(1);
    expect(await appliedIn(leader.stateDir, ref())).toHaveLength(leaderBefore + 1);
    expect(await remediatedEvents()).toBe(eventsBefore + 2);
    expect(await lease()).toMatchObject({
      holderIdentity: follower.identity,
      leaseDurationSeconds: leaseSeconds,
    });
    expect((await lease())?.leaseTransitions).toBeGreaterThanOrEqual(1);
    expect((await follower.api<Status>('/api/v1/status')).replica).toMatchObject({
      leader: true,
      leaderIdentity: follower.identity,
      owned: [first],
    });
    expect(follower.lines().some((l) => l.msg === 'became the leader')).toBe(true);
  });
});
