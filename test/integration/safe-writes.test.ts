/**
 * Safe writes on the real fleet: a replacement never deletes what it cannot create again, a write
 * interrupted by a crash is recorded at the next start, and two installations on one cluster never
 * take each other's objects for orphans.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PatchStrategy } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServe } from '../../cli/serve.ts';
import { openAuditStore } from '../../reconciler/store/store.ts';
import type { ChangeSetEntry } from '../../reconciler/sync/cycle.ts';
import { createFleetRepo, type FleetRepo, fleetYaml, Transcript } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace, kubectl } from './kube.ts';
import { serveOptions } from './serve-options.ts';

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];
const everyCluster = fleet.clusters.map(clientsFor);

/** frozen is an immutable ConfigMap whose value is v. */
const frozen = (ns: string, v: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen, namespace: ${ns}}\nimmutable: true\ndata:\n  v: "${v}"\n`;

/**
 * refuseCreates installs a ValidatingAdmissionPolicy on the first cluster that refuses creating a
 * ConfigMap with v: "2" in ns (only real creates, not dry-runs, with realOnly), and waits until
 * the apiserver enforces it. Returns its removal.
 */
async function refuseCreates(ns: string, realOnly: boolean): Promise<() => Promise<void>> {
  const name = `refuse-v2-${ns}`;
  const dry = realOnly ? ' || (has(request.dryRun) && request.dryRun)' : '';
  const file = join(tmpdir(), `${name}.yaml`);
  await writeFile(
    file,
    `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: ${name}}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}
  validations:
    - expression: "!has(object.data) || !('v' in object.data) || object.data.v != '2'${dry}"
      message: v 2 is refused by the test's admission policy
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: ${name}}
spec:
  policyName: ${name}
  validationActions: [Deny]
  matchResources:
    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${ns}}}
`,
  );
  await kubectl(first, ['apply', '-f', file]);
  // The policy takes effect when the apiserver has loaded it: probe with a real create.
  await eventually(
    'the admission policy to refuse creates',
    async () => {
      const probe = `probe-${Math.random().toString(36).slice(2, 8)}`;
      try {
        await kubectl(first, ['-n', ns, 'create', 'configmap', probe, '--from-literal=v=2']);
      } catch (err) {
        return /refused by the test/.test(String((err as { stderr?: string }).stderr ?? err)) || undefined;
      }
      await kubectl(first, ['-n', ns, 'delete', 'configmap', probe]);
      return undefined;
    },
    30_000,
  );
  return async () => {
    await kubectl(first, ['delete', '-f', file, '--ignore-not-found']);
    await eventually(
      'the admission policy to be gone',
      async () => {
        await kubectl(first, ['-n', ns, 'create', 'configmap', 'probe-gone', '--from-literal=v=2']);
        await kubectl(first, ['-n', ns, 'delete', 'configmap', 'probe-gone']);
        return true;
      },
      30_000,
    );
  };
}

const readFrozen = (ns: string) =>
  clientsFor(first)
    .core.readNamespacedConfigMap({ name: 'frozen', namespace: ns })
    .then((cm) => cm.data?.v)
    .catch(() => 'missing');

describe('--replace-immutable', () => {
  const repos: FleetRepo[] = [];
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.stop();
    await Promise.all(repos.map((r) => r.remove()));
  });

  it('never deletes an immutable object whose re-create the server would refuse', {
    timeout: 240_000,
  }, async () => {
    const ns = await freshNamespace('replace', everyCluster);
    const repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {}\n'),
      'base/app.yaml': frozen(ns, '1'),
    });
    repos.push(repo);
    const t = new Transcript();
    const args = (cmd: string[]) => [...cmd, '--repo', repo.dir, '--field-manager', `trueup-${ns}`];
    await t.trueup(args(['reconcile', '--once', '--remediate', '--cluster', first]));
    const unrefuse = await refuseCreates(ns, false);
    try {
      await repo.commit({ 'base/app.yaml': frozen(ns, '2') });
      const run = await t.json<{ changes: ChangeSetEntry[] }>(
        args(['reconcile', '--once', '--remediate', '--replace-immutable', '--cluster', first]),
      );
      expect(run.code).toBe(2);
      expect(run.body.changes).toEqual([
        expect.objectContaining({
          action: 'replaced',
          dryRun: 'failed',
          error: expect.stringMatching(/dry-run failed, nothing applied: .*refused by the test/),
        }),
      ]);
      expect(await readFrozen(ns)).toBe('1');
    } finally {
      await unrefuse();
    }
    const replaced = await t.json<{ changes: ChangeSetEntry[] }>(
      args(['reconcile', '--once', '--remediate', '--replace-immutable', '--cluster', first]),
    );
    expect(replaced.body.changes.map((c) => [c.action, c.dryRun, c.error])).toEqual([
      ['replaced', 'passed', undefined],
    ]);
    expect(await readFrozen(ns)).toBe('2');
  });

  it('retries a re-create refused after the delete, then raises a RemediationFailed Event and metric', {
    timeout: 240_000,
  }, async () => {
    const ns = await freshNamespace('recreate', everyCluster);
    const repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {matchLabels: {env: prod}}\n'),
      'base/app.yaml': frozen(ns, '1'),
    });
    repos.push(repo);
    server = await startServe(
      await serveOptions(repo.dir, ns, { replaceImmutable: true, events: true }),
      pino({ level: 'silent' }),
    );
    await eventually('the object to be created', async () =>
      (await readFrozen(ns)) === '1' ? true : undefined,
    );
    // Dry-runs pass, real creates are refused: as when quota or a policy changes between the two.
    const unrefuse = await refuseCreates(ns, true);
    try {
      await repo.commit({ 'base/app.yaml': frozen(ns, '2') });
      await server.daemon.refresh();
      const metric = new RegExp(`trueup_recreate_failures_total\\{cluster="${first}"\\} [1-9]`);
      await eventually('the recreate failure metric', async () => {
        const text = await (await fetch(`${server?.url}/metrics`)).text();
        return metric.test(text) || undefined;
      });
      const events = await clientsFor(first).core.listNamespacedEvent({ namespace: ns });
      const failed = events.items.filter((e) => e.reason === 'RemediationFailed');
      expect(failed.map((e) => e.message)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/creating it again failed 3 times.*refused by the test/),
        ]),
      );
      expect(await readFrozen(ns)).toBe('missing');
    } finally {
      await unrefuse();
    }
    // Once the server accepts it again, the next cycle creates the missing object.
    await server.daemon.resync();
    await eventually('the object to be created again', async () =>
      (await readFrozen(ns)) === '2' ? true : undefined,
    );
  });
});

const bin = new URL('../../bin/trueup.js', import.meta.url).pathname;
const hook = new URL('./crash-hook.ts', import.meta.url).pathname;

/** crashingApprove runs the real `trueup approve` in a process that SIGKILLs itself at its first write. */
function crashingApprove(
  mode: 'before-write' | 'after-write',
  args: string[],
): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', hook, bin, ...args, '--kubeconfig', fleet.kubeconfigPath],
      { env: { ...process.env, TRUEUP_TEST_CRASH: mode } },
      (err, _stdout, stderr) =>
        resolve({ signal: (err as { signal?: NodeJS.Signals } | null)?.signal ?? null, stderr }),
    );
  });
}

describe('a write interrupted by SIGKILL', () => {
  const repos: FleetRepo[] = [];
  afterAll(async () => {
    await Promise.all(repos.map((r) => r.remove()));
  });

  /** heldChange queues an approval for a ConfigMap changed out of band (red, the repo says blue). */
  async function heldChange() {
    const ns = await freshNamespace('crash', [clientsFor(first)]);
    const repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {matchLabels: {env: prod}}\n'),
      'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: ${ns}}\ndata:\n  color: blue\n`,
      'policies.yaml': `apiVersion: trueup.io/v1alpha1\nkind: Policy\nrules:\n  - name: careful\n    match: {namespaces: [${ns}]}\n    mode: approve\n`,
    });
    repos.push(repo);
    await clientsFor(first).core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'app' }, data: { color: 'red' } },
    });
    const t = new Transcript();
    const args = (cmd: string[]) => [...cmd, '--repo', repo.dir, '--field-manager', `trueup-${ns}`];
    const rec = await t.json<{ changes: ChangeSetEntry[] }>(args(['reconcile', '--once', '--remediate']));
    const id = rec.body.changes[0]?.approval as string;
    expect(id).toBeTruthy();
    const approve = args(['approve', id, '--as', 'alice', '--state-dir', t.stateDir]);
    const color = () =>
      clientsFor(first)
        .core.readNamespacedConfigMap({ name: 'app', namespace: ns })
        .then((cm) => cm.data?.color);
    const stored = async () => {
      const store = openAuditStore(t.stateDir);
      try {
        return {
          state: (await store.approval(id))?.state,
          note: (await store.approval(id))?.note,
          open: (await store.openIntents()).length,
          remediations: (await store.remediations({ namespace: ns })).map((r) => [r.actor, r.entry.error]),
        };
      } finally {
        await store.close();
      }
    };
    return { id, t, args, approve, color, stored };
  }

  it('is recorded as applied at the next start, and its approval is approved, not stuck applying', {
    timeout: 240_000,
  }, async () => {
    const { t, args, approve, color, stored } = await heldChange();
    const crash = await crashingApprove('after-write', approve);
    expect(crash.signal).toBe('SIGKILL');
    expect(await color()).toBe('blue');
    expect(await stored()).toMatchObject({ state: 'applying', open: 1 });

    const next = await t.trueup(args(['reconcile', '--once']));
    expect(next.stderr).toMatch(
      /recovered an interrupted write to .*\/app: applied: the object carries the applied content \(approval \S+ is approved now\)/,
    );
    expect(await stored()).toMatchObject({
      state: 'approved',
      note: expect.stringContaining('interrupted apply applied'),
      open: 0,
      remediations: expect.arrayContaining([['alice (cli) (recovered at start)', undefined]]),
    });
  });

  it('is recorded as not applied at the next start, and its approval is pending again', {
    timeout: 240_000,
  }, async () => {
    const { t, args, approve, color, stored } = await heldChange();
    const crash = await crashingApprove('before-write', approve);
    expect(crash.signal).toBe('SIGKILL');
    expect(await color()).toBe('red');
    expect(await stored()).toMatchObject({ state: 'applying', open: 1 });

    await t.trueup(args(['reconcile', '--once']));
    expect(await stored()).toMatchObject({
      state: 'pending',
      open: 0,
      remediations: expect.arrayContaining([
        ['alice (cli) (recovered at start)', expect.stringContaining('interrupted: not-applied')],
      ]),
    });
    // Still the change that was shown: it can be approved again.
    const again = await t.trueup(approve);
    expect(again.code).toBe(0);
    expect(await color()).toBe('blue');
  });
});

describe('two installations on one cluster', () => {
  const repos: FleetRepo[] = [];
  afterAll(async () => {
    await Promise.all(repos.map((r) => r.remove()));
  });

  it("with the same field manager never report or prune each other's objects, nor unmarked ones", {
    timeout: 240_000,
  }, async () => {
    const ns = await freshNamespace('twoinst', [clientsFor(first)]);
    const cm = (name: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${ns}}\ndata: {owner: ${name}}\n`;
    const install = async (name: string) => {
      const repo = await createFleetRepo({
        'fleet.yaml': fleetYaml('  - path: base\n    clusters: {matchLabels: {env: prod}}\n'),
        [`base/${name}.yaml`]: cm(name),
      });
      repos.push(repo);
      const t = new Transcript();
      // The default field manager of both: the same name, as two default installations would have.
      const args = (cmd: string[]) => [...cmd, '--repo', repo.dir, '--field-manager', `trueup-${ns}`];
      return { repo, t, args };
    };
    const a = await install('a');
    const b = await install('b');
    type Run = { drifts: { name: string; status: string }[]; changes: ChangeSetEntry[] };
    expect((await a.t.json<Run>(a.args(['reconcile', '--once', '--remediate']))).code).toBe(0);
    expect((await b.t.json<Run>(b.args(['reconcile', '--once', '--remediate']))).code).toBe(0);
    const names = async () =>
      (await clientsFor(first).core.listNamespacedConfigMap({ namespace: ns })).items
        .map((i) => i.metadata?.name)
        .filter((n) => n !== 'kube-root-ca.crt')
        .sort();
    const idOf = async (t: Transcript) => (await readFile(join(t.stateDir, 'installation'), 'utf8')).trim();
    const live = await clientsFor(first).core.readNamespacedConfigMap({ name: 'a', namespace: ns });
    expect(live.metadata?.annotations?.['trueup.io/installation']).toBe(await idOf(a.t));
    expect(await idOf(a.t)).not.toBe(await idOf(b.t));

    // An object applied by this field manager before installation ids: created by trueup, unmarked.
    await clientsFor(first).objects.patch(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'legacy', namespace: ns, annotations: { 'trueup.io/created-by': 'trueup' } },
        data: { owner: 'old trueup' },
      },
      undefined,
      undefined,
      `trueup-${ns}`,
      true,
      PatchStrategy.ServerSideApply,
    );

    const pruneB = await b.t.json<Run>(b.args(['reconcile', '--once', '--remediate', '--prune']));
    expect(pruneB.body.drifts.filter((d) => d.status !== 'in-sync')).toEqual([]);
    expect(pruneB.body.changes).toEqual([]);
    expect(await names()).toEqual(['a', 'b', 'legacy']);

    // Its own orphan an installation does prune; the unmarked one it leaves alone.
    await a.repo.commit({ 'base/a.yaml': null, 'base/keep.yaml': cm('keep') });
    const pruneA = await a.t.json<Run>(a.args(['reconcile', '--once', '--remediate', '--prune']));
    expect(pruneA.body.changes.map((c) => [c.name, c.action, c.error])).toEqual(
      expect.arrayContaining([['a', 'deleted', undefined]]),
    );
    expect(pruneA.body.changes.map((c) => c.name)).not.toContain('legacy');
    expect(await names()).toEqual(['b', 'keep', 'legacy']);
  });
});
