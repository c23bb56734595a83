/**
 * Policies on the real fleet: what a rule says is what trueup does, with the reasons in the output.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { DiffJson } from '../../cli/render.ts';
import type { ChangeSetEntry } from '../../reconciler/sync/cycle.ts';
import { createFleetRepo, type FleetRepo, fleetYaml, Transcript } from './fleet-repo.ts';
import { clientsFor, freshNamespace, kubectl, kubectlPatch } from './kube.ts';

type ReconcileJson = DiffJson & { changes: ChangeSetEntry[] };

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];
const head = 'apiVersion: trueup.io/v1alpha1\nkind: Policy\n';

describe('policies', () => {
  const repos: FleetRepo[] = [];
  afterAll(async () => {
    await Promise.all(repos.map((r) => r.remove()));
  });

  async function setup(policies: (ns: string) => string) {
    const ns = await freshNamespace('pol', [clientsFor(first)]);
    const repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {}\n'),
      'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: ${ns}}\ndata:\n  color: blue\n  size: L\n`,
      'policies.yaml': head + policies(ns),
    });
    repos.push(repo);
    const t = new Transcript();
    const repoArgs = ['--repo', repo.dir, '--field-manager', `trueup-${ns}`];
    // approve takes the repo but no --cluster: the approval names its object.
    const args = (cmd: string[]) => [
      ...cmd,
      ...repoArgs,
      ...(cmd[0] === 'approve' ? [] : ['--cluster', first]),
    ];
    return { ns, repo, t, args };
  }

  const color = (ns: string) =>
    clientsFor(first)
      .core.readNamespacedConfigMap({ name: 'app', namespace: ns })
      .then((cm) => cm.data?.color);

  it('leaves drift alone in observe mode but reports it with the rule', async () => {
    const { ns, t, args } = await setup(
      (ns) => `rules:\n  - name: watch-only\n    match: {namespaces: [${ns}]}\n    mode: observe\n`,
    );
    await clientsFor(first).core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'app' }, data: { color: 'red', size: 'L' } },
    });
    const rec = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(rec.code).toBe(1);
    expect(rec.body.drifts[0]?.decision).toEqual({
      mode: 'observe',
      reasons: ['rule watch-only (policies.yaml:4) matched: mode observe'],
      ruleRefs: ['watch-only (policies.yaml:4)'],
    });
    expect(rec.body.changes).toEqual([
      expect.objectContaining({
        action: 'skipped',
        reasons: ['rule watch-only (policies.yaml:4) matched: mode observe'],
      }),
    ]);
    expect(await color(ns)).toBe('red');
    const text = await t.trueup(args(['diff']));
    expect(text.stdout).toContain(
      'decision: observe — rule watch-only (policies.yaml:4) matched: mode observe',
    );
  });

  it('never auto-remediates in a protected namespace', async () => {
    const { ns, t, args } = await setup(
      (ns) => `protectedNamespaces: [${ns}]\nrules:\n  - name: all\n    mode: auto\n    exception: true\n`,
    );
    const rec = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(rec.body.changes).toEqual([
      expect.objectContaining({
        action: 'skipped',
        reasons: expect.arrayContaining([`namespace ${ns} is protected: auto becomes approve`]),
      }),
    ]);
    const list = await clientsFor(first).core.listNamespacedConfigMap({ namespace: ns });
    expect(list.items.map((i) => i.metadata?.name)).not.toContain('app');
  });

  it('keeps an ignored key changed by kubectl changed, and does not report it', async () => {
    const { ns, t, args } = await setup(
      () =>
        'rules:\n  - name: all\n    mode: auto\n    ignore:\n      paths: [data.size]\n      managers: [injector]\n',
    );
    const first0 = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(first0.body.errors).toEqual([]);
    expect(first0.body.changes.map((c) => c.error)).toEqual([undefined]);
    expect(first0.stderr).toBe('');
    expect(first0.code).toBe(0);
    await kubectlPatch(first, ns, 'configmap', 'app', '{"data":{"size":"XL"}}');
    // A key another controller injects (as cert-manager injects ca.crt) is tolerated too.
    await kubectl(first, [
      '-n',
      ns,
      'patch',
      'configmap',
      'app',
      '--type=merge',
      '--field-manager=injector',
      '-p',
      '{"data":{"ca.crt":"x"}}',
    ]);
    const diff = await t.json<DiffJson>(args(['diff']));
    expect(diff.body.drifts).toEqual([]);
    expect(diff.code).toBe(0);
    // A change to a key that is not ignored is remediated, and the ignored ones are left as they are.
    await kubectlPatch(first, ns, 'configmap', 'app', '{"data":{"color":"red"}}');
    const rec = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(rec.body.drifts[0]?.changes).toEqual([
      { path: 'data.color', type: 'changed', desired: 'blue', live: 'red' },
    ]);
    expect(rec.code).toBe(0);
    const live = await clientsFor(first).core.readNamespacedConfigMap({ name: 'app', namespace: ns });
    expect(live.data).toEqual({ color: 'blue', size: 'XL', 'ca.crt': 'x' });
  });

  it('keeps an ignored key at its live value when the repo changes it, instead of deleting it (ConfigMap and Secret)', async () => {
    const { ns, repo, t, args } = await setup(
      () => 'rules:\n  - name: all\n    mode: auto\n    ignore:\n      paths: [data.size, data.password]\n',
    );
    const secret = (user: string, password: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: ${ns}}\nstringData:\n  user: ${user}\n  password: ${password}\n`;
    await repo.commit({ 'base/db.yaml': secret('app', 'first-password') });
    const created = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(created.code).toBe(0);
    // trueup's field manager owns every key now; the repo changes an ignored key and another one.
    await repo.commit({
      'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: ${ns}}\ndata:\n  color: green\n  size: M\n`,
      'base/db.yaml': secret('app2', 'second-password'),
    });
    const rec = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(rec.body.changes.map((c) => [c.kind, c.action, c.error]).sort()).toEqual([
      ['ConfigMap', 'configured', undefined],
      ['Secret', 'configured', undefined],
    ]);
    const cm = await clientsFor(first).core.readNamespacedConfigMap({ name: 'app', namespace: ns });
    expect(cm.data).toEqual({ color: 'green', size: 'L' });
    const db = await clientsFor(first).core.readNamespacedSecret({ name: 'db', namespace: ns });
    const decoded = Object.fromEntries(
      Object.entries(db.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
    expect(decoded).toEqual({ user: 'app2', password: 'first-password' });
    for (const canary of ['first-password', 'second-password'])
      expect(JSON.stringify(rec)).not.toContain(canary);
  });

  it('queues a change in approve mode, refuses a stale approval, and applies a fresh one with who approved it', async () => {
    const { ns, t, args } = await setup(
      (ns) => `rules:\n  - name: careful\n    match: {namespaces: [${ns}]}\n    mode: approve\n`,
    );
    await clientsFor(first).core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'app' }, data: { color: 'red', size: 'L' } },
    });
    const rec = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(rec.stderr).toBe('');
    expect(rec.body.errors).toEqual([]);
    expect({ clusters: rec.body.clusters, errors: rec.body.changes.map((c) => c.error) }).toEqual({
      clusters: [{ name: first, reachable: true }],
      errors: [undefined],
    });
    expect(rec.code).toBe(1);
    const [held] = rec.body.changes;
    expect(held).toMatchObject({
      action: 'skipped',
      dryRun: 'passed',
      pending: { action: 'configured' },
      approval: expect.stringMatching(/^a\d+-[0-9a-z]{8}$/),
    });
    expect(held?.reasons.at(-1)).toBe('waiting for approval');
    expect(await color(ns)).toBe('red');
    const list = await t.json<{ approvals: { id: string; state: string }[] }>(['approvals', 'list']);
    expect(list.body.approvals.map((a) => [a.id, a.state])).toEqual([[held?.approval, 'pending']]);

    // The object changes after the change was shown: the approval is refused, a fresh one queued.
    await kubectlPatch(first, ns, 'configmap', 'app', '{"data":{"color":"green"}}');
    const refused = await t.trueup(args(['approve', held?.approval as string, '--as', 'alice']));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `approval ${held?.approval} is stale: the live object changed since it was shown`,
    );
    const fresh = /a fresh approval was queued for the change as it is now: (a\d+-[0-9a-z]{8})/.exec(
      refused.stderr,
    )?.[1];
    expect(fresh).toBeDefined();
    expect(await color(ns)).toBe('green');

    const approved = await t.trueup(args(['approve', fresh as string, '--as', 'alice']));
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    expect(await color(ns)).toBe('blue');
    const all = await t.json<{
      approvals: { id: string; state: string; decidedBy?: string; channel?: string }[];
    }>(['approvals', 'list', '--all']);
    expect(all.body.approvals.map((a) => [a.id, a.state, a.decidedBy, a.channel])).toEqual([
      [fresh, 'approved', 'alice', 'cli'],
      [held?.approval, 'stale', 'alice', 'cli'],
    ]);
    // An approval is used once.
    expect((await t.trueup(args(['approve', fresh as string, '--as', 'bob']))).code).toBe(1);
  });

  it('rejects a held change and then refuses to approve it', async () => {
    const { ns, t, args } = await setup(
      (ns) => `rules:\n  - name: careful\n    match: {namespaces: [${ns}]}\n    mode: approve\n`,
    );
    const rec = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    const id = rec.body.changes[0]?.approval as string;
    const rejected = await t.trueup(['reject', id, '--as', 'bob', '--reason', 'not now']);
    expect(rejected.code).toBe(0);
    const again = await t.trueup(args(['approve', id, '--as', 'alice']));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`approval ${id} is rejected (not now), not pending`);
    const list = await clientsFor(first).core.listNamespacedConfigMap({ namespace: ns });
    expect(list.items.map((i) => i.metadata?.name)).not.toContain('app');
  });

  it('changes at most maxObjectsPerCluster objects per cycle and holds the rest for approval', async () => {
    const { ns, repo, t, args } = await setup(
      () => 'rules:\n  - name: small-steps\n    mode: auto\n    limits: {maxObjectsPerCluster: 1}\n',
    );
    await repo.commit({
      'base/second.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: second, namespace: ${ns}}\ndata: {a: "1"}\n`,
    });
    const rec = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(rec.body.changes.map((c) => [c.name, c.action])).toEqual([
      ['app', 'created'],
      ['second', 'skipped'],
    ]);
    expect(rec.body.changes[1]?.reasons).toEqual([
      'rule small-steps (policies.yaml:4) matched: mode auto',
      'limit of small-steps (policies.yaml:4): at most 1 objects per cluster per cycle: auto becomes approve',
      'waiting for approval',
    ]);
    // The next cycle takes the next step.
    const next = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(next.body.changes.map((c) => [c.name, c.action])).toEqual([['second', 'created']]);
    expect(next.code).toBe(0);
  });

  it('holds auto outside its allow window and says so', async () => {
    const { ns, t, args } = await setup(
      // A one-hour window twelve hours from now cannot be open now.
      () => {
        const hour = (new Date().getUTCHours() + 12) % 24;
        return `rules:\n  - name: nightly\n    mode: auto\n    windows:\n      - {type: allow, schedule: "0 ${hour} * * *", duration: 1h, timeZone: UTC}\n`;
      },
    );
    const rec = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(rec.body.changes).toEqual([
      expect.objectContaining({
        action: 'skipped',
        reasons: [
          expect.stringContaining('matched: mode auto'),
          expect.stringContaining('outside every allow window'),
          'waiting for approval',
        ],
      }),
    ]);
    const list = await clientsFor(first).core.listNamespacedConfigMap({ namespace: ns });
    expect(list.items.map((i) => i.metadata?.name)).not.toContain('app');
  });

  it('a canary wave applies to one cluster first', async () => {
    const [c1, c2, c3] = fleet.clusters as [string, string, string];
    const ns = await freshNamespace('wave', fleet.clusters.map(clientsFor));
    const policy = (settle: string) =>
      `${head}rules:\n  - name: rollout\n    mode: auto\n    limits:\n      waves:\n        - clusters: [${c1}]\n        - {}\n      settle: ${settle}\n`;
    const repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {}\n'),
      'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: ${ns}}\ndata:\n  color: blue\n`,
      'policies.yaml': policy('1h'),
    });
    repos.push(repo);
    // The object is in sync on every cluster, then the same drift is made on all three with kubectl.
    for (const c of fleet.clusters) {
      await clientsFor(c).core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'app' }, data: { color: 'blue' } },
      });
      await kubectlPatch(c, ns, 'configmap', 'app', '{"data":{"color":"red"}}');
    }
    const colors = () =>
      Promise.all(
        fleet.clusters.map((c) =>
          clientsFor(c)
            .core.readNamespacedConfigMap({ name: 'app', namespace: ns })
            .then((cm) => cm.data?.color),
        ),
      );
    const t = new Transcript();
    const reconcile = [
      'reconcile',
      '--once',
      '--remediate',
      '--repo',
      repo.dir,
      '--field-manager',
      `trueup-${ns}`,
    ];

    const first = await t.json<ReconcileJson>(reconcile);
    expect(first.stderr).toBe('');
    expect(first.body.changes.map((c) => [c.cluster, c.action, c.error])).toEqual([
      [c1, 'configured', undefined],
      [c2, 'skipped', undefined],
      [c3, 'skipped', undefined],
    ]);
    const wait = `wave 2 of rollout (policies.yaml:4) waits for wave 1 (${c1}) to settle: ${c1} is not in sync: auto becomes approve`;
    for (const held of first.body.changes.slice(1)) {
      expect(held.decision).toMatchObject({ mode: 'approve', hold: 'wave' });
      expect(held.reasons).toEqual([
        'rule rollout (policies.yaml:4) matched: mode auto',
        wait,
        'waiting for approval',
      ]);
    }
    expect(await colors()).toEqual(['blue', 'red', 'red']);
    // explain shows the waves and where the object's cluster stands.
    const explained = await t.trueup(['explain', `${c2}/${ns}/ConfigMap/app`, '--repo', repo.dir]);
    expect(explained.stdout).toContain(`         1. clusters [${c1}]: ${c1}\n`);
    expect(explained.stdout).toContain(
      `         2. every cluster (the rest): ${c2}, ${c3}  <- this cluster\n`,
    );

    // Wave 1 is in sync now, but has not been for the settle time: the rest still wait.
    const settling = await t.json<ReconcileJson>(reconcile);
    expect(settling.body.changes.map((c) => [c.cluster, c.action, c.reasons[1]])).toEqual(
      [c2, c3].map((c) => [
        c,
        'skipped',
        expect.stringMatching(
          new RegExp(
            `^wave 2 of rollout \\(policies.yaml:4\\) waits for wave 1 \\(${c1}\\) to settle: ${c1} in sync for \\d+s of 1h: auto becomes approve$`,
          ),
        ),
      ]),
    );

    // Once wave 1 has been in sync for the settle time (shortened by a commit), the next cycle takes the rest.
    await repo.commit({ 'policies.yaml': policy('2s') });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const second = await t.json<ReconcileJson>(reconcile);
    expect(second.body.changes.map((c) => [c.cluster, c.action, c.error])).toEqual([
      [c2, 'configured', undefined],
      [c3, 'configured', undefined],
    ]);
    expect(second.code).toBe(0);
    expect(await colors()).toEqual(['blue', 'blue', 'blue']);
    // The approvals queued for the held changes were made unnecessary by the second cycle.
    const all = await t.json<{ approvals: { state: string; note?: string; entry: ChangeSetEntry }[] }>([
      'approvals',
      'list',
      '--all',
    ]);
    expect(all.body.approvals.map((a) => [a.entry.cluster, a.state, a.note])).toEqual([
      [c3, 'stale', 'superseded: remediated by a later cycle'],
      [c2, 'stale', 'superseded: remediated by a later cycle'],
    ]);
  });
});
