import { describe, expect, it } from 'vitest';
import type { LiveObject } from '../core/model.ts';
import { lastWriteTime, type ObjectOnCluster, observationsOf, observeObject } from './wave-state.ts';

const cluster = { name: 'c1', labels: {} };
const live = (...times: (string | undefined)[]): LiveObject => ({
  cluster: 'c1',
  kind: 'ConfigMap',
  namespace: 'ns',
  name: 'app',
  uid: 'u',
  resourceVersion: '1',
  data: {},
  binaryData: {},
  labels: {},
  annotations: {},
  managedFields: times.map((time, i) => ({
    manager: `m${i}`,
    operation: 'Update',
    ...(time ? { time } : {}),
  })),
});

describe('lastWriteTime', () => {
  it.each([
    // the latest stamp of any manager is the last change
    [
      live('2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z', '2026-03-01T09:00:00Z'),
      '2026-03-01T11:00:00.000Z',
    ],
    // entries without a time do not count
    [live(undefined, '2026-03-01T10:00:00Z'), '2026-03-01T10:00:00.000Z'],
    // no stamps at all: unknown
    [live(), undefined],
    [undefined, undefined],
  ])('%#: %s', (object, expected) => {
    expect(lastWriteTime(object)?.toISOString()).toBe(expected);
  });
});

describe('observeObject', () => {
  const base: ObjectOnCluster = { cluster, read: true, declared: true };
  it.each([
    // a cluster that was not read but should hold the object: unknown (later waves wait)
    [
      { ...base, read: false },
      { cluster, state: 'unknown' },
    ],
    // a cluster that was not read and does not declare it: not in any wave for this object
    [{ ...base, read: false, declared: false }, undefined],
    // read, but trueup does not report on it there (not ours, or ignored): not in any wave
    [base, undefined],
    [
      { ...base, status: 'drifted' as const },
      { cluster, state: 'drifted' },
    ],
    // in sync since its last write
    [
      { ...base, status: 'in-sync' as const, live: live('2026-03-01T10:00:00Z') },
      { cluster, state: 'in-sync', since: new Date('2026-03-01T10:00:00Z') },
    ],
    // a later remediation trueup knows of (e.g. a key removal that left no stamp) wins
    [
      {
        ...base,
        status: 'in-sync' as const,
        live: live('2026-03-01T10:00:00Z'),
        changedAt: new Date('2026-03-01T10:05:00Z'),
      },
      { cluster, state: 'in-sync', since: new Date('2026-03-01T10:05:00Z') },
    ],
    // in sync with no known time: settled
    [
      { ...base, status: 'in-sync' as const, live: live() },
      { cluster, state: 'in-sync' },
    ],
  ])('%#', (input, expected) => {
    expect(observeObject(input)).toEqual(expected);
  });
});

describe('observationsOf', () => {
  it('observes one object across the fleet and asks when trueup changed it only on read clusters', () => {
    const key = 'ConfigMap/ns/app';
    const asked: string[] = [];
    const out = observationsOf(
      [
        {
          cluster,
          declared: new Set([key]),
          read: { status: new Map([[key, 'in-sync' as const]]), live: new Map([[key, live()]]) },
        },
        { cluster: { name: 'c2', labels: {} }, declared: new Set([key]) },
        { cluster: { name: 'c3', labels: {} }, declared: new Set() },
      ],
      key,
      (c) => {
        asked.push(c);
        return new Date('2026-03-01T10:00:00Z');
      },
    );
    expect(out).toEqual([
      { cluster, state: 'in-sync', since: new Date('2026-03-01T10:00:00Z') },
      { cluster: { name: 'c2', labels: {} }, state: 'unknown' },
    ]);
    expect(asked).toEqual(['c1']);
  });
});
