import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../policies/policy-file.ts';
import { createMetrics } from '../../reconciler/daemon/metrics.ts';
import type { FleetState } from '../../reconciler/repo/fleet-state.ts';
import { openAuditStore } from '../../reconciler/store/store.ts';
import type { ApprovalDeps } from '../../reconciler/sync/approvals.ts';
import { fakeDaemon, heldDrift, queueHeld } from '../../test/fixtures/chat-fixtures.ts';
import { type SlackStub, startSlackStub } from '../../test/slack/slack-stub.ts';
import { authConfigFromEnv } from '../auth/auth.ts';
import { buildServer } from '../server.ts';
import type { ChatSettings } from './config.ts';
import { signedHeaders } from './signature.ts';

const secret = 'signing-secret-for-tests';
const token = 'xoxb-routes';
const form = { 'content-type': 'application/x-www-form-urlencoded' };
let stub: SlackStub;
beforeEach(async () => {
  stub = await startSlackStub(token);
});
afterEach(async () => {
  await stub.close();
});

async function server(options: { loadState?: () => Promise<FleetState> } = {}) {
  const state = {
    revision: '0123456789abcdef0123456789abcdef01234567',
    clusters: [{ cluster: { name: 'prod-eu', labels: { env: 'prod' } }, objects: [] }],
    errors: [],
    policy: loadPolicy(new Map()).policy,
  } as unknown as FleetState;
  const fake = fakeDaemon(state);
  const store = openAuditStore(':memory:');
  let loads = 0;
  const approvals = {
    store,
    loadState: async () => {
      loads++;
      return (options.loadState ?? (async () => state))();
    },
  } as unknown as ApprovalDeps;
  const settings: ChatSettings = {
    consoleUrl: 'https://trueup.example',
    routes: [],
    approvers: { users: ['UALICE'], groups: [], scoped: [] },
    slack: { signingSecret: secret, botToken: token, apiUrl: stub.apiUrl },
    mattermost: { commandTokens: ['mm-token-1'] },
    responseUrlOrigins: [stub.url],
  };
  const app = await buildServer({
    daemon: fake.daemon,
    metrics: createMetrics(),
    store,
    // Console auth on, with no way in: chat must not depend on it.
    auth: authConfigFromEnv({}),
    approvals,
    consoleDir: '/nonexistent',
    chat: {
      settings,
      stateDir: ':memory:',
      clusterLabel: 'cluster',
      log: pino({ level: 'silent' }),
      perChannelIntervalMs: 0,
    },
  });
  return { app, store, fake, loads: () => loads };
}

const command = (text: string, user = 'UALICE', extra: Record<string, string> = {}) =>
  new URLSearchParams({
    token: 'legacy',
    team_id: 'T1',
    channel_id: 'C1',
    user_id: user,
    user_name: user.toLowerCase().slice(1),
    command: '/trueup',
    text,
    response_url: stub.responseUrl(),
    ...extra,
  }).toString();

const interaction = (actionId: string, value: string, user: string, ts = '1700000000.000100') =>
  new URLSearchParams({
    payload: JSON.stringify({
      type: 'block_actions',
      user: {
        id: user,
        username: user.toLowerCase().slice(1),
        name: user.toLowerCase().slice(1),
        team_id: 'T1',
      },
      api_app_id: 'A1',
      token: 'legacy',
      container: { type: 'message', message_ts: ts, channel_id: 'C1', is_ephemeral: false },
      trigger_id: '1.2.3',
      team: { id: 'T1', domain: 'acme' },
      channel: { id: 'C1', name: 'ops' },
      message: { type: 'message', ts, text: 'Held for approval', blocks: [] },
      response_url: stub.responseUrl('press'),
      actions: [
        { action_id: actionId, block_id: 'trueup_actions', value, type: 'button', action_ts: '1700000001.1' },
      ],
    }),
  }).toString();

type App = Awaited<ReturnType<typeof server>>['app'];
const post = (app: App, url: string, body: string, headers = signedHeaders(secret, body)) =>
  app.inject({ method: 'POST', url, payload: body, headers: { ...form, ...headers } });

describe('Slack requests are verified', () => {
  const now = Math.floor(Date.now() / 1000);
  it.each([
    ['signed as Slack signs', (b: string) => signedHeaders(secret, b), (b: string) => b, 200],
    ['signed with another secret', (b: string) => signedHeaders('another-secret', b), (b: string) => b, 401],
    [
      'with a timestamp 6 minutes old',
      (b: string) => signedHeaders(secret, b, now - 360),
      (b: string) => b,
      401,
    ],
    [
      'with a tampered body',
      (b: string) => signedHeaders(secret, b),
      (b: string) => b.replace('status', 'approvals'),
      401,
    ],
    ['unsigned', () => ({}), (b: string) => b, 401],
  ])('a command %s -> %i', async (_name, sign, send, status) => {
    const { app } = await server();
    const body = command('status');
    const res = await post(app, '/slack/commands', send(body), sign(body));
    expect(res.statusCode).toBe(status);
    if (status === 401) expect(res.json().error).toBe('TRUEUP_BAD_SIGNATURE');
  });

  it('refuses the same signed request twice (replay)', async () => {
    const { app } = await server();
    const body = command('status');
    const headers = signedHeaders(secret, body);
    expect((await post(app, '/slack/commands', body, headers)).statusCode).toBe(200);
    const again = await post(app, '/slack/commands', body, headers);
    expect(again.statusCode).toBe(401);
    expect(again.json().error).toBe('TRUEUP_REPLAYED');
  });

  it('verifies button presses too, and takes only form bodies', async () => {
    const { app } = await server();
    const body = interaction('trueup_reject', 'a1', 'UALICE');
    expect((await post(app, '/slack/interactions', body, signedHeaders('wrong', body))).statusCode).toBe(401);
    const json = JSON.stringify({ text: 'status' });
    const res = await app.inject({
      method: 'POST',
      url: '/slack/commands',
      payload: json,
      headers: { 'content-type': 'application/json', ...signedHeaders(secret, json) },
    });
    expect(res.statusCode).toBe(415);
  });
});

describe('the /trueup slash command', () => {
  it('answers status in Block Kit, only to the one who asked', async () => {
    const { app } = await server();
    const res = await post(app, '/slack/commands', command('status'));
    expect(res.json()).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('2 clusters'),
    });
    expect(JSON.stringify(res.json().blocks)).toContain('*prod-eu* — held');
  });

  it('shows one object with its changes and a deep link', async () => {
    const { app, fake } = await server();
    fake.drifts.push(heldDrift());
    const res = await post(app, '/slack/commands', command('diff prod-eu shop/cm/app'));
    const blocks = JSON.stringify(res.json().blocks);
    expect(blocks).toContain('`data.color` is `red`, git says `blue`');
    expect(blocks).toContain('https://trueup.example/#/objects/prod-eu/shop/ConfigMap/app');
  });

  it('explains the decision for an object', async () => {
    const { app } = await server();
    const res = await post(app, '/slack/commands', command('explain prod-eu/shop/ConfigMap/app'));
    expect(res.json().text).toContain('decision auto');
    expect(JSON.stringify(res.json().blocks)).toContain('no policy file');
  });

  it('answers a mistyped command with what is wrong and the command list', async () => {
    const { app } = await server();
    const res = await post(app, '/slack/commands', command('aprove a1'));
    expect(res.json().text).toBe('trueup: unknown command `aprove`');
    expect(JSON.stringify(res.json().blocks)).toContain('/trueup approvals');
  });

  it('acknowledges an approval at once, decides afterwards and tells the channel', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { app, store } = await server({
      loadState: async () => {
        await gate;
        return { revision: 'f'.repeat(40), clusters: [], errors: [] } as unknown as FleetState;
      },
    });
    const approval = await queueHeld(store);
    const started = Date.now();
    const res = await post(app, '/slack/commands', command(`approve ${approval.id}`));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.json()).toMatchObject({
      response_type: 'ephemeral',
      text: `:hourglass_flowing_sand: Approving ${approval.id}…`,
    });
    expect((await store.approval(approval.id))?.state).toBe('pending');
    release();
    // The core path refuses it as stale (the cluster left the fleet), with the reason.
    const [answer] = await stub.waitFor('the answer', (r) =>
      r.some((x) => x.path.startsWith('/response/')) ? stub.responses() : undefined,
    );
    expect(answer?.body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('is stale: cluster prod-eu is no longer in the fleet'),
    });
    expect(await store.approval(approval.id)).toMatchObject({
      state: 'stale',
      decidedBy: 'alice (slack UALICE)',
      channel: 'slack',
    });
  });

  it('rejects with a reason for everyone to see', async () => {
    const { app, store } = await server();
    const approval = await queueHeld(store);
    await post(app, '/slack/commands', command(`reject ${approval.id} not during the sale`));
    const [answer] = await stub.waitFor('the answer', (r) =>
      r.some((x) => x.path.startsWith('/response/')) ? stub.responses() : undefined,
    );
    expect(answer?.body).toMatchObject({
      response_type: 'in_channel',
      text: expect.stringContaining('Rejected by <@UALICE>: not during the sale'),
    });
    expect(await store.approval(approval.id)).toMatchObject({
      state: 'rejected',
      note: 'not during the sale',
    });
  });

  it('refuses a user who is not an approver, and nothing happens', async () => {
    const { app, store, loads } = await server();
    const approval = await queueHeld(store);
    await post(app, '/slack/commands', command(`approve ${approval.id}`, 'UMALLORY'));
    const [answer] = await stub.waitFor('the answer', (r) =>
      r.some((x) => x.path.startsWith('/response/')) ? stub.responses() : undefined,
    );
    expect(answer?.body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('not on the approvers list'),
    });
    expect((await store.approval(approval.id))?.state).toBe('pending');
    expect(loads()).toBe(0);
  });
});

describe('buttons', () => {
  it('acknowledges a press at once, rejects through the core path and updates the message with who did it', async () => {
    const { app, store } = await server();
    const approval = await queueHeld(store);
    const res = await post(app, '/slack/interactions', interaction('trueup_reject', approval.id, 'UALICE'));
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    const [update] = await stub.waitFor('the update', (r) =>
      r.some((x) => x.path === '/api/chat.update') ? stub.calls('chat.update') : undefined,
    );
    expect(update?.body).toMatchObject({ channel: 'C1', ts: '1700000000.000100' });
    const blocks = JSON.stringify(update?.body.blocks);
    expect(blocks).toContain('Rejected by <@UALICE>');
    expect(blocks).not.toContain('trueup_approve');
    expect(await store.approval(approval.id)).toMatchObject({
      state: 'rejected',
      decidedBy: 'alice (slack UALICE)',
    });
  });

  it('refuses a button posted by another replica or installation, and this one’s change stays pending', async () => {
    const { app, store } = await server();
    // Another replica (its own state dir) held a change and posted its button; this replica holds a
    // different change, the first of its own store too.
    const elsewhere = await queueHeld(openAuditStore(':memory:'), 'other-app');
    const mine = await queueHeld(store);
    await post(app, '/slack/interactions', interaction('trueup_reject', elsewhere.id, 'UALICE'));
    const [answer] = await stub.waitFor('the answer', (r) =>
      r.some((x) => x.path === '/response/press') ? stub.responses() : undefined,
    );
    expect(answer?.body).toMatchObject({ text: expect.stringContaining(`no approval ${elsewhere.id}`) });
    expect((await store.approval(mine.id))?.state).toBe('pending');
    expect(stub.calls('chat.update')).toHaveLength(0);
  });

  it('refuses a button carrying a legacy per-store id, which another replica may reuse', async () => {
    const { app } = await server();
    await post(app, '/slack/interactions', interaction('trueup_approve', 'a1', 'UALICE'));
    const [answer] = await stub.waitFor('the answer', (r) =>
      r.some((x) => x.path === '/response/press') ? stub.responses() : undefined,
    );
    expect(answer?.body).toMatchObject({ text: expect.stringContaining('could name another change') });
  });

  it('refuses a stale change with the reason from the core path, on the message and to the presser', async () => {
    const { app, store } = await server({
      loadState: async () =>
        ({ revision: 'f'.repeat(40), clusters: [], errors: [] }) as unknown as FleetState,
    });
    const approval = await queueHeld(store);
    await post(app, '/slack/interactions', interaction('trueup_approve', approval.id, 'UALICE'));
    const [update] = await stub.waitFor('the update', (r) =>
      r.some((x) => x.path === '/api/chat.update') ? stub.calls('chat.update') : undefined,
    );
    expect(JSON.stringify(update?.body.blocks)).toContain(
      `<@UALICE> tried to approve: approval ${approval.id} is stale: cluster prod-eu is no longer in the fleet; nothing was applied`,
    );
    const [answer] = await stub.waitFor('the answer', () =>
      stub.responses().length ? stub.responses() : undefined,
    );
    expect(answer?.body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('is stale'),
    });
    expect((await store.approval(approval.id))?.state).toBe('stale');
  });

  it('tells a user who is not an approver, privately, and changes nothing', async () => {
    const { app, store, loads } = await server();
    const approval = await queueHeld(store);
    await post(app, '/slack/interactions', interaction('trueup_approve', approval.id, 'UMALLORY'));
    const [answer] = await stub.waitFor('the answer', (r) =>
      r.some((x) => x.path === '/response/press') ? stub.responses() : undefined,
    );
    expect(answer?.body).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
      text: expect.stringContaining('not on the approvers list'),
    });
    expect((await store.approval(approval.id))?.state).toBe('pending');
    expect(stub.calls('chat.update')).toHaveLength(0);
    expect(loads()).toBe(0);
  });

  it('ignores a response_url outside Slack', async () => {
    const { app, store } = await server();
    const approval = await queueHeld(store);
    const body = interaction('trueup_approve', approval.id, 'UMALLORY').replace(
      encodeURIComponent(stub.url),
      encodeURIComponent('http://169.254.169.254'),
    );
    expect((await post(app, '/slack/interactions', body)).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(stub.responses()).toHaveLength(0);
  });
});

describe('Mattermost commands', () => {
  const mm = (text: string, mmToken = 'mm-token-1') =>
    new URLSearchParams({
      token: mmToken,
      user_id: 'abc',
      user_name: 'alice',
      text,
      response_url: 'http://mm/x',
    }).toString();

  it('answers read commands in Markdown with the right token, and refuses the wrong one', async () => {
    const { app } = await server();
    const ok = await app.inject({
      method: 'POST',
      url: '/mattermost/commands',
      payload: mm('status'),
      headers: form,
    });
    expect(ok.json()).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('#### trueup fleet status'),
    });
    const bad = await app.inject({
      method: 'POST',
      url: '/mattermost/commands',
      payload: mm('status', 'nope'),
      headers: form,
    });
    expect(bad.statusCode).toBe(401);
  });

  it('does not approve from Mattermost', async () => {
    const { app, store } = await server();
    const approval = await queueHeld(store);
    const res = await app.inject({
      method: 'POST',
      url: '/mattermost/commands',
      payload: mm(`approve ${approval.id}`),
      headers: form,
    });
    expect(res.json().text).toContain('approve and reject work in Slack, the console or the CLI');
    expect((await store.approval(approval.id))?.state).toBe('pending');
  });
});
