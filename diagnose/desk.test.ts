import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { openPostgresStore } from '../reconciler/store/postgres/postgres-store.ts';
import { openAuditStore } from '../reconciler/store/store.ts';
import { freshDatabase } from '../test/postgres/postgres.ts';
import type { AlertGroup } from './alert.ts';
import { type DeskResult, IncidentDesk } from './desk.ts';
import { openIncidentStore, openSharedIncidentStore } from './incident-store.ts';
import type { Investigation, InvestigationDeps } from './investigate.ts';

function group(key: string, fingerprints: string[], status: 'firing' | 'resolved' = 'firing'): AlertGroup {
  return {
    version: '4',
    groupKey: key,
    truncatedAlerts: 0,
    status,
    receiver: 'trueup',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: '',
    alerts: fingerprints.map((fingerprint) => ({
      status,
      labels: { alertname: 'X' },
      annotations: {},
      startsAt: '2026-11-23T03:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint,
    })),
  };
}

const result: Investigation = {
  evidence: { gatheredAt: '', subjects: [], workloads: [], configs: [], notes: [] },
  diagnosis: {
    source: 'heuristic',
    answer: { summary: 's', rootCause: 'r', confidence: 0.1, evidence: [], risk: 'low' },
    durationMs: 1,
  },
};

/** desk builds a desk whose investigations wait until released (or run at once). */
function desk(options: { maxQueued?: number; concurrency?: number; hold?: boolean } = {}) {
  const store = openIncidentStore(':memory:');
  const started: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const deps = {
    log: pino({ level: 'silent' }),
    store: openAuditStore(':memory:'),
  } as unknown as InvestigationDeps;
  const d = new IncidentDesk(store, deps, {
    maxQueued: options.maxQueued ?? 10,
    concurrency: options.concurrency ?? 1,
    investigate: async (g) => {
      started.push(g.groupKey);
      if (options.hold) await gate;
      return result;
    },
  });
  return { desk: d, store, started, release };
}

/** idOf is the incident id a receive answered with. */
const idOf = (r: DeskResult) => ('incident' in r ? r.incident : '');

describe('the incident desk', () => {
  it('investigates a group once however often Alertmanager re-sends it', async () => {
    const { desk: d, store, started } = desk();
    const first = await d.receive(group('g1', ['a']));
    const again = await d.receive(group('g1', ['a']));
    await d.idle();
    expect(first).toEqual({ outcome: 'opened', incident: expect.stringMatching(/^i1-[0-9a-z]{8}$/) });
    expect(again).toEqual({ outcome: 'duplicate', incident: idOf(first) });
    expect(started).toEqual(['g1']);
    expect(await store.incident(idOf(first))).toMatchObject({
      investigation: 'done',
      notifications: 2,
      diagnosis: result.diagnosis,
    });
  });

  it('answers overloaded (and records nothing) when the queue is full, so Alertmanager retries', async () => {
    const { desk: d, store, release } = desk({ maxQueued: 2, hold: true });
    expect((await d.receive(group('g1', ['a']))).outcome).toBe('opened');
    expect((await d.receive(group('g2', ['b']))).outcome).toBe('opened');
    expect(await d.receive(group('g3', ['c']))).toEqual({ outcome: 'overloaded', retryAfterSeconds: 30 });
    expect(await store.openIncident('g3')).toBeUndefined();
    // A duplicate of a queued group needs no room: it is answered at once.
    expect((await d.receive(group('g2', ['b']))).outcome).toBe('duplicate');
    release();
    await d.idle();
    expect((await d.receive(group('g3', ['c']))).outcome).toBe('opened');
    await d.idle();
  });

  it('resolves an incident without investigating, and opens a new one when the group fires again', async () => {
    const { desk: d, store, started } = desk();
    const incident = idOf(await d.receive(group('g1', ['a'])));
    await d.idle();
    expect(await d.receive(group('g1', ['a'], 'resolved'))).toEqual({ outcome: 'resolved', incident });
    expect((await store.incident(incident))?.status).toBe('resolved');
    expect(await d.receive(group('g1', ['a']))).toEqual({
      outcome: 'opened',
      incident: expect.stringMatching(/^i2-[0-9a-z]{8}$/),
    });
    await d.idle();
    expect(started).toEqual(['g1', 'g1']);
  });

  it('records a failed investigation with its error, and keeps going', async () => {
    const store = openIncidentStore(':memory:');
    const deps = { log: pino({ level: 'silent' }) } as unknown as InvestigationDeps;
    const d = new IncidentDesk(store, deps, {
      investigate: async () => {
        throw new Error('cluster c1: unreachable');
      },
    });
    const incident = idOf(await d.receive(group('g1', ['a'])));
    await d.idle();
    expect(await store.incident(incident)).toMatchObject({
      investigation: 'failed',
      error: 'cluster c1: unreachable',
    });
  });

  it("stores and logs a failed investigation's error without the credentials of any URL or the LLM key", async () => {
    const store = openIncidentStore(':memory:');
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const llm = { baseURL: 'https://llm.example/v1', apiKey: 'sk-CANARY-KEY', model: 'm' };
    const deps = { log, llm } as unknown as InvestigationDeps;
    const d = new IncidentDesk(store, deps, {
      investigate: async () => {
        throw new Error('fetch http://u:CANARY-PW@proxy:3128/x?token=CANARY-T failed (key sk-CANARY-KEY)');
      },
    });
    const { incident: id } = (await d.receive(group('g1', ['a']))) as { incident: string };
    await d.idle();
    expect((await store.incident(id))?.error).toBe(
      'fetch http://***@proxy:3128/x?token=*** failed (key ***)',
    );
    expect(lines.join('')).toContain('investigation failed');
    expect(lines.join('')).not.toContain('CANARY');
  });

  it('tells listeners about every change', async () => {
    const { desk: d } = desk();
    const changes: string[] = [];
    d.onChange((incident, change) => changes.push(`${incident.id}:${change}`));
    const incident = idOf(await d.receive(group('g1', ['a'])));
    await d.receive(group('g1', ['a']));
    await d.idle();
    await d.receive(group('g1', ['a'], 'resolved'));
    expect(changes).toEqual([`${incident}:opened`, `${incident}:investigated`, `${incident}:resolved`]);
  });
});

describe('two replicas on one shared (PostgreSQL) store', () => {
  it('open one incident and run one investigation for an alert group posted to both at once', async () => {
    const url = await freshDatabase(inject('postgresUrl'), 'desk');
    const stores = [await openPostgresStore(url), await openPostgresStore(url)];
    const started: string[] = [];
    const desks = stores.map(
      (s) =>
        new IncidentDesk(
          openSharedIncidentStore(s.incidentRows as NonNullable<typeof s.incidentRows>),
          { log: pino({ level: 'silent' }), store: s } as unknown as InvestigationDeps,
          {
            investigate: async (g) => {
              started.push(g.groupKey);
              return result;
            },
          },
        ),
    );
    const [a, b] = desks as [IncidentDesk, IncidentDesk];
    const answers = await Promise.all([a.receive(group('g1', ['x'])), b.receive(group('g1', ['x']))]);
    await Promise.all(desks.map((d) => d.idle()));
    // Both answer with the one incident; one opened it, the other found it.
    expect(new Set(answers.map(idOf)).size).toBe(1);
    expect(answers.map((r) => r.outcome).sort()).toEqual(['duplicate', 'opened']);
    const shared = openSharedIncidentStore(
      stores[0]?.incidentRows as NonNullable<(typeof stores)[0]['incidentRows']>,
    );
    expect(await shared.incidents()).toEqual([
      expect.objectContaining({ id: idOf(answers[0] as DeskResult), investigation: 'done' }),
    ]);
    expect(started).toEqual(['g1']);
    // Resolved on one replica, firing again on the other: a new incident, as on one replica.
    expect((await b.receive(group('g1', ['x'], 'resolved'))).outcome).toBe('resolved');
    expect((await a.receive(group('g1', ['x']))).outcome).toBe('opened');
    await Promise.all(desks.map((d) => d.idle()));
    expect(await shared.incidents()).toHaveLength(2);
    for (const s of stores) await s.close();
  });
});
