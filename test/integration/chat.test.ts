/**
 * Chat-ops on the real fleet: `trueup serve` with Slack configured against a local Slack stub.
 * Requests signed as Slack signs them reach the running server over real HTTP (and forged, stale,
 * replayed or tampered ones do not); a kubectl edit held for approval arrives as a message with
 * buttons; a press by someone not on the allow-list changes nothing; a press by an approver goes
 * through the core approval path, puts the object back, and updates the message with who did it.
 * Canary: a Secret value planted in the repo appears in no outbound request.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServe } from '../../cli/serve.ts';
import { REDACTED } from '../../reconciler/core/secret-guard.ts';
import type { Approval } from '../../reconciler/store/store.ts';
import { signedHeaders } from '../../web/chat/signature.ts';
import { type SlackStub, type SlackStubRequest, startSlackStub } from '../slack/slack-stub.ts';
import { createFleetRepo, type FleetRepo, fleetYaml } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace, kubectl } from './kube.ts';
import { serveOptions } from './serve-options.ts';

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];
const canary = 'chat-canary-s3cr3t-8d2e51';
const signingSecret = 'chat-it-signing-secret-0f3c';
const botToken = 'xoxb-chat-integration-7a1b';
const channel = 'C0OPS';

describe('chat-ops on the real fleet', () => {
  let ns: string;
  let repo: FleetRepo;
  let server: RunningServer;
  let stub: SlackStub;
  let logs = '';
  /** answers are every body the server answered to a Slack request, for the canary scan. */
  const answers: string[] = [];
  const savedEnv = { ...process.env };

  const core = () => clientsFor(first).core;
  const color = () =>
    core()
      .readNamespacedConfigMap({ name: 'app', namespace: ns })
      .then((cm) => cm.data?.color);

  async function slack(path: string, body: string, headers = signedHeaders(signingSecret, body)) {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, text };
  }

  const command = (text: string, user = 'U0ALICE') =>
    new URLSearchParams({
      token: 'legacy-verification-token',
      team_id: 'T0ACME',
      team_domain: 'acme',
      channel_id: channel,
      channel_name: 'ops',
      user_id: user,
      user_name: user === 'U0ALICE' ? 'alice' : 'mallory',
      command: '/trueup',
      text,
      api_app_id: 'A0TRUEUP',
      response_url: stub.responseUrl(`cmd-${Math.random().toString(36).slice(2, 8)}`),
      trigger_id: '13345224609.738474920.8088930838d88f008e0',
    }).toString();

  // An interaction exactly as Slack posts it: form field `payload` with the block_actions JSON.
  const press = (
    held: SlackStubRequest,
    actionId: string,
    user: { id: string; name: string },
    responseId: string,
  ) => {
    const ts = (held.response as { ts: string }).ts;
    const approval = heldApproval(held);
    return new URLSearchParams({
      payload: JSON.stringify({
        type: 'block_actions',
        user: { id: user.id, username: user.name, name: user.name, team_id: 'T0ACME' },
        api_app_id: 'A0TRUEUP',
        token: 'legacy-verification-token',
        container: { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: false },
        trigger_id: '13345224609.738474920.8088930838d88f008e0',
        team: { id: 'T0ACME', domain: 'acme' },
        enterprise: null,
        is_enterprise_install: false,
        channel: { id: channel, name: 'ops' },
        message: {
          type: 'message',
          subtype: 'bot_message',
          text: held.body.text,
          ts,
          bot_id: 'B0TRUEUP',
          blocks: held.body.blocks,
        },
        state: { values: {} },
        response_url: stub.responseUrl(responseId),
        actions: [
          {
            action_id: actionId,
            block_id: 'trueup_actions',
            text: {
              type: 'plain_text',
              text: actionId === 'trueup_approve' ? 'Approve' : 'Reject',
              emoji: true,
            },
            value: approval,
            style: actionId === 'trueup_approve' ? 'primary' : 'danger',
            type: 'button',
            action_ts: `${Math.floor(Date.now() / 1000)}.000200`,
          },
        ],
      }),
    }).toString();
  };

  const heldApproval = (held: SlackStubRequest): string => {
    const blocks = held.body.blocks as {
      type: string;
      elements?: { action_id?: string; value?: string }[];
    }[];
    const value = blocks
      .find((b) => b.type === 'actions')
      ?.elements?.find((e) => e.action_id === 'trueup_approve')?.value;
    if (!value) throw new Error('the held message has no Approve button');
    return value;
  };

  const heldMessage = (name: string) =>
    stub.waitFor(`the held message for ${name}`, (requests) =>
      requests.find(
        (r) =>
          r.path === '/api/chat.postMessage' &&
          String(r.body.text).startsWith('Held for approval') &&
          String(r.body.text).includes(`ConfigMap ${ns}/${name} on`),
      ),
    );

  const approval = async (id: string) => {
    const res = await fetch(`${server.url}/api/v1/approvals?state=all`);
    return ((await res.json()) as { approvals: Approval[] }).approvals.find((a) => a.id === id);
  };

  beforeAll(async () => {
    stub = await startSlackStub(botToken);
    ns = await freshNamespace('chat', [clientsFor(first)]);
    // The objects exist and match the repo before serve starts: in approve mode trueup would
    // hold their creation too.
    await core().createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'app' }, data: { color: 'blue' } },
    });
    await core().createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'leaky' }, data: { copy: canary } },
    });
    await core().createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'api' }, stringData: { token: canary } },
    });
    repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {matchLabels: {env: prod}}\n'),
      'policies.yaml': 'apiVersion: trueup.io/v1alpha1\nkind: Policy\ndefaultMode: approve\n',
      'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: ${ns}}\ndata:\n  color: blue\n`,
      // A ConfigMap that (wrongly) copies the Secret's value: chat's outbound scrub must catch it.
      'base/leaky.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: leaky, namespace: ${ns}}\ndata:\n  copy: ${canary}\n`,
      'base/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: api, namespace: ${ns}}\nstringData:\n  token: ${canary}\n`,
    });
    const dir = await mkdtemp(join(tmpdir(), 'trueup-chat-'));
    const chatConfig = join(dir, 'chat.yaml');
    await writeFile(
      chatConfig,
      `consoleUrl: https://trueup.example\nroutes:\n  - name: ops\n    slack: ${channel}\n    match: {namespaces: [${ns}]}\napprovers:\n  users: [U0ALICE]\n`,
    );
    Object.assign(process.env, {
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_BOT_TOKEN: botToken,
      SLACK_API_URL: stub.apiUrl,
    });
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    server = await startServe(
      await serveOptions(repo.dir, ns, { resync: '*/5 * * * *', logLevel: 'debug', chatConfig }),
      pino({ level: 'debug' }, sink),
    );
    await eventually('ready', async () =>
      (await fetch(`${server.url}/readyz`)).status === 200 ? true : undefined,
    );
  });

  afterAll(async () => {
    await server?.stop();
    await stub?.close();
    await repo?.remove();
    for (const key of ['SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN', 'SLACK_API_URL']) {
      if (savedEnv[key] === undefined) delete process.env[key];
      else process.env[key] = savedEnv[key];
    }
  });

  it('takes slash commands signed as Slack signs them, and refuses forged, stale, replayed or tampered ones', async () => {
    const body = command(`status ${first}`);
    const headers = signedHeaders(signingSecret, body);
    const ok = await slack('/slack/commands', body, headers);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining(`${first}: `),
    });
    expect((await slack('/slack/commands', body, headers)).status).toBe(401);
    const fresh = command('status');
    expect((await slack('/slack/commands', fresh, signedHeaders('not-the-secret', fresh))).status).toBe(401);
    const stale = signedHeaders(signingSecret, fresh, Math.floor(Date.now() / 1000) - 6 * 60);
    expect((await slack('/slack/commands', fresh, stale)).status).toBe(401);
    const tampered = signedHeaders(signingSecret, fresh);
    expect((await slack('/slack/commands', fresh.replace('status', 'approvals'), tampered)).status).toBe(401);
    expect(logs).toContain('bad Slack signature');
  });

  it('posts a held kubectl edit with buttons; an approver applies it, someone else cannot', async () => {
    await kubectl(first, ['-n', ns, 'edit', 'configmap', 'app'], {
      KUBE_EDITOR: "sed -i -e 's/color: blue/color: red/'",
    });
    const held = await heldMessage('app');
    expect(held.headers.authorization).toBe(`Bearer ${botToken}`);
    expect(held.body.channel).toBe(channel);
    const id = heldApproval(held);
    const blocks = JSON.stringify(held.body.blocks);
    expect(blocks).toContain('`data.color` is `red`, git says `blue`');
    expect(blocks).toContain('kubectl-edit');
    expect(blocks).toContain(`https://trueup.example/#/objects/${first}/${ns}/ConfigMap/app`);
    expect(blocks).toContain('trueup_reject');

    // Someone not on the allow-list: told so, privately; nothing is applied.
    const refused = await slack(
      '/slack/interactions',
      press(held, 'trueup_approve', { id: 'U0MALLORY', name: 'mallory' }, 'mallory'),
    );
    expect(refused).toEqual({ status: 200, text: '' });
    const [answer] = await stub.waitFor('the refusal', () => {
      const r = stub.responses().filter((x) => x.path === '/response/mallory');
      return r.length ? r : undefined;
    });
    expect(answer?.body).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
      text: expect.stringContaining('not on the approvers list'),
    });
    expect(await approval(id)).toMatchObject({ state: 'pending' });
    expect(await color()).toBe('red');
    expect(stub.calls('chat.update')).toHaveLength(0);

    // An approver: the core path re-checks, dry-runs and applies; the message says who did it.
    const pressed = await slack(
      '/slack/interactions',
      press(held, 'trueup_approve', { id: 'U0ALICE', name: 'alice' }, 'alice'),
    );
    expect(pressed.status).toBe(200);
    expect(
      await eventually('restored by the approval', async () =>
        (await color()) === 'blue' ? true : undefined,
      ),
    ).toBe(true);
    const update = await stub.waitFor('the message update', () => stub.calls('chat.update')[0]);
    expect(update.body).toMatchObject({ channel, ts: (held.response as { ts: string }).ts });
    const updated = JSON.stringify(update.body.blocks);
    expect(updated).toContain('Approved by <@U0ALICE> — configured (dry-run passed)');
    expect(updated).not.toContain('trueup_approve');
    // Who approved is on the approval (the daemon seeing the object in sync during the apply does
    // not make an approval being applied stale) and in the audit trail.
    expect(await approval(id)).toMatchObject({ state: 'approved', channel: 'slack' });
    const history = (await (
      await fetch(`${server.url}/api/v1/history?cluster=${first}&namespace=${ns}&name=app&actor=slack`)
    ).json()) as {
      remediations: { actor: string; entry: { action: string } }[];
    };
    expect(history.remediations[0]).toMatchObject({
      actor: 'alice (slack U0ALICE) (slack)',
      entry: { action: 'configured' },
    });

    // A second press on the decided approval is refused with the reason, and nothing more happens.
    await slack(
      '/slack/interactions',
      press(held, 'trueup_approve', { id: 'U0ALICE', name: 'alice' }, 'again'),
    );
    const [again] = await stub.waitFor('the second answer', () => {
      const r = stub.responses().filter((x) => x.path === '/response/again');
      return r.length ? r : undefined;
    });
    expect(again?.body).toMatchObject({
      text: expect.stringMatching(new RegExp(`approval ${id} is \\w+.*not pending`)),
    });
  });

  it('never sends a Secret value: digests for Secrets, and a value copied into a ConfigMap is redacted', async () => {
    await kubectl(first, [
      '-n',
      ns,
      'patch',
      'secret',
      'api',
      '--type=merge',
      '-p',
      JSON.stringify({ stringData: { token: 'rotated-by-hand' } }),
    ]);
    const secretHeld = await stub.waitFor('the held Secret', (r) =>
      r.find((x) => x.path === '/api/chat.postMessage' && String(x.body.text).includes(`Secret ${ns}/api`)),
    );
    expect(JSON.stringify(secretHeld.body.blocks)).toMatch(/git says `hmac-sha256:[0-9a-f]{12}`/);
    // One edit at a time: edits made together would be told as one digest (names, no values).
    await kubectl(first, ['-n', ns, 'edit', 'configmap', 'leaky'], {
      KUBE_EDITOR: `sed -i -e 's/copy: ${canary}/copy: changed/'`,
    });
    const leaky = await stub.waitFor('the held leaky ConfigMap', (r) =>
      r.find(
        (x) => x.path === '/api/chat.postMessage' && String(x.body.text).includes(`ConfigMap ${ns}/leaky`),
      ),
    );
    expect(JSON.stringify(leaky.body.blocks)).toContain(REDACTED);
    // Ask about both, as a user would, and keep the answers for the scan.
    await slack('/slack/commands', command(`diff ${first} ${ns}/Secret/api`));
    await slack('/slack/commands', command(`diff ${first}`));
    await slack('/slack/commands', command('approvals'));
    const outbound = stub.requests.map((r) => `${r.path} ${JSON.stringify(r.headers)} ${r.raw}`).join('\n');
    expect(outbound).toContain(`Secret ${ns}/api`);
    expect(outbound).not.toContain(canary);
    expect(outbound).not.toContain(Buffer.from(canary).toString('base64'));
    expect(answers.join('\n')).toContain('sha256:');
    expect(answers.join('\n')).not.toContain(canary);
    expect(logs).toContain('redacted');
    expect(logs).not.toContain(signingSecret);
    expect(logs).not.toContain(botToken);
  });
});
