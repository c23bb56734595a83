/**
 * The Lease loops against an in-memory Lease store that enforces resourceVersion preconditions as
 * the apiserver does, on a fake clock: who leads, who owns which cluster, and how fast work stops
 * when renewals fail. (The same loops against real apiservers: test/integration/ha.test.ts.)
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubeError } from '../reconciler/kube/kube-cluster.ts';
import { LeaderElector } from './leader-elector.ts';
import type { LeaseRecord, LeaseSpec } from './lease.ts';
import type { LeaseApi } from './lease-api.ts';
import { ShardCoordinator } from './shard-coordinator.ts';

const log = pino({ level: 'silent' });

/** memoryLeases is one namespace of Leases; each replica gets its own LeaseApi, which can be cut off. */
function memoryLeases() {
  const leases = new Map<string, LeaseRecord>();
  let version = 0;
  const conflict = (name: string) =>
    new KubeError({
      cluster: 'mem',
      what: `write lease ${name}`,
      reason: 'conflict',
      status: 409,
      detail: 'conflict',
    });
  const write = (name: string, spec: LeaseSpec, labels: Record<string, string> = {}) => {
    const record: LeaseRecord = {
      name,
      resourceVersion: String(++version),
      ...(spec.holder ? { holder: spec.holder } : {}),
      durationSeconds: spec.durationSeconds,
      acquireTime: spec.acquireTime,
      renewTime: spec.renewTime,
      transitions: spec.transitions,
      labels,
    };
    leases.set(name, record);
    return { ...record };
  };
  return {
    leases,
    /** api is one replica's view; cut() makes every later request of it hang, as a partition would. */
    api() {
      let cut = false;
      const gate = async () => {
        if (cut) await new Promise(() => {});
      };
      const api: LeaseApi & { cut(): void } = {
        where: 'memory',
        cut: () => {
          cut = true;
        },
        async get(name) {
          await gate();
          const l = leases.get(name);
          return l && { ...l };
        },
        async list(labels) {
          await gate();
          return [...leases.values()]
            .filter((l) => Object.entries(labels).every(([k, v]) => l.labels[k] === v))
            .map((l) => ({ ...l }));
        },
        async create(name, spec, labels) {
          await gate();
          if (leases.has(name)) throw conflict(name);
          return write(name, spec, labels);
        },
        async replace(name, resourceVersion, spec, labels) {
          await gate();
          if (leases.get(name)?.resourceVersion !== resourceVersion) throw conflict(name);
          // A replace writes the whole object, labels included, as on the apiserver.
          return write(name, spec, labels);
        },
        async delete(name, resourceVersion) {
          await gate();
          if (leases.get(name)?.resourceVersion !== resourceVersion) throw conflict(name);
          leases.delete(name);
        },
      };
      return api;
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LeaderElector', () => {
  const elector = (store: ReturnType<typeof memoryLeases>, identity: string) => {
    const api = store.api();
    const changes: boolean[] = [];
    const e = new LeaderElector({
      api,
      name: 'trueup',
      identity,
      durationSeconds: 6,
      log,
      onChange: (leading) => changes.push(leading),
    });
    return { e, api, changes };
  };

  it('lets exactly one of two replicas lead, and the other take over after the duration when it goes silent', async () => {
    const store = memoryLeases();
    const a = elector(store, 'a');
    const b = elector(store, 'b');
    a.e.start();
    await vi.advanceTimersByTimeAsync(10);
    b.e.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect([a.e.isLeader(), b.e.isLeader()]).toEqual([true, false]);
    expect(b.e.leader()).toBe('a');

    // a is cut off: it stops leading at its renew deadline (4 s), b leads once 6 s passed unchanged.
    a.api.cut();
    const cutAt = Date.now();
    let aStopped = 0;
    let bLeads = 0;
    while (!bLeads) {
      await vi.advanceTimersByTimeAsync(100);
      if (!aStopped && !a.e.isLeader()) aStopped = Date.now() - cutAt;
      if (b.e.isLeader()) bLeads = Date.now() - cutAt;
    }
    expect(aStopped).toBeLessThanOrEqual(4000);
    expect(aStopped).toBeLessThan(bLeads);
    expect(bLeads).toBeLessThanOrEqual(6000 + 2 * 1000 + 100);
    expect(a.changes).toEqual([true, false]);
    expect(store.leases.get('trueup')).toMatchObject({ holder: 'b', transitions: 1 });
    await Promise.all([b.e.stop()]);
  });

  it('hands over at once when the leader stops and releases the lease', async () => {
    const store = memoryLeases();
    const a = elector(store, 'a');
    const b = elector(store, 'b');
    a.e.start();
    await vi.advanceTimersByTimeAsync(10);
    b.e.start();
    await vi.advanceTimersByTimeAsync(3000);
    await a.e.stop();
    await a.e.release();
    expect(store.leases.get('trueup')?.holder).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1100);
    expect(b.e.isLeader()).toBe(true);
    await b.e.stop();
  });
});

describe('ShardCoordinator', () => {
  const clusters = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
  const replica = (store: ReturnType<typeof memoryLeases>, identity: string) => {
    const api = store.api();
    let owned: string[] = [];
    const c = new ShardCoordinator({
      api,
      base: 'trueup',
      identity,
      durationSeconds: 6,
      log,
      clusters: () => clusters,
      drained: async () => {},
      onChange: (o) => {
        owned = o;
      },
    });
    return { c, api, owned: () => owned };
  };
  const owners = (replicas: ReturnType<typeof replica>[]) =>
    clusters.map((cl) => replicas.filter((r) => r.c.holds(cl)).length);

  it('gives every cluster exactly one owner, and moves a silent replica’s clusters to the others', async () => {
    const store = memoryLeases();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => replica(store, id)) as [
      ReturnType<typeof replica>,
      ReturnType<typeof replica>,
      ReturnType<typeof replica>,
    ];
    a.c.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(a.owned()).toEqual(clusters); // alone, it takes the whole fleet
    b.c.start();
    c.c.start();
    let everyStep = true;
    for (let t = 0; t < 15_000; t += 100) {
      await vi.advanceTimersByTimeAsync(100);
      // Never two owners, at any moment of the rebalancing.
      everyStep &&= owners([a, b, c]).every((n) => n <= 1);
    }
    expect(everyStep).toBe(true);
    expect(owners([a, b, c])).toEqual([1, 1, 1, 1, 1, 1]);
    expect([a, b, c].map((r) => r.owned().length)).toEqual([2, 2, 2]);

    const lost = c.owned();
    c.api.cut();
    for (let t = 0; t < 15_000; t += 100) {
      await vi.advanceTimersByTimeAsync(100);
      everyStep &&= owners([a, b, c]).every((n) => n <= 1);
    }
    expect(everyStep).toBe(true);
    expect(c.owned()).toEqual([]);
    expect(owners([a, b])).toEqual([1, 1, 1, 1, 1, 1]);
    expect([...a.owned(), ...b.owned()]).toEqual(expect.arrayContaining(lost));
    // The dead replica's heartbeat is removed after ten durations; stopping releases every Lease.
    expect(store.leases.has('trueup-replica-c')).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(store.leases.has('trueup-replica-c')).toBe(false);
    await Promise.all([a.c.stop(), b.c.stop()]);
    expect([...store.leases.values()].filter((l) => l.holder)).toEqual([]);
  });
});
