/**
 * `trueup serve` with chat on the real fleet: a first sync tells each cluster's news as one digest
 * (not one message per object), and a SIGTERM with Slack stalled stops the process within 10 s,
 * keeping the notifications it could not send in chat.db; the next start sends them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServe } from '../../cli/serve.ts';
import { type SlackStub, startSlackStub } from '../slack/slack-stub.ts';
import { createFleetRepo, type FleetRepo, fleetYaml } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace } from './kube.ts';
import { serveOptions } from './serve-options.ts';

const fleet = inject('fleet');
const clusters = fleet.clusters;
const botToken = 'xoxb-shutdown-3c9d';
const channel = 'C0DIGEST';
const objects = 15;
const bin = new URL('../../bin/trueup.js', import.meta.url).pathname;

/** setupRepo declares `objects` ConfigMaps in a fresh namespace on every cluster, and a chat route to it. */
async function setupRepo(prefix: string) {
  const ns = await freshNamespace(prefix, clusters.map(clientsFor));
  const files: Record<string, string> = { 'fleet.yaml': fleetYaml(`  - path: base\n    namespace: ${ns}\n`) };
  for (let i = 0; i < objects; i++)
    files[`base/cm-${i}.yaml`] =
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}}\ndata: {n: "${i}"}\n`;
  const repo = await createFleetRepo(files);
  const dir = await mkdtemp(join(tmpdir(), `trueup-${prefix}-`));
  const chatConfig = join(dir, 'chat.yaml');
  await writeFile(
    chatConfig,
    `consoleUrl: https://trueup.example\nroutes:\n  - slack: ${channel}\n    match: {namespaces: [${ns}]}\n`,
  );
  return { ns, repo, chatConfig };
}

const texts = (stub: SlackStub, status: number) =>
  stub
    .calls('chat.postMessage')
    .filter((c) => c.status === status)
    .map((c) => String(c.body.text))
    .sort();
const digests = clusters.map((c) => `trueup on ${c}: ${objects} fixed`).sort();

describe('serve with chat: digests and shutdown', () => {
  let stub: SlackStub;
  const repos: FleetRepo[] = [];
  const servers: RunningServer[] = [];
  let child: ChildProcess | undefined;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    stub = await startSlackStub(botToken);
    Object.assign(process.env, { SLACK_BOT_TOKEN: botToken, SLACK_API_URL: stub.apiUrl });
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    for (const s of servers) await s.stop();
    await stub?.close();
    for (const r of repos) await r.remove();
    for (const key of ['SLACK_BOT_TOKEN', 'SLACK_API_URL']) {
      if (savedEnv[key] === undefined) delete process.env[key];
      else process.env[key] = savedEnv[key];
    }
  });

  it('tells a first sync as one digest per cluster, with the counts', async () => {
    const { ns, repo, chatConfig } = await setupRepo('digest');
    repos.push(repo);
    const server = await startServe(
      await serveOptions(repo.dir, ns, { chatConfig }),
      pino({ level: 'silent' }),
    );
    servers.push(server);
    await eventually(
      'one digest per cluster',
      async () => (texts(stub, 200).length >= clusters.length ? true : undefined),
      60_000,
    );
    await server.stop();
    expect(texts(stub, 200)).toEqual(digests);
    const blocks = JSON.stringify(stub.calls('chat.postMessage')[0]?.body.blocks);
    expect(blocks).toContain('https://trueup.example/#/drifts?cluster=');
  });

  it('stops within 10 s of SIGTERM with Slack stalled, keeps what it did not send, and sends it on the next start', async () => {
    stub.requests.length = 0;
    const { ns, repo, chatConfig } = await setupRepo('shutdown');
    repos.push(repo);
    const options = await serveOptions(repo.dir, ns, { chatConfig });
    // Slack answers every post with 429 and Retry-After: 60 — the queue cannot drain.
    stub.rateLimit('chat.postMessage', 60, 10_000);
    let logs = '';
    child = spawn(
      process.execPath,
      [
        bin,
        'serve',
        `--repo=${repo.dir}`,
        `--kubeconfig=${options.kubeconfig}`,
        `--cache-dir=${options.cacheDir}`,
        `--state-dir=${options.stateDir}`,
        `--field-manager=${options.fieldManager}`,
        `--chat-config=${chatConfig}`,
        '--listen=127.0.0.1:0',
        '--remediate',
        '--no-events',
        '--resync=0 0 1 1 *',
        '--poll-interval=3600',
      ],
      { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const collect = (chunk: Buffer) => {
      logs += chunk.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    // Every cluster synced (its objects created) and a digest stuck in Slack's 429.
    await eventually(
      'the first sync is done and Slack is stalling the digests',
      async () => {
        const created = await Promise.all(
          clusters.map((c) =>
            clientsFor(c)
              .core.listNamespacedConfigMap({ namespace: ns })
              .then((l) => l.items.filter((i) => i.metadata?.name?.startsWith('cm-')).length),
          ),
        );
        return created.every((n) => n === objects) && texts(stub, 429).length > 0 ? true : undefined;
      },
      60_000,
    );
    // Let every cluster's batch close (3 s of quiet) so all the digests are queued.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 10_000)),
    ]);
    expect(code).toBe(0);
    expect(logs).toContain('trueup serve stopped');
    const kept = /"notifications":(\d+),"msg":"chat: not sent before the shutdown deadline/.exec(logs);
    expect(Number(kept?.[1])).toBe(clusters.length);
    expect(texts(stub, 200)).toEqual([]);

    // The next start, with Slack answering again, sends what was kept (and has no news of its own).
    stub.rateLimit('chat.postMessage', 0, 0);
    const server = await startServe(options, pino({ level: 'silent' }));
    servers.push(server);
    await eventually('the kept digests are sent', async () =>
      texts(stub, 200).length >= clusters.length ? true : undefined,
    );
    expect(texts(stub, 200)).toEqual(digests);
  });
});
