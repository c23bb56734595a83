import { describe, expect, it } from 'vitest';
import type { Incident } from '../../diagnose/incident.ts';
import { openIncidentStore } from '../../diagnose/incident-store.ts';
import { heldEntry, modifiedDrift } from '../../test/fixtures/store-fixtures.ts';
import { cutoffOf, pruneOnce, type RetentionTarget } from './retention.ts';
import { openAuditStore } from './store.ts';

const now = new Date('2026-06-30T12:00:00.000Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 24 * 60 * 60 * 1000);

const drift = modifiedDrift;
const entry = heldEntry;

const incident = (id: string, updated: Date): Incident =>
  ({
    id,
    groupKey: id,
    receiver: 'trueup',
    status: 'resolved',
    opened: updated.toISOString(),
    updated: updated.toISOString(),
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: '',
    alerts: [],
    notifications: 1,
    investigation: 'done',
    investigations: 1,
  }) as Incident;

describe('retention', () => {
  it.each([
    // 30 days back from the 30th of June
    [30, '2026-05-31T12:00:00.000Z'],
    // 0 keeps everything
    [0, undefined],
    // a negative number is not a retention either
    [-1, undefined],
  ])('keeps %s days: deletes before %s', (days, cutoff) => {
    expect(cutoffOf(now, days)).toBe(cutoff);
  });

  it('deletes audit rows and decided approvals past their retention, and keeps recent rows and pending approvals', async () => {
    const store = openAuditStore(':memory:');
    await store.recordDrift('rev', drift('old'), daysAgo(40));
    await store.recordDrift('rev', drift('new'), daysAgo(2));
    await store.recordRemediation('rev', { ...entry('old'), action: 'configured' }, 'trueup', daysAgo(31));
    await store.recordRemediation('rev', { ...entry('new'), action: 'configured' }, 'trueup', daysAgo(29));
    const pendingOld = await store.queueApproval('rev', entry('waiting'), drift('waiting'), daysAgo(365));
    const decidedOld = await store.queueApproval('rev', entry('rejected'), drift('rejected'), daysAgo(60));
    await store.decideApproval(decidedOld.id, 'rejected', { actor: 'a', channel: 'cli' }, daysAgo(50));
    const decidedNew = await store.queueApproval('rev', entry('recent'), drift('recent'), daysAgo(60));
    await store.decideApproval(decidedNew.id, 'rejected', { actor: 'a', channel: 'cli' }, daysAgo(1));
    const incidents = openIncidentStore(':memory:');
    await incidents.save(incident('i1-aaaaaaaa', daysAgo(100)));
    await incidents.save(incident('i2-bbbbbbbb', daysAgo(10)));

    const targets: RetentionTarget[] = [
      ...(['drifts', 'remediations', 'approvals'] as const).map((table) => ({
        name: table,
        days: 30,
        prune: (before: string, n: number) => store.pruneBefore(table, before, n),
      })),
      { name: 'incidents', days: 90, prune: (before, n) => incidents.pruneBefore(before, n) },
    ];
    const deleted = await pruneOnce(targets, { batchSize: 500 }, now);

    expect(deleted).toEqual({ drifts: 1, remediations: 1, approvals: 1, incidents: 1 });
    expect((await store.drifts()).map((d) => d.drift.name)).toEqual(['new']);
    expect((await store.remediations()).map((r) => r.entry.name)).toEqual(['new']);
    expect((await store.approval(pendingOld.id))?.state).toBe('pending');
    expect(await store.approval(decidedOld.id)).toBeUndefined();
    expect((await store.approval(decidedNew.id))?.state).toBe('rejected');
    expect((await incidents.incidents()).map((i) => i.id)).toEqual(['i2-bbbbbbbb']);
  });

  it('deletes a backlog in batches, yielding to the event loop between them', async () => {
    const store = openAuditStore(':memory:');
    for (let i = 0; i < 25; i++) await store.recordDrift('rev', drift(`d${i}`), daysAgo(40));
    const batches: number[] = [];
    // Other work queued on the event loop runs before the second batch.
    let otherWorkRan = false;
    const ranBetween: boolean[] = [];
    setImmediate(() => {
      otherWorkRan = true;
    });
    const target: RetentionTarget = {
      name: 'drifts',
      days: 30,
      prune: async (before, n) => {
        const done = await store.pruneBefore('drifts', before, n);
        batches.push(done);
        ranBetween.push(otherWorkRan);
        return done;
      },
    };
    await pruneOnce([target], { batchSize: 10 }, now);
    expect(batches).toEqual([10, 10, 5]);
    expect(ranBetween).toEqual([false, true, true]);
    expect(await store.drifts()).toEqual([]);
  });

  it('keeps everything with a retention of 0 days', async () => {
    const store = openAuditStore(':memory:');
    await store.recordDrift('rev', drift('ancient'), daysAgo(3000));
    const deleted = await pruneOnce(
      [{ name: 'drifts', days: 0, prune: (b, n) => store.pruneBefore('drifts', b, n) }],
      { batchSize: 10 },
      now,
    );
    expect(deleted).toEqual({});
    expect(await store.drifts()).toHaveLength(1);
  });
});
