/**
 * Two `trueup serve --leader-elect` replicas on one PostgreSQL audit store (a server of this file's
 * own, so it can be restarted): one audit trail and one set of approvals seen from either replica;
 * PostgreSQL restarted mid-run makes the replicas not ready meanwhile and loses no record.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningPostgres, startPostgres } from '../postgres/postgres.ts';
import { createFleetRepo, type FleetRepo, fleetYaml } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace, kubectl, kubectlPatch } from './kube.ts';
import { type Replica, startReplica } from './replica.ts';

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];

interface Status {
  replica: { leader: boolean };
}
interface Approval {
  id: string;
  state: string;
  entry: { name: string; namespace: string };
}
interface History {
  drifts: { drift: { name: string } }[];
  remediations: { actor: string; entry: { name: string; action: string; error?: string } }[];
}

describe('two serve replicas on one PostgreSQL store', () => {
  let ns: string;
  let repo: FleetRepo;
  let postgres: RunningPostgres;
  let replicas: Replica[] = [];
  let leader: Replica;
  let follower: Replica;
  const history = (r: Replica) => r.api<History>(`/api/v1/history?namespace=${ns}&limit=200`);
  const applied = (h: History, name: string) =>
    h.remediations.filter((r) => r.entry.name === name && r.entry.action === 'configured' && !r.entry.error);

  beforeAll(async () => {
    postgres = await startPostgres();
    ns = await freshNamespace('pgha', [clientsFor(first)]);
    repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {}\n', [first]),
      'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: ${ns}}\ndata:\n  color: blue\n`,
      'base/held.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: ${ns}}\ndata:\n  mode: safe\n`,
      'policies.yaml': `apiVersion: trueup.io/v1alpha1\nkind: Policy\ndefaultMode: auto\nrules:\n  - name: by-a-human\n    match: {names: [held]}\n    mode: approve\n`,
    });
    await kubectl(first, ['create', 'configmap', 'held', '-n', ns, '--from-literal=mode=safe']);
    const cacheDir = await mkdtemp(join(tmpdir(), 'trueup-pgha-cache-'));
    const args = (id: string) => [
      ...['--repo', repo.dir, '--kubeconfig', fleet.kubeconfigPath, '--cache-dir', join(cacheDir, id)],
      ...['--field-manager', `trueup-${ns}`, '--timeout', '5', '--remediate', '--poll-interval', '3600'],
      ...['--resync', '*/3 * * * * *', '--store', postgres.url],
      ...['--leader-elect', '--lease-cluster', first, '--lease-namespace', ns, '--lease-duration', '4'],
    ];
    replicas = await Promise.all(['pg-a', 'pg-b'].map((id) => startReplica(id, args(id))));
    const statuses = await eventually('one leader', async () => {
      const s = await Promise.all(replicas.map((r) => r.api<Status>('/api/v1/status')));
      return s.filter((x) => x.replica.leader).length === 1 ? s : undefined;
    });
    leader = replicas[statuses.findIndex((s) => s.replica.leader)] as Replica;
    follower = replicas.find((r) => r !== leader) as Replica;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.kill('SIGTERM')));
    await repo?.remove();
    await postgres?.stop();
  });

  it("shows the leader's remediation and held approval on the follower, which can reject it", async () => {
    await eventually(
      'app created',
      async () => (await history(follower)).remediations.length > 0 || undefined,
    );
    await kubectlPatch(first, ns, 'configmap', 'app', '{"data":{"color":"red"}}');
    await kubectlPatch(first, ns, 'configmap', 'held', '{"data":{"mode":"risky"}}');
    // The follower remediates nothing, yet its history is the leader's.
    const h = await eventually('remediation in the shared trail', async () => {
      const seen = await history(follower);
      return applied(seen, 'app').length >= 1 ? seen : undefined;
    });
    expect(h.drifts.some((d) => d.drift.name === 'app')).toBe(true);
    const pending = await eventually('held change listed on the follower', async () => {
      const { approvals } = await follower.api<{ approvals: Approval[] }>('/api/v1/approvals?state=pending');
      return approvals.find((a) => a.entry.name === 'held' && a.entry.namespace === ns);
    });
    const rejected = await follower.post(`/api/v1/approvals/${pending.id}/reject`, { note: 'not now' });
    expect(rejected.status).toBe(200);
    const { approvals } = await leader.api<{ approvals: Approval[] }>('/api/v1/approvals?state=all');
    expect(approvals.find((a) => a.id === pending.id)?.state).toBe('rejected');
  });

  it('is not ready while PostgreSQL restarts, reconnects, and loses no record of what was applied', async () => {
    const before = applied(await history(leader), 'app').length;
    const restarted = postgres.restart(4000);
    await eventually('leader not ready', async () =>
      (await fetch(`${leader.url}/readyz`)).status === 503 ? true : undefined,
    );
    // A drift while the store is down: nothing is applied without its record; after, it is.
    await kubectlPatch(first, ns, 'configmap', 'app', '{"data":{"color":"green"}}');
    await restarted;
    await eventually(
      'leader ready again',
      async () => ((await fetch(`${leader.url}/readyz`)).status === 200 ? true : undefined),
      30_000,
    );
    await eventually(
      'restored by the leader',
      async () =>
        (await clientsFor(first).core.readNamespacedConfigMap({ name: 'app', namespace: ns })).data?.color ===
          'blue' || undefined,
      30_000,
    );
    const after = await eventually(
      'its record in the shared trail',
      async () => {
        const seen = applied(await history(follower), 'app');
        return seen.length === before + 1 ? seen : undefined;
      },
      30_000,
    );
    expect(after).toHaveLength(before + 1);
    const { approvals } = await follower.api<{ approvals: Approval[] }>('/api/v1/approvals?state=all');
    expect(approvals.filter((a) => a.entry.namespace === ns).length).toBeGreaterThanOrEqual(1);
  });
});
