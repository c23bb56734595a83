import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PolicyDecision } from '../../policies/engine.ts';
import type { Drift } from '../core/model.ts';
import type { Evaluation } from './evaluate.ts';
import { WaveGate } from './wave-gate.ts';

const evaluation = (status: Drift['status']): Evaluation => ({
  drift: {
    cluster: 'c2',
    kind: 'ConfigMap',
    namespace: 'ns',
    name: 'app',
    status,
    changes: [],
    driftedBy: [],
  },
  decision: {
    mode: status === 'in-sync' ? 'ignore' : 'auto',
    reasons: ['rule r matched: mode auto'],
    ruleRefs: ['r'],
    force: true,
    replaceImmutable: false,
    prune: false,
    limits: [{ ref: 'r', waves: [{ clusters: ['c1'] }, {}], settle: '10s' }],
  } satisfies PolicyDecision,
  ignore: { paths: [], managers: [] },
});
const c1 = { name: 'c1', labels: {} };
const c2 = { name: 'c2', labels: {} };

describe('WaveGate', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('holds a later wave while the earlier one settles, and looks again once it has', () => {
    const rechecks: string[] = [];
    const gate = new WaveGate((cluster, key) => rechecks.push(`${cluster}/${key}`));
    const now = new Date();
    const e = evaluation('modified');
    expect(gate.gates(e)).toBe(true);
    gate.hold(
      e,
      c2,
      'ConfigMap/ns/app',
      [{ cluster: c1, state: 'in-sync', since: new Date(now.getTime() - 4000) }],
      now,
    );
    expect(e.decision).toMatchObject({ mode: 'approve', hold: 'wave' });
    expect(e.drift.decision?.reasons.at(-1)).toBe(
      'wave 2 of r waits for wave 1 (c1) to settle: c1 in sync for 4s of 10s: auto becomes approve',
    );
    vi.advanceTimersByTime(6500);
    expect(rechecks).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(rechecks).toEqual(['c2/ConfigMap/ns/app']);
  });

  it('sets no timer while an earlier wave is drifted, and none after stop', () => {
    const rechecks: string[] = [];
    const gate = new WaveGate((cluster) => rechecks.push(cluster));
    gate.hold(evaluation('modified'), c2, 'k', [{ cluster: c1, state: 'drifted' }], new Date());
    gate.stop();
    gate.hold(
      evaluation('modified'),
      c2,
      'k',
      [{ cluster: c1, state: 'in-sync', since: new Date() }],
      new Date(),
    );
    vi.advanceTimersByTime(60_000);
    expect(rechecks).toEqual([]);
  });

  it('remembers when an object turned in sync, and tells when it turned in or out of sync', () => {
    const gate = new WaveGate(() => {});
    expect(gate.seen('c1', 'k', undefined, evaluation('modified'))).toBe(false);
    expect(gate.changedAt('c1', 'k')).toBeUndefined();
    expect(gate.seen('c1', 'k', evaluation('modified'), evaluation('in-sync'))).toBe(true);
    expect(gate.changedAt('c1', 'k')).toEqual(new Date());
    expect(gate.seen('c1', 'k', evaluation('in-sync'), evaluation('in-sync'))).toBe(false);
    // seen in sync at first sight: news for the waves, but no settle clock (its stamps tell)
    expect(gate.seen('c3', 'k', undefined, evaluation('in-sync'))).toBe(true);
    expect(gate.changedAt('c3', 'k')).toBeUndefined();
  });
});
