import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../audit/event.ts';
import { openAuditStore } from '../store/store.ts';
import { AuditIndex } from './audit-index.ts';
import { AuditIntake } from './audit-intake.ts';
import { createMetrics } from './metrics.ts';

function record(i: number, name = 'app'): AuditRecord {
  const time = new Date(Date.UTC(2026, 11, 3, 10, 0, 0, i)).toISOString();
  return {
    cluster: 'prod',
    kind: 'ConfigMap',
    namespace: 'shop',
    name,
    auditID: `id-${i}`,
    verb: 'patch',
    user: `user-${i % 7}`,
    groups: [],
    userAgent: 'kubectl/v1.33.0',
    sourceIPs: ['10.0.0.5'],
    requestTime: time,
    stageTime: time,
  };
}

describe('the audit intake', () => {
  it('stores a flood in batches, yielding to other work between them, and drops what exceeds its bound', async () => {
    const store = openAuditStore(':memory:');
    const stored: number[] = [];
    const intake = new AuditIntake(
      {
        store,
        metrics: createMetrics(),
        log: pino({ level: 'silent' }),
        onStored: (b) => stored.push(b.length),
      },
      { maxQueued: 3000, batchSize: 500 },
    );
    let otherWork = 0;
    let batchesWhenOtherWorkRan = -1;
    const flood = Array.from({ length: 4000 }, (_, i) => record(i));
    expect(intake.offer('prod', flood)).toEqual({ queued: 3000, dropped: 1000 });
    // Work queued after the flood (a watch event) runs before the flood is stored.
    setImmediate(() => {
      otherWork++;
      batchesWhenOtherWorkRan = stored.length;
    });
    await intake.idle();
    expect(otherWork).toBe(1);
    expect(batchesWhenOtherWorkRan).toBeLessThan(6);
    expect(stored).toEqual([500, 500, 500, 500, 500, 500]);
    expect(await store.auditEvents({ limit: 10_000 })).toHaveLength(3000);
    await store.close();
  });

  it('counts a batch the store refused as failed, and goes on', async () => {
    const metrics = createMetrics();
    const failing = { recordAuditEvents: async () => Promise.reject(new Error('disk full')) };
    const intake = new AuditIntake({ store: failing, metrics, log: pino({ level: 'silent' }) });
    intake.offer('prod', [record(1), record(2)]);
    await intake.idle();
    expect(await metrics.registry.metrics()).toContain(
      'trueup_audit_events_total{cluster="prod",outcome="failed"} 2',
    );
  });
});

describe('the audit index', () => {
  it('keeps the latest writes per object, within its bounds, only for clusters it receives', () => {
    const index = new AuditIndex(['prod'], { perObject: 2, objects: 2 });
    index.add([record(1), record(3), record(2), record(2)]);
    expect(index.eventsFor('prod', 'ConfigMap/shop/app').map((r) => r.auditID)).toEqual(['id-2', 'id-3']);
    index.add([record(4, 'b'), record(5, 'c')]);
    // The object written longest ago went first.
    expect(index.eventsFor('prod', 'ConfigMap/shop/app')).toEqual([]);
    expect(index.eventsFor('prod', 'ConfigMap/shop/c')).toHaveLength(1);
    expect([index.isOn('prod'), index.isOn('staging')]).toEqual([true, false]);
  });
});
