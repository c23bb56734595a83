/**
 * Who changed it, on the real fleet: the apiservers send their audit log (Metadata level for
 * ConfigMap and Secret writes) through the fleet's relay to `trueup serve`'s audit webhook, and
 * out-of-band edits made with kubectl as different users (token users alice and bob, and a
 * ServiceAccount) are attributed per drifted key — in the API, in `trueup diff -o json`, and in
 * chat — while a Secret's value reaches neither the store nor any output, unauthenticated posts
 * are refused, and a flood of audit events is absorbed while drift detection goes on.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServe } from '../../cli/serve.ts';
import type { Drift, DriftedBy } from '../../reconciler/core/model.ts';
import { type SlackStub, startSlackStub } from '../slack/slack-stub.ts';
import { createFleetRepo, type FleetRepo, fleetYaml, Transcript } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace, kubectl } from './kube.ts';
import { serveOptions } from './serve-options.ts';

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];
const canary = 'audit-canary-secret-7c3a';
const leaked = 'audit-canary-edited-9d2b';
const botToken = 'xoxb-audit-test-token';
const channel = 'C0AUDIT';

describe('audit attribution on the real fleet', () => {
  let ns: string;
  let repo: FleetRepo;
  let server: RunningServer;
  let stub: SlackStub;
  let stateDir: string;
  let logs = '';
  const transcript = new Transcript();
  const saved = { ...process.env };

  const as = (user: 'alice' | 'bob' | string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    kubectl(first, ['--token', fleet.audit.users[user as 'alice'] ?? user, '-n', ns, ...args], env);
  const drifts = async () =>
    ((await (await fetch(`${server.url}/api/v1/drifts`)).json()) as { drifts: Drift[] }).drifts;
  const writerOf = async (name: string, path: string) => {
    const drift = (await drifts()).find((d) => d.name === name && d.namespace === ns);
    return drift?.driftedBy.find((d) => d.paths.includes(path));
  };
  const userOf = (name: string, path: string) =>
    eventually(`the user of ${name} ${path}`, async () => {
      const by = await writerOf(name, path);
      return typeof by?.user === 'string' ? by : undefined;
    });

  beforeAll(async () => {
    stub = await startSlackStub(botToken);
    ns = await freshNamespace('audit', [clientsFor(first)]);
    // The objects match the repo before serve starts: observe mode only reports.
    const core = clientsFor(first).core;
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'app' }, data: { color: 'blue', size: 'm' } },
    });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'web' }, data: { replicas: '2' } },
    });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'db' }, stringData: { password: canary } },
    });
    // alice and bob (group trueup:editors) and a ServiceAccount may edit in the namespace.
    // (No controller-manager runs here, so the aggregated `edit` role is empty: a Role of our own.)
    const verbs = '--verb=get,list,watch,create,update,patch,delete';
    await kubectl(first, ['-n', ns, 'create', 'role', 'editor', verbs, '--resource=configmaps,secrets']);
    await kubectl(first, [
      '-n',
      ns,
      'create',
      'rolebinding',
      'editors',
      '--role=editor',
      '--group=trueup:editors',
      `--serviceaccount=${ns}:deployer`,
    ]);
    await kubectl(first, ['-n', ns, 'create', 'serviceaccount', 'deployer']);
    repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {}\n', [first]),
      'policies.yaml': 'apiVersion: trueup.io/v1alpha1\nkind: Policy\ndefaultMode: observe\n',
      'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: ${ns}}\ndata:\n  color: blue\n  size: m\n`,
      'base/web.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: ${ns}}\ndata:\n  replicas: "2"\n`,
      'base/db.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: ${ns}}\nstringData:\n  password: ${canary}\n`,
    });
    const dir = await mkdtemp(join(tmpdir(), 'trueup-audit-'));
    const tokens = join(dir, 'audit-tokens');
    await writeFile(tokens, `${first} ${fleet.audit.tokens[first]}\n`);
    const chatConfig = join(dir, 'chat.yaml');
    await writeFile(
      chatConfig,
      `consoleUrl: https://trueup.example\nroutes:\n  - name: ops\n    slack: ${channel}\n    events: [drift]\n    match: {namespaces: [${ns}]}\n`,
    );
    Object.assign(process.env, {
      SLACK_SIGNING_SECRET: 'audit-test-signing-secret-0123',
      SLACK_BOT_TOKEN: botToken,
      SLACK_API_URL: stub.apiUrl,
    });
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    const options = await serveOptions(repo.dir, ns, {
      remediate: false,
      auditTokens: tokens,
      chatConfig,
      events: true,
    });
    stateDir = options.stateDir;
    server = await startServe(options, pino({ level: 'debug' }, sink));
    await eventually('ready', async () =>
      (await fetch(`${server.url}/readyz`)).status === 200 ? true : undefined,
    );
    // The fleet's apiservers post to its relay; the relay forwards to this serve.
    await fetch(`${fleet.audit.relayUrl}/target`, {
      method: 'PUT',
      body: JSON.stringify({ url: server.url }),
    });
  });

  afterAll(async () => {
    await fetch(`${fleet.audit.relayUrl}/target`, { method: 'DELETE' }).catch(() => {});
    await server?.stop();
    await stub?.close();
    await repo?.remove();
    process.env = saved;
  });

  it('names the user of each drifted key: alice edits one key, bob patches another, a ServiceAccount a third object', async () => {
    await as('alice', ['edit', 'configmap', 'app'], { KUBE_EDITOR: "sed -i -e 's/color: blue/color: red/'" });
    await as('bob', ['patch', 'configmap', 'app', '--type=merge', '-p', '{"data":{"size":"xl"}}']);
    const saToken = (await kubectl(first, ['-n', ns, 'create', 'token', 'deployer'])).trim();
    await as(saToken, ['patch', 'configmap', 'web', '--type=merge', '-p', '{"data":{"replicas":"5"}}']);

    const color = await userOf('app', 'data.color');
    expect(color).toMatchObject({
      manager: 'kubectl-edit',
      user: 'alice@corp',
      groups: expect.arrayContaining(['trueup:editors']),
      userAgent: expect.stringMatching(/^kubectl\//),
      sourceIPs: ['127.0.0.1'],
      auditID: expect.any(String),
      requestTime: expect.any(String),
    });
    expect(await userOf('app', 'data.size')).toMatchObject({ manager: 'kubectl-patch', user: 'bob@corp' });
    expect(await userOf('web', 'data.replicas')).toMatchObject({
      user: `system:serviceaccount:${ns}:deployer`,
    });
  });

  it('says so when no audit event matches, instead of guessing', async () => {
    // The admin's write goes through a manager no audit event of this object names at that time:
    // made here with a field manager of its own, then its audit events are kept from serve (relay off).
    await fetch(`${fleet.audit.relayUrl}/target`, { method: 'DELETE' });
    await kubectl(first, [
      '-n',
      ns,
      'patch',
      'configmap',
      'web',
      '--type=merge',
      '--field-manager=hand-edit',
      '-p',
      '{"data":{"extra":"1"}}',
    ]);
    const by = await eventually('no match', async () => {
      const d = await writerOf('web', 'data.extra');
      return d && d.user === null ? d : undefined;
    });
    expect(by).toMatchObject({
      manager: 'hand-edit',
      user: null,
      userReason: expect.stringContaining('no audit event of a write by hand-edit'),
    });
    await fetch(`${fleet.audit.relayUrl}/target`, {
      method: 'PUT',
      body: JSON.stringify({ url: server.url }),
    });
  });

  it("attributes alice's edit of a Secret without its value reaching the store or any output", async () => {
    await as('alice', [
      'patch',
      'secret',
      'db',
      '--type=merge',
      '-p',
      JSON.stringify({ stringData: { password: leaked } }),
    ]);
    expect(await userOf('db', 'data.password')).toMatchObject({
      user: 'alice@corp',
      manager: 'kubectl-patch',
    });
    const diff = await transcript.json<{ drifts: Drift[] }>([
      'diff',
      '--repo',
      repo.dir,
      '--state-dir',
      stateDir,
    ]);
    const writers = (name: string) => diff.body.drifts.find((d) => d.name === name)?.driftedBy ?? [];
    expect(writers('db').map((d: DriftedBy) => d.user)).toEqual(['alice@corp']);
    expect(Object.fromEntries(writers('app').map((d) => [d.paths.join(','), d.user]))).toEqual({
      'data.color': 'alice@corp',
      'data.size': 'bob@corp',
    });
    const text = await transcript.trueup(['diff', '--repo', repo.dir, '--state-dir', stateDir]);
    expect(text.stdout).toMatch(/changed by alice@corp with kubectl edit from 127\.0\.0\.1 at \d\d:\d\d UTC/);
    // Canary scan: the database files, every output, the logs, chat, the API.
    const api = JSON.stringify(await drifts());
    const chat = JSON.stringify(stub.requests.map((r) => r.body));
    const files = await readdir(stateDir);
    const db = (await Promise.all(files.map((f) => readFile(join(stateDir, f)))))
      .map((b) => b.toString('latin1'))
      .join('');
    for (const where of [db, transcript.allOutput(), logs, chat, api]) {
      expect(where).not.toContain(leaked);
      expect(where).not.toContain(Buffer.from(leaked).toString('base64'));
      expect(where).not.toContain(canary);
    }
  });

  it("loads the apiserver's audit log file with trueup audit ingest, and diff attributes from that store", async () => {
    const own = await mkdtemp(join(tmpdir(), 'trueup-audit-ingest-'));
    const log = fleet.audit.logPaths[first] as string;
    const ingest = await transcript.json<{
      read: number;
      kept: number;
      added: number;
      skipped: Record<string, number>;
    }>(['audit', 'ingest', '--repo', repo.dir, '--cluster', first, '--state-dir', own, log]);
    expect(ingest.code).toBe(0);
    expect(ingest.body.kept).toBeGreaterThan(0);
    expect(ingest.body.added).toBe(ingest.body.kept);
    // Loaded twice: nothing new.
    const again = await transcript.json<{ added: number }>([
      'audit',
      'ingest',
      '--repo',
      repo.dir,
      '--cluster',
      first,
      '--state-dir',
      own,
      log,
    ]);
    expect(again.body.added).toBe(0);
    const diff = await transcript.json<{ drifts: Drift[] }>(['diff', '--repo', repo.dir, '--state-dir', own]);
    const app = diff.body.drifts.find((d) => d.name === 'app')?.driftedBy ?? [];
    expect(app.find((d) => d.paths.includes('data.size'))?.user).toBe('bob@corp');
    const unknown = await transcript.trueup([
      'audit',
      'ingest',
      '--repo',
      repo.dir,
      '--cluster',
      'nowhere',
      '--state-dir',
      own,
      log,
    ]);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining('unknown cluster nowhere')]);
  });

  it('tells chat who changed it', async () => {
    // A lone edit (a burst of news goes out as one digest that lists objects only).
    await as('alice', ['edit', 'configmap', 'app'], {
      KUBE_EDITOR: "sed -i -e 's/color: red/color: green/'",
    });
    const message = await stub.waitFor('a drift message naming alice', (requests) =>
      requests.find(
        (r) =>
          r.path === '/api/chat.postMessage' &&
          JSON.stringify(r.body).includes('changed by alice@corp with kubectl edit from 127.0.0.1'),
      ),
    );
    expect(JSON.stringify(message.body)).toContain('resourceVersion');
  });

  it('refuses unauthenticated audit posts and absorbs a flood while drift detection goes on', async () => {
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${server.url}/api/v1/audit/${first}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    expect((await post({}, { kind: 'EventList', items: [] })).status).toBe(401);
    expect(
      (await post({ authorization: 'Bearer not-the-token-0123456789' }, { kind: 'EventList', items: [] }))
        .status,
    ).toBe(401);
    const auth = { authorization: `Bearer ${fleet.audit.tokens[first]}` };
    // 40 batches of 400 writes of a managed object, all at once from a loopback client.
    const batch = (b: number) => ({
      kind: 'EventList',
      items: Array.from({ length: 400 }, (_, i) => ({
        auditID: `flood-${b}-${i}`,
        stage: 'ResponseComplete',
        verb: 'patch',
        requestURI: `/api/v1/namespaces/${ns}/configmaps/web?fieldManager=flood`,
        user: { username: 'flood', groups: [] },
        objectRef: { resource: 'configmaps', namespace: ns, name: 'web' },
        responseStatus: { code: 200 },
        requestReceivedTimestamp: new Date().toISOString(),
        stageTimestamp: new Date().toISOString(),
      })),
    });
    const flood = Promise.all(Array.from({ length: 40 }, (_, b) => post(auth, batch(b))));
    // Drift made during the flood is detected and attributed.
    await as('bob', ['patch', 'configmap', 'app', '--type=merge', '-p', '{"data":{"mode":"fast"}}']);
    const answers = await Promise.all(
      (await flood).map((r) => r.json() as Promise<{ kept: number; dropped: number }>),
    );
    expect(answers.reduce((n, a) => n + a.kept + a.dropped, 0)).toBe(16_000);
    expect(await userOf('app', 'data.mode')).toMatchObject({ user: 'bob@corp' });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`trueup_audit_events_total\\{cluster="${first}",outcome="queued"\\} \\d+`),
    );
    expect(metrics).toMatch(
      /trueup_drift_writers_total\{cluster="[^"]+",manager="kubectl-patch",agent="kubectl"\} \d+/,
    );
  });
});
