import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Incident } from './incident.ts';
import { openIncidentStore } from './incident-store.ts';

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
    const a = incident(one.nextId(), 'group-a');
    const b = incident(other.nextId(), 'group-b');
    one.save(a);
    other.save(b);
    expect(a.id).not.toBe(b.id);
    expect(one.incident(a.id)?.groupKey).toBe('group-a');
    expect(one.incident(b.id)?.groupKey).toBe('group-b');
    expect(one.incidents().map((i) => i.groupKey)).toEqual(['group-b', 'group-a']);
    one.close();
    other.close();
  });

  it('numbers incidents by their row, and keeps reading legacy ids', () => {
    const store = openIncidentStore(':memory:');
    store.save(incident('i7', 'legacy'));
    const next = store.nextId();
    expect(next).toMatch(/^i2-[0-9a-z]{8}$/);
    store.save(incident(next, 'new'));
    expect(store.nextId()).toMatch(/^i3-/);
    expect(store.incident('i7')?.groupKey).toBe('legacy');
    expect(store.incidents().map((i) => i.id)).toEqual([next, 'i7']);
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
      store.incidents({ cluster: 'prod-eu', namespace: 'shop', q: 'checkout' }).map((i) => i.id),
    ).toEqual(['i1']);
    expect(store.incidents({ cluster: 'prod' })).toEqual([]);
    store.close();
    await rm(old, { recursive: true, force: true });
  });
});
