/**
 * Paging, searching and counting the audit trail for the console at fleet scale, on both backends:
 * cursors that stay put while new records arrive, filters combined with pages, the name search, the
 * remediation result, the activity a timeline counts and pending approvals per namespace.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type StoreLocation, storeBackends } from '../../test/fixtures/store-backends.ts';
import { heldEntry, modifiedDrift } from '../../test/fixtures/store-fixtures.ts';
import type { Drift } from '../core/model.ts';
import type { ChangeSetEntry } from '../sync/cycle.ts';
import { type AuditStore, openAuditStore, remediationResult } from './store.ts';

const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 0, minute));
const driftOf = (i: number): Drift => ({
  ...modifiedDrift(`obj-${i}`),
  cluster: `c${i % 3}`,
  namespace: i % 2 ? 'odd' : 'even',
});
const entryOf = (i: number, result: 'applied' | 'failed' | 'skipped'): ChangeSetEntry => ({
  ...driftOf(i),
  action: result === 'skipped' ? 'skipped' : 'configured',
  reasons: [],
  decision: { mode: 'auto', reasons: [], ruleRefs: [] },
  ...(result === 'failed' ? { error: 'apply refused' } : {}),
});

describe.each(storeBackends)('paging the audit store on %s', (_name, backend) => {
  const locations: StoreLocation[] = [];
  const opened: AuditStore[] = [];
  const freshStore = async () => {
    const l = await backend();
    locations.push(l);
    const store = await l.open();
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close().catch(() => {});
    for (const l of locations.splice(0)) await l.remove();
  });

  it('pages newest first with an id cursor that does not move when new records arrive', async () => {
    const store = await freshStore();
    for (let i = 0; i < 30; i++) await store.recordDrift('rev', driftOf(i), at(i));
    const first = await store.drifts({ limit: 10 });
    expect(first.map((r) => r.drift.name)).toEqual(Array.from({ length: 10 }, (_, k) => `obj-${29 - k}`));
    // A new record between two page reads lands on page one, not in the middle of page two.
    await store.recordDrift('rev', driftOf(99), at(99));
    const second = await store.drifts({ limit: 10, before: first.at(-1)?.id });
    expect(second.map((r) => r.drift.name)).toEqual(Array.from({ length: 10 }, (_, k) => `obj-${19 - k}`));
    const last = await store.drifts({
      limit: 10,
      before: (await store.drifts({ limit: 10, before: second.at(-1)?.id })).at(-1)?.id,
    });
    expect(last).toEqual([]);
  });

  it('combines the cursor with cluster, namespace and a case-insensitive name search', async () => {
    const store = await freshStore();
    for (let i = 0; i < 60; i++) await store.recordDrift('rev', driftOf(i), at(i));
    const page = await store.drifts({ cluster: 'c0', namespace: 'even', limit: 4 });
    expect(page.map((r) => r.drift.name)).toEqual(['obj-54', 'obj-48', 'obj-42', 'obj-36']);
    const next = await store.drifts({ cluster: 'c0', namespace: 'even', limit: 4, before: page.at(-1)?.id });
    expect(next.map((r) => r.drift.name)).toEqual(['obj-30', 'obj-24', 'obj-18', 'obj-12']);
    expect((await store.drifts({ q: 'OBJ-5', limit: 100 })).map((r) => r.drift.name)).toEqual(
      Array.from({ length: 10 }, (_, k) => `obj-${59 - k}`).concat('obj-5'),
    );
    // LIKE's wildcards in the search are plain characters.
    expect(await store.drifts({ q: 'obj_1' })).toEqual([]);
    expect(await store.drifts({ q: '%' })).toEqual([]);
  });

  it('filters remediations by result, as remediationResult classifies an entry', async () => {
    const store = await freshStore();
    const results = ['applied', 'failed', 'skipped'] as const;
    for (let i = 0; i < 9; i++)
      await store.recordRemediation('rev', entryOf(i, results[i % 3] as 'applied'), 'trueup', at(i));
    for (const result of results) {
      const found = await store.remediations({ result });
      expect(found).toHaveLength(3);
      expect(found.every((r) => remediationResult(r.entry) === result)).toBe(true);
    }
    expect(
      (await store.remediations({ result: 'failed', namespace: 'even' })).map((r) => r.entry.name),
    ).toEqual(['obj-4']);
  });

  it('reads the activity a timeline counts, oldest first, bounded by time and object', async () => {
    const store = await freshStore();
    for (let i = 0; i < 6; i++) await store.recordDrift('rev', driftOf(i), at(i));
    await store.recordRemediation('rev', entryOf(0, 'applied'), 'trueup', at(1));
    await store.recordRemediation('rev', entryOf(3, 'failed'), 'trueup', at(4));
    await store.queueApproval('rev', heldEntry('held'), modifiedDrift('held'), at(2));
    const all = await store.activity({});
    expect(all.drifts.map((r) => r.name)).toEqual(['obj-0', 'obj-1', 'obj-2', 'obj-3', 'obj-4', 'obj-5']);
    expect(all.remediations.map((r) => [r.name, r.result])).toEqual([
      ['obj-0', 'applied'],
      ['obj-3', 'failed'],
    ]);
    expect(all.approvals).toEqual([
      expect.objectContaining({
        cluster: 'c1',
        namespace: 'ns',
        name: 'held',
        state: 'pending',
        time: at(2).toISOString(),
      }),
    ]);
    const some = await store.activity({
      cluster: 'c0',
      since: at(2).toISOString(),
      until: at(5).toISOString(),
    });
    expect(some.drifts.map((r) => r.name)).toEqual(['obj-3']);
    expect(some.remediations.map((r) => r.name)).toEqual(['obj-3']);
    expect(some.approvals).toEqual([]);
  });

  it('counts pending approvals per cluster and namespace', async () => {
    const store = await freshStore();
    await store.queueApproval('rev', heldEntry('a'), modifiedDrift('a'));
    await store.queueApproval('rev', heldEntry('b'), modifiedDrift('b'));
    const other = { ...heldEntry('c'), namespace: 'other' } as ChangeSetEntry;
    await store.queueApproval('rev', other, { ...modifiedDrift('c'), namespace: 'other' });
    expect(await store.pendingByNamespace()).toEqual(
      new Map([
        ['c1/ns', 2],
        ['c1/other', 1],
      ]),
    );
  });
});

describe('the SQLite store at fleet scale', () => {
  it('answers filtered, paged history through indexes rather than scanning the table', async () => {
    const store = openAuditStore(':memory:');
    // The plan is what keeps 10,000s of rows fast; node:sqlite's EXPLAIN is read through a raw handle.
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(':memory:');
    const { migrate } = await import('./sqlite/database.ts');
    migrate(db);
    const plan = (sql: string, ...params: (string | number)[]) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
        .map((r) => r.detail)
        .join('; ');
    expect(
      plan('SELECT * FROM drifts WHERE cluster = ? AND id < ? ORDER BY id DESC LIMIT 100', 'c1', 5),
    ).toMatch(/USING (COVERING )?INDEX drifts_cluster_id/);
    expect(plan('SELECT * FROM remediations WHERE namespace = ? ORDER BY id DESC LIMIT 100', 'ns')).toMatch(
      /USING (COVERING )?INDEX remediations_namespace_id/,
    );
    expect(
      plan(
        "SELECT cluster, namespace, COUNT(*) FROM approvals WHERE state = 'pending' GROUP BY cluster, namespace",
      ),
    ).toMatch(/USING (COVERING )?INDEX approvals_state/);
    db.close();
    await store.close();
  });
});
