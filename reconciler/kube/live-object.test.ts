import { describe, expect, it } from 'vitest';
import { Interner } from '../core/intern.ts';
import { digestOf } from '../core/secret-value.ts';
import { attributeChanges } from '../diff/attribution.ts';
import { lastAppliedAnnotation, toLiveObject } from './live-object.ts';

const canary = 'client-side-applied-canary-41c7';

describe('reading a live object', () => {
  it.each(['Secret', 'ConfigMap'] as const)(
    "drops a %s's last-applied-configuration (it holds every value in plaintext) and keeps other annotations",
    (kind) => {
      const lastApplied = JSON.stringify({ apiVersion: 'v1', kind, stringData: { password: canary } });
      const live = toLiveObject('c1', kind, {
        metadata: {
          name: 'db',
          namespace: 'shop',
          annotations: { [lastAppliedAnnotation]: lastApplied, team: 'payments' },
        },
        data: { password: kind === 'Secret' ? Buffer.from(canary).toString('base64') : 'plain' },
      });
      expect(live.annotations).toEqual({ team: 'payments' });
      expect(JSON.stringify(live)).not.toContain(canary);
      if (kind === 'Secret') expect(live.data.password).toBe(digestOf(canary));
    },
  );
});

describe('keeping a live object compact', () => {
  // What the apiserver answers for an object server-side applied by trueup and edited by kubectl.
  const managedFields = [
    {
      manager: 'trueup',
      operation: 'Apply',
      time: new Date('2026-12-03T10:00:00Z'),
      fieldsV1: {
        'f:data': { '.': {}, 'f:color': {}, 'f:size': {} },
        'f:metadata': { 'f:labels': { '.': {}, 'f:team': {} }, 'f:finalizers': { '.': {} } },
        'f:type': {},
      },
    },
    {
      manager: 'kubectl-edit',
      operation: 'Update',
      time: new Date('2026-12-03T11:00:00Z'),
      fieldsV1: { 'f:data': { 'f:size': {} }, 'f:metadata': { 'f:annotations': { 'f:note': {} } } },
    },
  ];
  const read = (cluster: string) =>
    toLiveObject(cluster, 'ConfigMap', {
      metadata: { name: 'app', namespace: 'shop', labels: { team: 'payments' }, managedFields },
      data: { color: 'red', size: 'L' },
    });

  it('keeps of managedFields only the fields attribution reads, and attributes as the full entries would', () => {
    const live = read('c1');
    expect(live.managedFields).toEqual([
      {
        manager: 'trueup',
        operation: 'Apply',
        time: '2026-12-03T10:00:00.000Z',
        fieldsV1: {
          'f:data': { 'f:color': {}, 'f:size': {} },
          'f:metadata': { 'f:labels': { 'f:team': {} } },
          'f:type': {},
        },
      },
      {
        manager: 'kubectl-edit',
        operation: 'Update',
        time: '2026-12-03T11:00:00.000Z',
        fieldsV1: { 'f:data': { 'f:size': {} }, 'f:metadata': { 'f:annotations': { 'f:note': {} } } },
      },
    ]);
    const full = managedFields.map((f) => ({ ...f, time: f.time.toISOString() }));
    const changes = [
      { path: 'data.size', type: 'changed' as const },
      { path: 'data.gone', type: 'removed' as const },
      { path: 'metadata.annotations.note', type: 'changed' as const },
    ];
    expect(attributeChanges(changes, live.managedFields, 'trueup')).toEqual(
      attributeChanges(changes, full, 'trueup'),
    );
  });

  it('shares one frozen fields tree between objects of the same shape, on every cluster', () => {
    const [a, b] = [read('c1'), read('c2')];
    expect(a.managedFields[0]?.fieldsV1).toBe(b.managedFields[0]?.fieldsV1);
    expect(Object.isFrozen(a.managedFields[0]?.fieldsV1?.['f:data'])).toBe(true);
  });
});

describe('interning', () => {
  it('hands out equal strings and starts afresh past its limits', () => {
    const pool = new Interner({ maxEntries: 2, maxChars: 1000 });
    expect(pool.intern('a')).toBe('a');
    pool.intern('b');
    expect(pool.size).toBe(2);
    pool.intern('a');
    expect(pool.size).toBe(2);
    pool.intern('c');
    expect(pool.size).toBe(1);
  });
});
