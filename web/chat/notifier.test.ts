import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IncidentDesk, IncidentListener } from '../../diagnose/desk.ts';
import { openAuditStore } from '../../reconciler/store/store.ts';
import { fakeDaemon, heldDrift, heldEntry, incident, queueHeld } from '../../test/fixtures/chat-fixtures.ts';
import { type SlackStub, startSlackStub } from '../../test/slack/slack-stub.ts';
import { consoleLinks } from './blocks.ts';
import type { RetryOptions } from './http.ts';
import { ChatNotifier } from './notifier.ts';
import { routeSchema } from './routing.ts';
import { SlackClient } from './slack-client.ts';
import { openThreadStore, type ThreadStore } from './threads.ts';

const token = 'xoxb-notify';
let stub: SlackStub;
beforeEach(async () => {
  stub = await startSlackStub(token);
});
afterEach(async () => {
  await stub.close();
});

function setup(
  options: { threads?: ThreadStore; slackRetry?: Partial<RetryOptions>; interval?: number } = {},
) {
  const fake = fakeDaemon();
  const store = openAuditStore(':memory:');
  const listeners = new Set<IncidentListener>();
  const desk = {
    onChange: (l: IncidentListener) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  } as unknown as IncidentDesk;
  const teams: string[] = [];
  const threads = options.threads ?? openThreadStore(':memory:');
  const notifier = new ChatNotifier({
    daemon: fake.daemon,
    store,
    desk,
    routes: [
      routeSchema.parse({
        slack: 'C-PROD',
        match: { clusterLabels: { matchLabels: { env: 'prod' } } },
        teams: true,
      }),
      routeSchema.parse({ slack: 'C-ALL', events: ['held'] }),
    ],
    slack: new SlackClient({
      token,
      apiUrl: stub.apiUrl,
      perChannelIntervalMs: options.interval ?? 0,
      ...(options.slackRetry ? { retry: options.slackRetry } : {}),
    }),
    interactive: true,
    webhooks: { teams: async (m) => void teams.push(m.text) },
    threads,
    links: consoleLinks('https://trueup.example'),
    clusterLabel: 'cluster',
    scrub: (v) => v,
    log: pino({ level: 'silent' }),
  });
  notifier.start();
  const fire = (i: ReturnType<typeof incident>, change: Parameters<IncidentListener>[1]) => {
    for (const l of listeners) l(i, change);
  };
  return { ...fake, store, notifier, threads, teams, fire };
}

const ref = { cluster: 'prod-eu', kind: 'ConfigMap' as const, namespace: 'shop', name: 'app' };
const posts = (channel: string) => stub.calls('chat.postMessage').filter((c) => c.body.channel === channel);

describe('chat notifications', () => {
  it('posts a held change once per approval, with buttons, to every channel routed to it', async () => {
    const s = setup();
    const approval = await queueHeld(s.store);
    s.emit({ type: 'remediation', ...ref, action: 'skipped' });
    s.emit({ type: 'remediation', ...ref, action: 'skipped' });
    await s.notifier.idle();
    expect(posts('C-PROD')).toHaveLength(1);
    expect(posts('C-ALL')).toHaveLength(1);
    const blocks = JSON.stringify(posts('C-PROD')[0]?.body.blocks);
    expect(blocks).toContain(`"value":"${approval.id}"`);
    expect(blocks).toContain('trueup_approve');
    expect(
      s.threads
        .approvalMessages(approval.id)
        .map((m) => m.channel)
        .sort(),
    ).toEqual(['C-ALL', 'C-PROD']);
    expect(s.teams).toEqual([`Held for approval (${approval.id}): ConfigMap shop/app on prod-eu`]);
  });

  it('does not post a held change on staging to the prod channel', async () => {
    const s = setup();
    await queueHeld(s.store, 'app', 'stg-1');
    s.emit({ type: 'remediation', ...ref, cluster: 'stg-1', action: 'skipped' });
    await s.notifier.idle();
    expect(posts('C-PROD')).toHaveLength(0);
    expect(posts('C-ALL')).toHaveLength(1);
  });

  it('says what was fixed and who drifted it, and stays quiet about in-sync objects', async () => {
    const s = setup();
    // Startup: every object is evaluated as in sync.
    s.emit({ type: 'drift', ...ref, status: 'in-sync' });
    const drift = heldDrift();
    s.drifts.push(drift);
    await s.store.recordDrift('0123456789abcdef', drift);
    s.emit({ type: 'drift', ...ref, status: 'modified' });
    await s.store.recordRemediation(
      '0123456789abcdef',
      { ...heldEntry(drift), action: 'configured', pending: undefined },
      'trueup',
    );
    s.emit({ type: 'remediation', ...ref, action: 'configured' });
    s.drifts.pop();
    s.emit({ type: 'drift', ...ref, status: 'in-sync' });
    await s.notifier.idle();
    const sent = stub.calls('chat.postMessage');
    expect(sent.map((c) => c.body.text)).toEqual(['Drift fixed: ConfigMap shop/app on prod-eu (configured)']);
    const text = JSON.stringify(sent[0]?.body.blocks);
    expect(text).toContain('kubectl-edit');
    expect(text).toContain('`base/app.yaml:5`');
    expect(text).toContain('`0123456789ab`');
  });

  it('posts a flap notice naming the field manager that keeps undoing the fix, by default routes', async () => {
    const s = setup();
    s.emit({
      type: 'flap',
      ...ref,
      manager: 'rogue-controller',
      retryAt: '2026-01-02T03:04:15.000Z',
    });
    await s.notifier.idle();
    // C-PROD takes the default events (flap is one); C-ALL asked for held changes only.
    expect(posts('C-PROD').map((c) => c.body.text)).toEqual([
      "Flapping: ConfigMap shop/app on prod-eu: rogue-controller keeps undoing trueup's fix",
    ]);
    expect(posts('C-ALL')).toEqual([]);
    const text = JSON.stringify(posts('C-PROD')[0]?.body.blocks);
    expect(text).toContain('`rogue-controller`');
    expect(text).toContain('2026-01-02T03:04:15.000Z');
    expect(s.teams).toHaveLength(1);
  });

  it('posts an incident once and threads its diagnosis, a held fix and its resolution', async () => {
    const s = setup();
    const opened = incident();
    s.fire(opened, 'opened');
    s.fire({ ...opened, status: 'firing' }, 'opened');
    const diagnosed = incident({
      investigation: 'done',
      diagnosis: {
        source: 'heuristic',
        answer: {
          summary: 'DB_HOST was edited',
          rootCause: 'kubectl edit',
          confidence: 0.8,
          evidence: [],
          risk: 'low',
        },
        validation: { status: 'validated', reasons: ['dry-run passed'], approval: 'a9' },
        durationMs: 5,
      },
    });
    s.fire(diagnosed, 'investigated');
    s.fire({ ...diagnosed, status: 'resolved', resolved: '2026-01-02T04:00:00Z' }, 'resolved');
    await s.notifier.idle();
    const prod = posts('C-PROD');
    expect(prod.map((p) => p.body.text)).toEqual([
      'Incident i1 firing: AppCrashLooping',
      'Incident i1: DB_HOST was edited',
      'Incident i1 resolved',
    ]);
    const root = s.threads.incidentThread('i1', 'C-PROD');
    expect(prod[0]?.body.thread_ts).toBeUndefined();
    expect(prod.slice(1).map((p) => p.body.thread_ts)).toEqual([root?.ts, root?.ts]);
    // The held fix carries buttons and is remembered with its thread.
    expect(JSON.stringify(prod[1]?.body.blocks)).toContain('"value":"a9"');
    expect(s.threads.approvalMessages('a9')).toEqual([
      expect.objectContaining({ channel: 'C-PROD', threadTs: root?.ts }),
    ]);
    // The first message is updated to show the incident resolved.
    const [update] = stub.calls('chat.update');
    expect(update?.body).toMatchObject({
      channel: 'C-PROD',
      ts: root?.ts,
      text: 'Incident i1 resolved: AppCrashLooping',
    });
    // Incidents are not routed to the held-only channel; Teams gets each step on its own.
    expect(posts('C-ALL')).toHaveLength(0);
    expect(s.teams).toHaveLength(3);
  });

  it('keeps going when Slack refuses a message', async () => {
    const s = setup();
    stub.failNext('chat.postMessage', 'channel_not_found');
    await queueHeld(s.store);
    s.emit({ type: 'remediation', ...ref, action: 'skipped' });
    await s.notifier.idle();
    expect(stub.calls('chat.postMessage').map((c) => c.status)).toEqual([200, 200]);
    expect(posts('C-ALL')).toHaveLength(1);
  });

  it('posts one digest per cluster for a burst of news, with counts and a console link', async () => {
    const s = setup();
    // A first sync: 30 objects fixed on prod-eu, 2 on stg-1 (where only C-ALL would hear held ones).
    for (const [cluster, count] of [
      ['prod-eu', 30],
      ['stg-1', 2],
    ] as const) {
      for (let i = 0; i < count; i++) {
        const drift = heldDrift(`app-${i}`, 'shop', cluster);
        await s.store.recordRemediation(
          '0123456789abcdef',
          { ...heldEntry(drift), action: 'created', pending: undefined },
          'trueup',
        );
        s.emit({ type: 'remediation', ...ref, cluster, name: `app-${i}`, action: 'created' });
      }
    }
    await queueHeld(s.store, 'held-one');
    s.emit({ type: 'remediation', ...ref, name: 'held-one', action: 'skipped' });
    await s.notifier.idle();
    const prod = posts('C-PROD');
    expect(prod.map((p) => p.body.text)).toEqual(['trueup on prod-eu: 1 held for approval, 30 fixed']);
    const blocks = JSON.stringify(prod[0]?.body.blocks);
    expect(blocks).toContain('https://trueup.example/#/drifts?cluster=prod-eu');
    expect(blocks).toContain('more objects not shown');
    // The held change alone on its channel keeps its own message with buttons.
    expect(posts('C-ALL').map((p) => p.body.text)).toEqual([expect.stringMatching(/^Held for approval/)]);
    // Teams hears the prod digest once; staging is not routed to it.
    expect(s.teams).toEqual(['trueup on prod-eu: 1 held for approval, 30 fixed']);
  });

  it('stops at its deadline with Slack stalled, keeps what was not sent, and sends it on the next start', async () => {
    const threads = openThreadStore(':memory:');
    // Slack answers 429 with Retry-After: 60: the queue stalls, as it did at 1 message/s.
    stub.rateLimit('chat.postMessage', 60, 1000);
    const controller = new AbortController();
    const stalled = setup({ threads, slackRetry: { signal: controller.signal } });
    for (const name of ['d', 'e', 'f']) {
      await queueHeld(stalled.store, name, 'stg-1');
      stalled.emit({ type: 'remediation', ...ref, cluster: 'stg-1', name, action: 'skipped' });
    }
    expect(await stalled.notifier.close(100, () => controller.abort())).toBe(1);
    const kept = threads.takeOutbox();
    expect(kept).toEqual([
      expect.objectContaining({
        type: 'post',
        target: { slack: 'C-ALL' },
        message: expect.objectContaining({ text: 'trueup on stg-1: 3 held for approval' }),
      }),
    ]);
    // The next start sends it.
    threads.keepOutbox(kept);
    stub.rateLimit('chat.postMessage', 0, 0);
    const next = setup({ threads });
    await next.notifier.idle();
    expect(posts('C-ALL').map((p) => [p.status, p.body.text])).toEqual([
      [429, 'trueup on stg-1: 3 held for approval'],
      [200, 'trueup on stg-1: 3 held for approval'],
    ]);
    expect(threads.takeOutbox()).toEqual([]);
  });
});
