import { describe, expect, it } from 'vitest';
import {
  decideLease,
  holdsAt,
  isFree,
  isRenewDue,
  type LeaseRecord,
  leaseTimings,
  observe,
  releasedSpec,
} from './lease.ts';

const t0 = 1_000_000;
const lease = (fields: Partial<LeaseRecord> = {}): LeaseRecord => ({
  name: 'trueup',
  resourceVersion: '7',
  holder: 'b',
  durationSeconds: 15,
  acquireTime: t0 - 60_000,
  renewTime: t0,
  transitions: 3,
  labels: {},
  ...fields,
});
const seen = (at: number, resourceVersion = '7') => ({ resourceVersion, at });

describe('decideLease', () => {
  it.each([
    // nobody has created the lease yet: create it, first holder
    ['missing lease', { holding: false }, 'create'],
    // ours: renew (also after a restart under the same identity, when we believed nothing)
    ['held by me', { lease: lease({ holder: 'a' }), observed: seen(t0), holding: true }, 'renew'],
    [
      'held by me after a restart',
      { lease: lease({ holder: 'a' }), observed: seen(t0), holding: false },
      'renew',
    ],
    // another holder that renewed within the duration (by our clock): wait
    ['held by b, changed 14 s ago', { lease: lease(), observed: seen(t0 - 14_000), holding: false }, 'wait'],
    // unchanged for the whole duration by our clock: expired, take it
    [
      'held by b, unchanged for 15 s',
      { lease: lease(), observed: seen(t0 - 15_000), holding: false },
      'acquire',
    ],
    // the lease's own duration counts, not ours
    [
      'held by b with a 60 s lease, unchanged for 20 s',
      { lease: lease({ durationSeconds: 60 }), observed: seen(t0 - 20_000), holding: false },
      'wait',
    ],
    // released by its holder: take it at once
    ['released', { lease: lease({ holder: undefined }), observed: seen(t0), holding: false }, 'acquire'],
    // never observed at this resourceVersion: b may be renewing right now
    [
      'held by b, first seen now',
      { lease: lease(), observed: seen(t0 - 60_000, '6'), holding: false },
      'wait',
    ],
    // we believed we held it, the record names b: someone took it while we missed renewals
    ['we believed ours, b holds it', { lease: lease(), observed: seen(t0 - 60_000), holding: true }, 'lost'],
  ])('%s: %s', (_name, input, action) => {
    const decision = decideLease({ identity: 'a', now: t0, durationSeconds: 15, ...input });
    expect(decision.action).toBe(action);
  });

  it('takes an expired lease with the resourceVersion read and one more transition', () => {
    const d = decideLease({
      lease: lease(),
      observed: seen(t0 - 16_000),
      identity: 'a',
      holding: false,
      now: t0,
      durationSeconds: 4,
    });
    expect(d).toEqual({
      action: 'acquire',
      resourceVersion: '7',
      previousHolder: 'b',
      spec: { holder: 'a', durationSeconds: 4, acquireTime: t0, renewTime: t0, transitions: 4 },
    });
  });

  it('renews keeping acquireTime and transitions, with a new renewTime', () => {
    const d = decideLease({
      lease: lease({ holder: 'a', acquireTime: t0 - 5000 }),
      observed: seen(t0),
      identity: 'a',
      holding: true,
      now: t0 + 1,
      durationSeconds: 15,
    });
    expect(d).toEqual({
      action: 'renew',
      resourceVersion: '7',
      spec: { holder: 'a', durationSeconds: 15, acquireTime: t0 - 5000, renewTime: t0 + 1, transitions: 3 },
    });
  });

  it('says when a held lease expires by our clock', () => {
    const d = decideLease({
      lease: lease({ durationSeconds: 10 }),
      observed: seen(t0 - 4000),
      identity: 'a',
      holding: false,
      now: t0,
      durationSeconds: 15,
    });
    expect(d).toEqual({ action: 'wait', holder: 'b', expiresAt: t0 + 6000 });
  });
});

describe('observe', () => {
  it.each([
    ['first sight starts the clock', undefined, '7', t0],
    ['the same resourceVersion keeps the first sight', seen(t0 - 9000), '7', t0 - 9000],
    ['a new resourceVersion (a renewal) restarts the clock', seen(t0 - 9000), '8', t0],
  ])('%s', (_name, previous, resourceVersion, at) => {
    expect(observe(previous, lease({ resourceVersion }), t0)).toEqual({ resourceVersion, at });
  });

  it('forgets a lease that is gone', () => {
    expect(observe(seen(t0), undefined, t0)).toBeUndefined();
  });
});

describe('isFree', () => {
  it.each([
    ['no holder', lease({ holder: undefined }), undefined, true],
    ['not observed', lease(), undefined, false],
    ['observed 1 ms before expiry', lease(), seen(t0 - 14_999), false],
    ['observed exactly one duration ago', lease(), seen(t0 - 15_000), true],
    [
      'no duration on the lease: ours (4 s) counts',
      lease({ durationSeconds: undefined }),
      seen(t0 - 4000),
      true,
    ],
  ])('%s: %s', (_name, l, observed, free) => {
    expect(isFree(l, observed, t0, 4)).toBe(free);
  });
});

describe('lease timings', () => {
  const timings = leaseTimings(15);

  it('derive renewal, deadline and retry from the duration as client-go does', () => {
    expect(timings).toEqual({
      durationMs: 15_000,
      renewEveryMs: 5000,
      renewDeadlineMs: 10_000,
      retryMs: 2500,
    });
    expect(leaseTimings(2).retryMs).toBe(333);
  });

  it.each([
    ['never renewed', undefined, t0, false],
    ['renewed just now', t0, t0, true],
    ['1 ms before the deadline', t0 - 9999, t0, true],
    ['at the deadline', t0 - 10_000, t0, false],
  ])('a lease %s counts as held: %s', (_name, renewedAt, now, held) => {
    expect(holdsAt(renewedAt, now, timings)).toBe(held);
  });

  it.each([
    ['never renewed', undefined, true],
    ['renewed 4.9 s ago', t0 - 4900, false],
    ['renewed 5 s ago', t0 - 5000, true],
  ])('renewal is due when %s: %s', (_name, renewedAt, due) => {
    expect(isRenewDue(renewedAt, t0, timings)).toBe(due);
  });

  it('stop the old holder before anyone else may take the lease', () => {
    // A takes over at the earliest one duration after it saw the last renewal, which was sent earlier still.
    expect(timings.renewDeadlineMs).toBeLessThan(timings.durationMs);
  });
});

describe('releasedSpec', () => {
  it('clears the holder and keeps the transitions', () => {
    expect(releasedSpec(lease(), t0)).toEqual({
      durationSeconds: 1,
      acquireTime: t0,
      renewTime: t0,
      transitions: 3,
    });
  });
});
