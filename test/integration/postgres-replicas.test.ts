/**
 * Two `trueup serve --leader-elect` replicas on one PostgreSQL audit store (a server of this file's
 * own, so it can be restarted): one audit trail and one set of approvals seen from either replica;
 * an approval decided through the follower (API or a signed Slack button press) is applied once, by
 * the leader; PostgreSQL restarted mid-run makes the replicas not ready meanwhile and loses no record.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signedHeaders } from '../../web/chat/signature.ts';
import { type RunningPostgres, startPostgres } from '../postgres/postgres.ts';
import { type SlackStub, startSlackStub } from '../slack/slack-stub.ts';
import { createFleetRepo, type FleetRepo, fleetYaml } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace, kubectl, kubectlPatch } from './kube.ts';
import { type Replica, startReplica } from './replica.ts';

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];
const signingSecret = 'pgha-signing-secret-5e1d';
const botToken = 'xoxb-pgha-3c9a';
const webhookToken = 'pgha-webhook-token-77b1';

interface Status {
  replica: { leader: boolean };
}
interface Approval {
  id: string;
  state: string;
  drift?: unknown;
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
  let stub: SlackStub;
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
    stub = await startSlackStub(botToken);
    const chatConfig = join(cacheDir, 'chat.yaml');
    await writeFile(
      chatConfig,
      `routes:\n  - name: ops\n    slack: C0OPS\n    match: {namespaces: [${ns}]}\napprovers:\n  users: [U0ALICE]\n`,
    );
    const slackEnv = {
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_BOT_TOKEN: botToken,
      SLACK_API_URL: stub.apiUrl,
      TRUEUP_WEBHOOK_TOKEN: webhookToken,
    };
    const args = (id: string) => [
      ...['--chat-config', chatConfig],
      ...['--repo', repo.dir, '--kubeconfig', fleet.kubeconfigPath, '--cache-dir', join(cacheDir, id)],
      ...['--field-manager', `trueup-${ns}`, '--timeout', '5', '--remediate', '--poll-interval', '3600'],
      ...['--resync', '*/3 * * * * *', '--store', postgres.url],
      ...['--leader-elect', '--lease-cluster', first, '--lease-namespace', ns, '--lease-duration', '4'],
    ];
    replicas = await Promise.all(['pg-a', 'pg-b'].map((id) => startReplica(id, args(id), slackEnv)));
    const statuses = await eventually('one leader', async () => {
      const s = await Promise.all(replicas.map((r) => r.api<Status>('/api/v1/status')));
      return s.filter((x) => x.replica.leader).length === 1 ? s : undefined;
    });
    leader = replicas[statuses.findIndex((s) => s.replica.leader)] as Replica;
    follower = replicas.find((r) => r !== leader) as Replica;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.kill('SIGTERM')));
    await stub?.close();
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

  const heldNow = async () =>
    (await clientsFor(first).core.readNamespacedConfigMap({ name: 'held', namespace: ns })).data?.mode;
  const appliedBy = async (actor: string) =>
    applied(await history(leader), 'held').filter((r) => r.actor === actor);
  // A fresh drift of `held` and the approval the leader queues for it, as the follower lists it.
  const heldApproval = async (mode: string) => {
    await kubectlPatch(first, ns, 'configmap', 'held', `{"data":{"mode":"${mode}"}}`);
    return eventually(`held change (${mode}) listed on the follower`, async () => {
      const { approvals } = await follower.api<{ approvals: Approval[] }>('/api/v1/approvals?state=pending');
      // The one planned against this drift (a resync may have queued one for the drift before).
      return approvals.find(
        (a) => a.entry.name === 'held' && a.entry.namespace === ns && JSON.stringify(a.drift).includes(mode),
      );
    });
  };

  it('applies once, on the leader, an approval queued there and approved through the follower', async () => {
    const pending = await heldApproval('risky-2');
    const answer = await follower.post(`/api/v1/approvals/${pending.id}/approve`, {});
    // The follower recorded the decision and waited for the leader's outcome.
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: true, approval: { id: pending.id, state: 'approved' } });
    expect(await heldNow()).toBe('safe');
    const { approvals } = await leader.api<{
      approvals: (Approval & { decidedBy?: string; channel?: string })[];
    }>('/api/v1/approvals?state=all');
    expect(approvals.find((a) => a.id === pending.id)).toMatchObject({
      state: 'approved',
      decidedBy: 'tester',
      channel: 'console',
    });
    expect(await appliedBy('tester (console)')).toHaveLength(1);
    // Deciding it again through either replica is refused; nothing more is applied.
    for (const r of [leader, follower])
      expect((await r.post(`/api/v1/approvals/${pending.id}/approve`, {})).status).toBe(409);
    expect(await appliedBy('tester (console)')).toHaveLength(1);
    const leaderLog = leader
      .lines()
      .filter((l) => l.msg === 'applied an approval decided on another replica');
    expect(leaderLog.map((l) => l.approval)).toEqual([pending.id]);
  });

  it('applies a Slack Approve press that reached the follower, once, on the leader', async () => {
    const pending = await heldApproval('risky-3');
    const body = new URLSearchParams({
      payload: JSON.stringify({
        type: 'block_actions',
        user: { id: 'U0ALICE', username: 'alice', name: 'alice' },
        channel: { id: 'C0OPS' },
        message: { ts: '1700000000.000100' },
        response_url: stub.responseUrl('pgha-press'),
        actions: [{ action_id: 'trueup_approve', value: pending.id, type: 'button' }],
      }),
    }).toString();
    const res = await fetch(`${follower.url}/slack/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signedHeaders(signingSecret, body) },
      body,
    });
    expect(res.status).toBe(200);
    // The pressed message is updated (chat.update, the bot token) with who approved and what was done.
    const update = await stub.waitFor('the pressed message updated', () =>
      stub.calls('chat.update').find((c) => c.body.ts === '1700000000.000100'),
    );
    expect(JSON.stringify(update.body.blocks)).toContain('Approved by <@U0ALICE> — configured');
    expect(await heldNow()).toBe('safe');
    expect(await appliedBy('alice (slack U0ALICE) (slack)')).toHaveLength(1);
    const { approvals } = await follower.api<{ approvals: Approval[] }>('/api/v1/approvals?state=all');
    expect(approvals.find((a) => a.id === pending.id)?.state).toBe('approved');
  });

  it('opens one incident, investigated once, for an alert group posted to both replicas at once', async () => {
    const groupKey = `{}:{alertname="PgHa",namespace="${ns}"}`;
    const post = (r: Replica) =>
      fetch(`${r.url}/api/v1/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${webhookToken}` },
        body: JSON.stringify({
          version: '4',
          groupKey,
          status: 'firing',
          receiver: 'trueup',
          alerts: [
            {
              status: 'firing',
              labels: { alertname: 'PgHa', cluster: first, namespace: ns, configmap: 'app' },
              annotations: { summary: 'app misbehaves' },
              startsAt: new Date().toISOString(),
              fingerprint: `pgha-${ns}`,
            },
          ],
        }),
      }).then(async (res) => ({
        status: res.status,
        ...((await res.json()) as { incident: string; outcome: string }),
      }));
    const answers = await Promise.all(replicas.map(post));
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(new Set(answers.map((a) => a.incident)).size).toBe(1);
    expect(answers.map((a) => a.outcome).sort()).toEqual(['duplicate', 'opened']);
    type Listed = { id: string; groupKey: string; investigation: string };
    for (const r of replicas) {
      const listed = await eventually(`the incident investigated, seen on ${r.identity}`, async () => {
        // Filtered and searched (an object name, any case) on the shared store, as the console asks.
        const { incidents } = await r.api<{ incidents: Listed[] }>(
          `/api/v1/incidents?limit=100&status=firing&namespace=${ns}&q=APP`,
        );
        const mine = incidents.filter((i) => i.groupKey === groupKey);
        return mine.length === 1 && mine[0]?.investigation === 'done' ? mine : undefined;
      });
      expect(listed.map((i) => i.id)).toEqual([answers[0]?.incident]);
    }
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
