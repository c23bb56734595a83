/**
 * Reconciler scenarios on the real 3-cluster fleet: a real git repo, the real `trueup` process,
 * and the machine's kubectl as the drift-maker.
 */

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { configureDigestKey } from '../../cli/digest-key.ts';
import { reconcileCommand } from '../../cli/fleet-commands.ts';
import type { DiffJson } from '../../cli/render.ts';
import { openAuditStore } from '../../reconciler/store/store.ts';
import type { ChangeSetEntry } from '../../reconciler/sync/cycle.ts';
import { createFleetRepo, type FleetRepo, fleetYaml, Transcript } from './fleet-repo.ts';
import { clientsFor, freshNamespace, kubectl, kubectlPatch } from './kube.ts';

type ReconcileJson = DiffJson & { changes: ChangeSetEntry[] };

const fleet = inject('fleet');
const [first, second, third] = fleet.clusters as [string, string, string];
const everyCluster = fleet.clusters.map(clientsFor);

function appConfigMap(ns: string, extra = ''): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: app
  namespace: ${ns}
  labels:
    team: web
data:
  color: blue
  url: https://\${cluster.name}.example.com
  script: |
    echo \${HOME}
    exit 0
${extra}`;
}

/** scenario sets up a namespace on every cluster, a repo, and a unique field manager. */
async function scenario(files: (ns: string) => Record<string, string>) {
  const ns = await freshNamespace('rec', everyCluster);
  const repo = await createFleetRepo({
    'fleet.yaml': fleetYaml('  - path: base\n    clusters: {}\n'),
    ...files(ns),
  });
  const t = new Transcript();
  const args = (cmd: string[]) => [...cmd, '--repo', repo.dir, '--field-manager', `trueup-${ns}`];
  return { ns, repo, t, args };
}

describe('trueup diff and reconcile', () => {
  const repos: FleetRepo[] = [];
  afterAll(async () => {
    await Promise.all(repos.map((r) => r.remove()));
  });

  it('creates missing objects on every cluster, then reports them in sync', async () => {
    const { ns, repo, t, args } = await scenario((ns) => ({ 'base/app.yaml': appConfigMap(ns) }));
    repos.push(repo);
    const before = await t.json<DiffJson>(args(['diff']));
    expect(before.code).toBe(1);
    expect(before.body.drifts.map((d) => [d.cluster, d.status])).toEqual(
      fleet.clusters.map((c) => [c, 'missing']),
    );

    const rec = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(rec.code).toBe(0);
    expect(rec.body.changes.map((c) => [c.cluster, c.action, c.dryRun, c.error])).toEqual(
      fleet.clusters.map((c) => [c, 'created', 'passed', undefined]),
    );
    const live = await everyCluster[1]?.core.readNamespacedConfigMap({ name: 'app', namespace: ns });
    expect(live?.data).toEqual({
      color: 'blue',
      url: `https://${second}.example.com`,
      script: 'echo ${HOME}\nexit 0\n',
    });
    expect((await t.json(args(['diff']))).code).toBe(0);
  });

  it('shows per-cluster progress on a terminal, and prints the report alone on a pipe', async () => {
    const { ns, repo, t, args } = await scenario((ns) => ({ 'base/app.yaml': appConfigMap(ns) }));
    repos.push(repo);
    // A pipe (the real process): stdout is the report, stderr carries no progress.
    const piped = await t.trueup(args(['diff']));
    expect(piped.code).toBe(1);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).not.toContain('\x1b[');
    // A terminal (injected: no PTY in CI; every step drawn): each cluster listed, then its objects applied.
    const terminal = {
      isTTY: true,
      columns: 120,
      redrawMs: 0,
      text: '',
      write: (s: string) => (terminal.text += s),
    };
    const options = {
      repo: repo.dir,
      kubeconfig: fleet.kubeconfigPath,
      cacheDir: join(tmpdir(), 'trueup-test-cache'),
      fieldManager: `trueup-${ns}`,
      timeout: 15,
      output: 'text' as const,
      once: true,
      remediate: true,
      stateDir: t.stateDir,
    };
    configureDigestKey(t.stateDir);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await reconcileCommand(options, terminal)).toBe(0);
    } finally {
      stdout.mockRestore();
    }
    for (const c of fleet.clusters) expect(terminal.text).toMatch(new RegExp(`${c} +\\d+ listed`));
    expect(terminal.text).toMatch(/1 applied ✓/);
    // The region is cleared before the report is printed.
    expect(terminal.text.endsWith('\x1b[J')).toBe(true);
  });

  it('reports a value changed by kubectl edit with who did it and where it is declared, and remediation restores it', async () => {
    const { ns, repo, t, args } = await scenario((ns) => ({ 'base/app.yaml': appConfigMap(ns) }));
    repos.push(repo);
    await t.trueup(args(['reconcile', '--once', '--remediate']));
    await kubectl(first, ['-n', ns, 'edit', 'configmap', 'app'], {
      KUBE_EDITOR: "sed -i -e 's/color: blue/color: red/'",
    });

    const diff = await t.json<DiffJson>(args(['diff']));
    expect(diff.code).toBe(1);
    expect(diff.body.drifts).toHaveLength(1);
    const [drift] = diff.body.drifts;
    expect(drift).toMatchObject({
      cluster: first,
      kind: 'ConfigMap',
      namespace: ns,
      name: 'app',
      status: 'modified',
    });
    expect(drift?.changes).toEqual([{ path: 'data.color', type: 'changed', desired: 'blue', live: 'red' }]);
    expect(drift?.driftedBy).toEqual([
      { manager: 'kubectl-edit', operation: 'Update', time: expect.any(String), paths: ['data.color'] },
    ]);
    expect(drift?.provenance?.['data.color']).toEqual({
      file: 'base/app.yaml',
      line: 9,
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
    });

    const text = await t.trueup(args(['diff']));
    expect(text.stdout).toContain('~ data.color: "red" -> "blue" (live -> desired)');
    expect(text.stdout).toContain('drifted by kubectl-edit (Update at');
    expect(text.stdout).toContain('declared in base/app.yaml:9 (commit ');

    const rec = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(rec.code).toBe(0);
    expect(rec.body.changes).toEqual([
      expect.objectContaining({ cluster: first, action: 'configured', dryRun: 'passed' }),
    ]);
    const live = await clientsFor(first).core.readNamespacedConfigMap({ name: 'app', namespace: ns });
    expect(live.data?.color).toBe('blue');
    // The audit store has the drift and the remediation, with revision and actor.
    const store = openAuditStore(t.stateDir);
    expect((await store.drifts({ cluster: first, namespace: ns }))[0]).toMatchObject({
      revision: rec.body.revision,
      drift: { status: 'modified' },
    });
    expect((await store.remediations({ cluster: first, namespace: ns }))[0]).toMatchObject({
      actor: expect.stringMatching(/^cli:/),
      entry: {
        action: 'configured',
        dryRun: 'passed',
        before: expect.stringMatching(/^hmac-sha256:/),
        after: expect.stringMatching(/^hmac-sha256:/),
      },
    });
    await store.close();
  });

  it('treats a key added out of band as drift and removes it on remediation; a removed key and a deleted object are restored', async () => {
    const { ns, repo, t, args } = await scenario((ns) => ({ 'base/app.yaml': appConfigMap(ns) }));
    repos.push(repo);
    await t.trueup(args(['reconcile', '--once', '--remediate']));
    await kubectlPatch(first, ns, 'configmap', 'app', '{"data":{"debug":"true"}}');
    await kubectl(second, [
      '-n',
      ns,
      'patch',
      'configmap',
      'app',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/data/color"}]',
    ]);
    await kubectl(third, ['-n', ns, 'delete', 'configmap', 'app']);

    const diff = await t.json<DiffJson>(args(['diff']));
    expect(diff.code).toBe(1);
    const byCluster = Object.fromEntries(diff.body.drifts.map((d) => [d.cluster, d]));
    expect(byCluster[first]?.changes).toEqual([{ path: 'data.debug', type: 'added', live: 'true' }]);
    expect(byCluster[first]?.driftedBy).toEqual([
      expect.objectContaining({ manager: 'kubectl-patch', paths: ['data.debug'] }),
    ]);
    expect(byCluster[second]?.changes).toEqual([{ path: 'data.color', type: 'removed', desired: 'blue' }]);
    expect(byCluster[third]?.status).toBe('missing');

    const rec = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(rec.code).toBe(0);
    expect(Object.fromEntries(rec.body.changes.map((c) => [c.cluster, c.action]))).toEqual({
      [first]: 'configured',
      [second]: 'configured',
      [third]: 'created',
    });
    const firstLive = await clientsFor(first).core.readNamespacedConfigMap({ name: 'app', namespace: ns });
    expect(Object.keys(firstLive.data ?? {}).sort()).toEqual(['color', 'script', 'url']);
    expect((await t.json(args(['diff']))).code).toBe(0);
  });

  it('reports a changed declared label, ignores labels and annotations the repo does not declare', async () => {
    const { ns, repo, t, args } = await scenario((ns) => ({ 'base/app.yaml': appConfigMap(ns) }));
    repos.push(repo);
    await t.trueup(args(['reconcile', '--once', '--remediate']));
    await kubectl(first, [
      '-n',
      ns,
      'label',
      'configmap',
      'app',
      'team=ops',
      'added-by-other=yes',
      '--overwrite',
    ]);
    await kubectl(first, ['-n', ns, 'annotate', 'configmap', 'app', 'other.io/note=hi']);
    const diff = await t.json<DiffJson>(args(['diff']));
    expect(diff.body.drifts).toEqual([
      expect.objectContaining({
        changes: [{ path: 'metadata.labels.team', type: 'changed', desired: 'web', live: 'ops' }],
        driftedBy: [expect.objectContaining({ manager: 'kubectl-label' })],
      }),
    ]);
  });

  it('shows no false drift for objects created by kubectl apply from the same manifests (stringData, defaults, key order, last-applied)', async () => {
    const secret = (ns: string) => `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: ${ns}}
stringData:
  password: s3cret
  user: admin
`;
    const { ns, repo, t, args } = await scenario((ns) => ({ 'base/secret.yaml': secret(ns) }));
    repos.push(repo);
    // Reordered keys and data instead of stringData, applied client-side (last-applied annotation).
    const manifest = `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: ${ns}}\ndata:\n  user: YWRtaW4=\n  password: czNjcmV0\n`;
    const file = join(repo.dir, 'kubectl-apply.yaml');
    await writeFile(file, manifest);
    for (const c of fleet.clusters) await kubectl(c, ['apply', '-f', file]);
    const diff = await t.json<DiffJson>(args(['diff']));
    expect(diff.body.drifts).toEqual([]);
    expect(diff.code).toBe(0);
  });

  it('detects a Secret rotated out of band by hash, and never prints its value', async () => {
    const canaryDesired = 'canary-desired-7f3a9c';
    const canaryLive = 'canary-rotated-b81d2e';
    const { ns, repo, t, args } = await scenario((ns) => ({
      'base/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: api, namespace: ${ns}}\nstringData:\n  token: ${canaryDesired}\n`,
    }));
    repos.push(repo);
    await t.trueup(args(['reconcile', '--once', '--remediate']));
    const rotated = Buffer.from(canaryLive).toString('base64');
    await kubectl(first, [
      '-n',
      ns,
      'patch',
      'secret',
      'api',
      '--type=merge',
      '-p',
      JSON.stringify({ data: { token: rotated, extra: rotated } }),
    ]);

    const diff = await t.json<DiffJson>(args(['diff']));
    expect(diff.body.drifts[0]?.changes).toEqual([
      { path: 'data.extra', type: 'added', live: expect.stringMatching(/^hmac-sha256:[0-9a-f]{12}$/) },
      {
        path: 'data.token',
        type: 'changed',
        desired: expect.stringMatching(/^hmac-sha256:[0-9a-f]{12}$/),
        live: expect.stringMatching(/^hmac-sha256:[0-9a-f]{12}$/),
      },
    ]);
    await t.trueup(args(['diff']));
    const rec = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(rec.code).toBe(0);
    await t.trueup(args(['reconcile', '--once', '--remediate']));
    const live = await clientsFor(first).core.readNamespacedSecret({ name: 'api', namespace: ns });
    expect(Buffer.from(live.data?.token ?? '', 'base64').toString()).toBe(canaryDesired);
    expect(Object.keys(live.data ?? {})).toEqual(['token']);
    // Canary scan: no run printed either value, in plain text or base64, nor its plain sha256
    // (whole or cut to 12 hex): digests are keyed, so no one can check a guess against them.
    const store = openAuditStore(t.stateDir);
    const recorded = JSON.stringify([
      await store.drifts({ cluster: first, namespace: ns, limit: 100 }),
      await store.remediations({ cluster: first, namespace: ns, limit: 100 }),
    ]);
    await store.close();
    const all = t.allOutput();
    for (const canary of [canaryDesired, canaryLive]) {
      const plain = createHash('sha256').update(canary).digest('hex');
      for (const text of [all, recorded]) {
        expect(text).not.toContain(canary);
        expect(text).not.toContain(Buffer.from(canary).toString('base64'));
        expect(text).not.toContain(plain.slice(0, 12));
      }
    }
    expect(recorded).toMatch(/hmac-sha256:[0-9a-f]{12}/);
  });

  it('keys Secret digests with the key of the state dir: the same after a restart, another for another installation', async () => {
    const canary = 'canary-keyed-digest-5e1f';
    const { ns, repo, t, args } = await scenario((ns) => ({
      'base/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: keyed, namespace: ${ns}}\nstringData:\n  token: ${canary}\n`,
    }));
    repos.push(repo);
    await t.trueup(args(['reconcile', '--once', '--remediate']));
    await kubectlPatch(first, ns, 'secret', 'keyed', JSON.stringify({ stringData: { token: 'rotated-x9' } }));
    const digests = async (stateDir: string) => {
      const run = await t.json<ReconcileJson>(
        args(['reconcile', '--once', '--dry-run', '--cluster', first, '--state-dir', stateDir]),
      );
      return run.body.drifts.flatMap((d) => d.changes.map((c) => [c.desired, c.live]));
    };
    const before = await digests(t.stateDir);
    expect(before).toEqual([
      [expect.stringMatching(/^hmac-sha256:/), expect.stringMatching(/^hmac-sha256:/)],
    ]);
    // A restart (a new process) on the same state dir shows the same digests.
    expect(await digests(t.stateDir)).toEqual(before);
    // Another installation (state dir) keys with its own key.
    const other = await digests(join(t.stateDir, 'other-installation'));
    expect(other[0]?.[0]).not.toBe(before[0]?.[0]);
    const plain = createHash('sha256').update(canary).digest('hex').slice(0, 12);
    expect(t.allOutput()).not.toContain(plain);
  });

  it('decrypts a SOPS (age) Secret in memory, applies it, and never prints its values', async () => {
    const fixtures = new URL('../fixtures/sops/', import.meta.url).pathname;
    const encrypted = await readFile(join(fixtures, 'string-data.enc.yaml'), 'utf8');
    // The fixture (made by the real sops) names namespace payments.
    await Promise.all(
      everyCluster.map((c) =>
        c.core.createNamespace({ body: { metadata: { name: 'payments' } } }).catch(() => undefined),
      ),
    );
    const repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: secrets\n    clusters: {}\n'),
      'secrets/payments-db.enc.yaml': encrypted,
    });
    repos.push(repo);
    const t = new Transcript();
    const args = ['--repo', repo.dir, '--field-manager', 'trueup-sops-test', '--cluster', first];
    const env = { SOPS_AGE_KEY_FILE: join(fixtures, 'age.key') };
    const noKey = await t.json<DiffJson>(['diff', ...args], { SOPS_AGE_KEY_FILE: '', SOPS_AGE_KEY: '' });
    expect(noKey.code).toBe(2);
    expect(noKey.body.errors).toEqual([
      expect.objectContaining({
        file: 'secrets/payments-db.enc.yaml',
        message: expect.stringContaining('no age key'),
      }),
    ]);

    const rec = await t.json<ReconcileJson>(['reconcile', '--once', '--remediate', ...args], env);
    expect(rec.body.errors).toEqual([]);
    expect(rec.body.changes.map((c) => [c.name, c.action, c.error])).toEqual([
      ['payments-db', 'created', undefined],
    ]);
    const live = await clientsFor(first).core.readNamespacedSecret({
      name: 'payments-db',
      namespace: 'payments',
    });
    expect(Buffer.from(live.data?.password ?? '', 'base64').toString()).toBe('Tr0ub4dor&3-payments-pw');
    expect((await t.json(['diff', ...args], env)).code).toBe(0);
    await kubectlPatch(
      first,
      'payments',
      'secret',
      'payments-db',
      '{"stringData":{"password":"rotated-by-hand-canary"}}',
    );
    await t.trueup(['diff', ...args], env);
    expect((await t.json<DiffJson>(['diff', ...args], env)).body.drifts[0]?.changes).toEqual([
      expect.objectContaining({ path: 'data.password', type: 'changed' }),
    ]);
    for (const canary of [
      'Tr0ub4dor&3-payments-pw',
      'first-canary-value',
      'second-canary-value',
      'rotated-by-hand-canary',
    ]) {
      expect(t.allOutput()).not.toContain(canary);
    }
  });

  it('reports a drifted immutable ConfigMap and replaces it only with --replace-immutable', async () => {
    const { ns, repo, t, args } = await scenario((ns) => ({
      'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen, namespace: ${ns}}\nimmutable: true\ndata:\n  v: "1"\n`,
    }));
    repos.push(repo);
    await t.trueup(args(['reconcile', '--once', '--remediate']));
    await repo.commit({
      'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen, namespace: ${ns}}\nimmutable: true\ndata:\n  v: "2"\n`,
    });
    const held = await t.json<ReconcileJson>(
      args(['reconcile', '--once', '--remediate', '--cluster', first]),
    );
    expect(held.code).toBe(1);
    expect(held.body.changes).toEqual([
      expect.objectContaining({
        action: 'skipped',
        reasons: [expect.stringContaining('--replace-immutable')],
      }),
    ]);
    const replaced = await t.json<ReconcileJson>(
      args(['reconcile', '--once', '--remediate', '--replace-immutable', '--cluster', first]),
    );
    expect(replaced.body.changes.map((c) => c.error)).toEqual([undefined]);
    expect(replaced.code).toBe(0);
    expect(replaced.body.changes).toEqual([
      expect.objectContaining({ action: 'replaced', dryRun: 'passed' }),
    ]);
    const live = await clientsFor(first).core.readNamespacedConfigMap({ name: 'frozen', namespace: ns });
    expect(live.data).toEqual({ v: '2' });
  });

  it('merges two overlapping targets key by key with provenance, per cluster', async () => {
    const ns = await freshNamespace('merge', everyCluster);
    const targets =
      '  - path: base\n    clusters: {}\n  - path: overlays/prod\n    clusters: {matchLabels: {env: prod}}\n';
    const repo = await createFleetRepo({
      'fleet.yaml': fleetYaml(targets),
      'base/app.yaml': appConfigMap(ns),
      'overlays/prod/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: ${ns}\ndata:\n  color: gold\n`,
    });
    repos.push(repo);
    const t = new Transcript();
    const args = ['--repo', repo.dir, '--field-manager', `trueup-${ns}`];
    const diff = await t.json<DiffJson>(['diff', ...args]);
    expect(diff.body.drifts.map((d) => d.status)).toEqual(['missing', 'missing', 'missing']);
    const prod = diff.body.drifts.find((d) => d.cluster === first);
    expect(prod?.provenance?.['data.color']).toMatchObject({ file: 'overlays/prod/app.yaml', line: 7 });
    expect(prod?.provenance?.['data.url']).toMatchObject({ file: 'base/app.yaml', line: 10 });
    await t.trueup(['reconcile', '--once', '--remediate', ...args]);
    const colors = await Promise.all(
      everyCluster.map((c) =>
        c.core.readNamespacedConfigMap({ name: 'app', namespace: ns }).then((cm) => cm.data?.color),
      ),
    );
    expect(colors).toEqual(['gold', 'blue', 'blue']);
  });

  it('still reconciles the other files when one YAML file is broken, naming file:line, and exits 2', async () => {
    const { ns, repo, t, args } = await scenario((ns) => ({
      'base/app.yaml': appConfigMap(ns),
      'base/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b\n',
    }));
    repos.push(repo);
    const rec = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(rec.code).toBe(2);
    expect(rec.body.errors).toEqual([
      expect.objectContaining({ file: 'base/broken.yaml', line: expect.any(Number) }),
    ]);
    expect(rec.body.changes.map((c) => [c.namespace, c.action])).toEqual(
      fleet.clusters.map(() => [ns, 'created']),
    );
  });

  describe('with a cluster that is down and one that hangs', () => {
    let hanging: Server;
    const sockets: Socket[] = [];
    let kubeconfig: string;
    beforeAll(async () => {
      // A port that accepts connections and never answers: a cluster that is "slow".
      hanging = createServer((socket) => sockets.push(socket));
      await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
      const port = (hanging.address() as { port: number }).port;
      // A port that was free a moment ago: nothing listens there, connections are refused.
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const closedPort = (closed.address() as { port: number }).port;
      await new Promise<void>((r) => closed.close(() => r()));
      const config = parse(await readFile(fleet.kubeconfigPath, 'utf8'));
      const ca = config.clusters[0].cluster['certificate-authority-data'];
      for (const [name, server] of [
        ['down', `https://127.0.0.1:${closedPort}`],
        ['hung', `https://127.0.0.1:${port}`],
      ]) {
        config.clusters.push({ name, cluster: { server, 'certificate-authority-data': ca } });
        config.contexts.push({ name, context: { cluster: name, user: config.users[0].name } });
      }
      kubeconfig = join(fleet.kubeconfigPath, '..', 'with-dead-clusters.kubeconfig');
      await writeFile(kubeconfig, stringify(config));
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => hanging.close(() => r()));
    });

    it('reconciles the healthy clusters and reports each bad one with its error', async () => {
      const ns = await freshNamespace('down', everyCluster);
      const repo = await createFleetRepo({
        'fleet.yaml': fleetYaml('  - path: base\n    clusters: {}\n', [...fleet.clusters, 'down', 'hung']),
        'base/app.yaml': appConfigMap(ns),
      });
      repos.push(repo);
      const t = new Transcript();
      const run = await t.trueup([
        'reconcile',
        '--once',
        '--remediate',
        '--repo',
        repo.dir,
        '--field-manager',
        `trueup-${ns}`,
        '--timeout',
        '2',
        '-o',
        'json',
        '--kubeconfig',
        kubeconfig,
      ]);
      const body = JSON.parse(run.stdout) as ReconcileJson;
      expect(run.code).toBe(2);
      expect(body.clusters).toEqual([
        ...fleet.clusters.map((name) => ({ name, reachable: true })),
        {
          name: 'down',
          reachable: false,
          error: expect.stringMatching(/^cluster down: list (ConfigMaps|Secrets): .*ECONNREFUSED/),
        },
        {
          name: 'hung',
          reachable: false,
          error: expect.stringMatching(/^cluster hung: list (ConfigMaps|Secrets): no answer within 2 s/),
        },
      ]);
      expect(body.changes.map((c) => [c.cluster, c.action])).toEqual(
        fleet.clusters.map((c) => [c, 'created']),
      );
    });
  });

  it('changes nothing with --dry-run but validates with the server', async () => {
    const { ns, repo, t, args } = await scenario((ns) => ({ 'base/app.yaml': appConfigMap(ns) }));
    repos.push(repo);
    const rec = await t.json<ReconcileJson>(args(['reconcile', '--once', '--dry-run']));
    expect(rec.code).toBe(1);
    expect(rec.body.changes.map((c) => [c.action, c.dryRun])).toEqual(
      fleet.clusters.map(() => ['created', 'passed']),
    );
    const list = await clientsFor(first).core.listNamespacedConfigMap({ namespace: ns });
    expect(list.items.map((i) => i.metadata?.name)).not.toContain('app');
  });

  it('reports objects of a file with a YAML bomb as unknown, held by its error, never prunes them, and applies the rest of the commit', async () => {
    const old = (ns: string, extra = '') =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old, namespace: ${ns}}\ndata: {a: "1"}\n${extra}`;
    const { ns, repo, t, args } = await scenario((ns) => ({
      'base/app.yaml': appConfigMap(ns),
      'base/old.yaml': old(ns),
    }));
    repos.push(repo);
    await t.trueup(args(['reconcile', '--once', '--remediate']));
    // One commit: an alias bomb in old.yaml, and a legitimate change to app.
    const bomb =
      'x: &a [x,x,x,x,x,x,x,x,x,x]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n';
    await repo.commit({
      'base/old.yaml': old(ns, bomb),
      'base/app.yaml': appConfigMap(ns, '  added: "yes"\n'),
    });
    const diff = await t.json<DiffJson>(args(['diff', '--cluster', first]));
    expect(diff.body.errors).toEqual([
      expect.objectContaining({
        file: 'base/old.yaml',
        code: 'TRUEUP_REPO_YAML_BUDGET',
        holds: [`ConfigMap/${ns}/old`],
      }),
    ]);
    const oldDrift = diff.body.drifts.find((d) => d.name === 'old');
    expect(oldDrift).toMatchObject({
      status: 'unknown',
      heldBy: [expect.objectContaining({ file: 'base/old.yaml' })],
    });
    expect(diff.body.drifts.find((d) => d.name === 'app')?.status).toBe('modified');
    const rec = await t.json<ReconcileJson>(
      args(['reconcile', '--once', '--remediate', '--prune', '--cluster', first]),
    );
    expect(rec.body.changes.find((c) => c.name === 'old')).toMatchObject({
      action: 'skipped',
      reasons: [expect.stringMatching(/^held by repo error base\/old\.yaml/)],
    });
    expect(rec.body.changes.find((c) => c.name === 'app')).toMatchObject({ action: 'configured' });
    const list = await clientsFor(first).core.listNamespacedConfigMap({ namespace: ns });
    expect(list.items.map((i) => i.metadata?.name)).toContain('old');
    expect(list.items.find((i) => i.metadata?.name === 'app')?.data?.added).toBe('yes');
  });

  it('reports objects removed from the repo and prunes only with --prune', async () => {
    const { ns, repo, t, args } = await scenario((ns) => ({
      'base/app.yaml': appConfigMap(ns),
      'base/old.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old, namespace: ${ns}}\ndata: {a: "1"}\n`,
    }));
    repos.push(repo);
    await t.trueup(args(['reconcile', '--once', '--remediate']));
    await repo.commit({ 'base/old.yaml': null });
    const diff = await t.json<DiffJson>(args(['diff', '--cluster', first]));
    expect(diff.body.drifts).toEqual([expect.objectContaining({ name: 'old', status: 'orphaned' })]);
    const held = await t.json<ReconcileJson>(
      args(['reconcile', '--once', '--remediate', '--cluster', first]),
    );
    expect(held.body.changes).toEqual([
      expect.objectContaining({ action: 'skipped', reasons: [expect.stringContaining('prune is off')] }),
    ]);
    const pruned = await t.json<ReconcileJson>(
      args(['reconcile', '--once', '--remediate', '--prune', '--cluster', first]),
    );
    expect(pruned.body.changes.map((c) => c.error)).toEqual([undefined]);
    expect(pruned.code).toBe(0);
    expect(pruned.body.changes).toEqual([
      expect.objectContaining({ name: 'old', action: 'deleted', dryRun: 'passed' }),
    ]);
    const list = await clientsFor(first).core.listNamespacedConfigMap({ namespace: ns });
    expect(list.items.map((i) => i.metadata?.name)).not.toContain('old');
  });

  it('authenticates with an exec credential plugin from the kubeconfig, and is refused with its bad token', async () => {
    const { ns, repo, t, args } = await scenario((ns) => ({ 'base/app.yaml': appConfigMap(ns) }));
    repos.push(repo);
    const dir = await mkdtemp(join(tmpdir(), 'trueup-exec-auth-'));
    try {
      // The plugin answers with the fleet's own token (passed in its env) and notes each call.
      const calls = join(dir, 'calls');
      const plugin = join(dir, 'credential.mjs');
      await writeFile(
        plugin,
        `import { appendFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(calls)}, 'called\\n');
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: process.env.FLEET_TOKEN } }));
`,
      );
      const withPlugin = async (token: string) => {
        const config = parse(await readFile(fleet.kubeconfigPath, 'utf8'));
        const exec = {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: [plugin],
          env: [{ name: 'FLEET_TOKEN', value: token }],
          interactiveMode: 'Never',
        };
        config.users = [{ name: 'exec-user', user: { exec } }];
        for (const c of config.contexts) c.context.user = 'exec-user';
        const path = join(dir, `kubeconfig-${token.length}`);
        await writeFile(path, stringify(config), { mode: 0o600 });
        return ['--kubeconfig', path, '--cluster', first];
      };
      const token = parse(await readFile(fleet.kubeconfigPath, 'utf8')).users[0].user.token as string;

      const rec = await t.json<ReconcileJson>([
        ...args(['reconcile', '--once', '--remediate']),
        ...(await withPlugin(token)),
      ]);
      expect(rec.body.changes.map((c) => [c.name, c.action, c.dryRun, c.error])).toEqual([
        ['app', 'created', 'passed', undefined],
      ]);
      expect(rec.code).toBe(0);
      expect(await readFile(calls, 'utf8')).toContain('called');
      const live = await clientsFor(first).core.readNamespacedConfigMap({ name: 'app', namespace: ns });
      expect(live.data?.color).toBe('blue');

      // The same plugin handing out a wrong token: the cluster is unreachable (unauthorized), exit 2.
      const refused = await t.json<DiffJson>([...args(['diff']), ...(await withPlugin('not-the-token'))]);
      expect(refused.code).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
