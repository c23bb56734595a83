import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { openPostgresStore } from '../reconciler/store/postgres/postgres-store.ts';
import { freshDatabase } from '../test/postgres/postgres.ts';
import type { Incident } from './incident.ts';
import { type IncidentStore, openIncidentStore, openSharedIncidentStore } from './incident-store.ts';

const incident = (id: string, groupKey: string): Incident =>
  ({
    id,
    groupKey,
    receiver: 'trueup',
    status: 'firing',
    opened: '2026-01-02T03:00:00.000Z',
    updated: '2026-01-02T03:00:00.000Z',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: '',
    alerts: [],
    notifications: 1,
    investigation: 'queued',
    investigations: 1,
  }) as Incident;

describe('openIncidentStore', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('never lets two stores on one state dir overwrite each other’s incidents', async () => {
    dir = await mkdtemp(join(tmpdir(), 'trueup-incidents-'));
    const [one, other] = [openIncidentStore(dir), openIncidentStore(dir)];
    // Both reserve an id before either saves (two replicas receiving alerts at the same time).
    const a = incident(await one.nextId(), 'group-a');
    const b = incident(await other.nextId(), 'group-b');
    await one.save(a);
    await other.save(b);
    expect(a.id).not.toBe(b.id);
    expect((await one.incident(a.id))?.groupKey).toBe('group-a');
    expect((await one.incident(b.id))?.groupKey).toBe('group-b');
    expect((await one.incidents()).map((i) => i.groupKey)).toEqual(['group-b', 'group-a']);
    one.close();
    other.close();
  });

  it('numbers incidents by their row, and keeps reading legacy ids', async () => {
    const store = openIncidentStore(':memory:');
    await store.save(incident('i7', 'legacy'));
    const next = await store.nextId();
    expect(next).toMatch(/^i2-[0-9a-z]{8}$/);
    await store.save(incident(next, 'new'));
    expect(await store.nextId()).toMatch(/^i3-/);
    expect((await store.incident('i7'))?.groupKey).toBe('legacy');
    expect((await store.incidents()).map((i) => i.id)).toEqual([next, 'i7']);
    store.close();
  });
});

describe('an incident store from before the list filters', () => {
  it('is migrated on open, its incidents filterable by cluster, namespace and alert name', async () => {
    const { DatabaseSync } = await import('node:sqlite');
    const old = await mkdtemp(join(tmpdir(), 'trueup-incidents-old-'));
    const db = new DatabaseSync(join(old, 'incidents.db'));
    db.exec(`CREATE TABLE incidents (
      seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, group_key TEXT NOT NULL,
      status TEXT NOT NULL, opened TEXT NOT NULL, updated TEXT NOT NULL, record TEXT NOT NULL)`);
    const legacy = {
      ...incident('i1', 'g'),
      commonLabels: { alertname: 'CheckoutErrors', cluster: 'prod-eu', namespace: 'shop' },
    };
    db.prepare(
      'INSERT INTO incidents (id, group_key, status, opened, updated, record) VALUES (?, ?, ?, ?, ?, ?)',
    ).run('i1', 'g', 'firing', legacy.opened, legacy.updated, JSON.stringify(legacy));
    db.close();
    const store = openIncidentStore(old);
    expect(
      (await store.incidents({ cluster: 'prod-eu', namespace: 'shop', q: 'checkout' })).map((i) => i.id),
    ).toEqual(['i1']);
    expect(await store.incidents({ cluster: 'prod' })).toEqual([]);
    store.close();
    await rm(old, { recursive: true, force: true });
  });
});

// The contract both incident stores keep: on SQLite (the state dir) and on the PostgreSQL store
// replicas share.
const incidentBackends: [string, () => Promise<{ store: IncidentStore; done: () => Promise<void> }>][] = [
  [
    'SQLite',
    async () => {
      const store = openIncidentStore(':memory:');
      return { store, done: async () => store.close() };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const shared = await openPostgresStore(await freshDatabase(inject('postgresUrl'), 'incidents'));
      const rows = shared.incidentRows;
      if (!rows) throw new Error('a PostgreSQL store keeps incidents');
      return { store: openSharedIncidentStore(rows), done: () => shared.close() };
    },
  ],
];

const about = (n: number): Incident => ({
  ...incident(`i${n}-test${n}`, `group-${n}`),
  status: n % 4 === 0 ? 'resolved' : 'firing',
  opened: new Date(Date.UTC(2026, 0, 2, 3, n)).toISOString(),
  commonLabels: {
    alertname: n % 2 ? 'CheckoutErrors' : 'LatencyHigh',
    cluster: `c${n % 3}`,
    namespace: 'shop',
  },
});

describe.each(incidentBackends)('the incident store on %s', (_name, backend) => {
  let done = async () => {};
  afterEach(() => done());

  it('pages newest first, filtered by status, cluster, namespace and a search, with a cursor', async () => {
    const opened = await backend();
    done = opened.done;
    const { store } = opened;
    for (let n = 1; n <= 12; n++) expect(await store.save(about(n))).toBe(true);
    const first = await store.page({ limit: 5 });
    expect(first.incidents.map((i) => i.id)).toEqual([12, 11, 10, 9, 8].map((n) => `i${n}-test${n}`));
    const second = await store.page({
      limit: 5,
      ...(first.next !== undefined ? { before: first.next } : {}),
    });
    expect(second.incidents.map((i) => i.groupKey)).toEqual([7, 6, 5, 4, 3].map((n) => `group-${n}`));
    const last = await store.page({
      limit: 5,
      ...(second.next !== undefined ? { before: second.next } : {}),
    });
    expect(last.incidents.map((i) => i.groupKey)).toEqual(['group-2', 'group-1']);
    expect(last.next).toBeUndefined();
    const found = await store.incidents({
      status: 'firing',
      cluster: 'c1',
      namespace: 'shop',
      q: 'CHECKOUT',
    });
    expect(found.map((i) => i.groupKey)).toEqual(['group-7', 'group-1']);
    expect(await store.incidents({ q: '100%' })).toEqual([]);
  });

  it('lists when the matching incidents opened, oldest first, within a window', async () => {
    const opened = await backend();
    done = opened.done;
    const { store } = opened;
    for (let n = 1; n <= 6; n++) await store.save(about(n));
    const times = await store.openedTimes({
      cluster: 'c0',
      since: about(2).opened,
      until: about(6).opened,
    });
    expect(times).toEqual([about(3).opened, about(6).opened]);
  });

  it('updates an incident in place and prunes those last updated before a time', async () => {
    const opened = await backend();
    done = opened.done;
    const { store } = opened;
    await store.save(about(1));
    await store.save({ ...about(1), status: 'resolved', updated: '2026-01-03T00:00:00.000Z' });
    await store.save({ ...about(2), updated: '2026-01-05T00:00:00.000Z' });
    expect((await store.incident('i1-test1'))?.status).toBe('resolved');
    expect(await store.openIncident('group-1')).toBeUndefined();
    expect(await store.pruneBefore('2026-01-04T00:00:00.000Z', 10)).toBe(1);
    expect((await store.incidents()).map((i) => i.id)).toEqual(['i2-test2']);
  });
});

describe('the incident store replicas share (PostgreSQL)', () => {
  it('refuses a second firing incident of one alert group, and takes a new one once it resolved', async () => {
    const shared = await openPostgresStore(await freshDatabase(inject('postgresUrl'), 'incidents'));
    const rows = shared.incidentRows as NonNullable<typeof shared.incidentRows>;
    const [one, other] = [openSharedIncidentStore(rows), openSharedIncidentStore(rows)];
    const first = incident(await one.nextId(), 'group-a');
    const second = incident(await other.nextId(), 'group-a');
    expect(await one.save(first)).toBe(true);
    expect(await other.save(second)).toBe(false);
    expect((await other.openIncident('group-a'))?.id).toBe(first.id);
    await one.save({ ...first, status: 'resolved' });
    expect(await other.save(second)).toBe(true);
    expect((await one.incidents()).map((i) => i.id)).toEqual([second.id, first.id]);
    await shared.close();
  });
});
