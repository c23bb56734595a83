import { describe, expect, it } from 'vitest';
import type { PolicyDecision } from './engine.ts';
import { applyLimits } from './limits.ts';

const auto = (limits: PolicyDecision['limits']): PolicyDecision => ({
  mode: 'auto',
  reasons: ['rule r matched: mode auto'],
  ruleRefs: ['r (policies.yaml:4)'],
  force: true,
  replaceImmutable: false,
  prune: false,
  limits,
});

describe('applyLimits', () => {
  it('holds objects beyond maxObjectsPerCluster, per cluster, in order', () => {
    const d = auto([{ ref: 'r (policies.yaml:4)', maxObjectsPerCluster: 2 }]);
    const out = applyLimits(
      ['a', 'a', 'a', 'b'].map((cluster, i) => ({ cluster, key: `o${i}`, decision: d })),
      ['a', 'b'],
    );
    expect(out.map((x) => x.mode)).toEqual(['auto', 'auto', 'approve', 'auto']);
    expect(out[2]?.reasons.at(-1)).toBe(
      'limit of r (policies.yaml:4): at most 2 objects per cluster per cycle: auto becomes approve',
    );
  });

  it('holds clusters beyond maxFleetPercent (at least one cluster may change)', () => {
    const d = auto([{ ref: 'canary (policies.yaml:9)', maxFleetPercent: 25 }]);
    const out = applyLimits(
      ['c1', 'c1', 'c2', 'c3'].map((cluster, i) => ({ cluster, key: `o${i}`, decision: d })),
      ['c1', 'c2', 'c3'],
    );
    expect(out.map((x) => x.mode)).toEqual(['auto', 'auto', 'approve', 'approve']);
    expect(out[2]?.reasons.at(-1)).toBe(
      'limit of canary (policies.yaml:9): at most 25% of the fleet (1 of 3 clusters) per cycle, already c1: auto becomes approve',
    );
  });

  it('counts an object re-evaluated in the same cycle once', () => {
    const d = auto([{ ref: 'r', maxObjectsPerCluster: 1 }]);
    const out = applyLimits(
      ['x', 'x', 'y'].map((key) => ({ cluster: 'a', key, decision: d })),
      ['a'],
    );
    expect(out.map((x) => x.mode)).toEqual(['auto', 'auto', 'approve']);
  });

  it('leaves decisions other than auto, and unlimited ones, alone', () => {
    const approve = { ...auto([{ ref: 'r', maxObjectsPerCluster: 0 }]), mode: 'approve' as const };
    expect(
      applyLimits(
        [
          { cluster: 'a', key: 'x', decision: approve },
          { cluster: 'a', key: 'y', decision: auto([]) },
        ],
        ['a'],
      ).map((x) => x.mode),
    ).toEqual(['approve', 'auto']);
  });
});
