import { describe, expect, it } from 'vitest';
import type { PolicyDecision } from './engine.ts';
import { explainWaves } from './explain.ts';
import { loadPolicy } from './policy-file.ts';
import { applyWaves, formatDuration, type WaveObservation, type WaveSpec, waveOf } from './waves.ts';

const c = (name: string, labels: Record<string, string> = {}) => ({ name, labels });
const staging = c('staging', { env: 'staging' });
const canary = c('prod-1', { env: 'prod', canary: 'true' });
const prod = c('prod-2', { env: 'prod' });
const waves: WaveSpec[] = [
  { clusters: ['staging'] },
  { clusterLabels: { matchLabels: { canary: 'true' } } },
  {},
];
const now = new Date('2026-03-01T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const auto = (settle = '10m'): PolicyDecision => ({
  mode: 'auto',
  reasons: ['rule rollout (policies.yaml:4) matched: mode auto'],
  ruleRefs: ['rollout (policies.yaml:4)'],
  force: true,
  replaceImmutable: false,
  prune: false,
  limits: [{ ref: 'rollout (policies.yaml:4)', waves, settle }],
});
const inSync = (cluster: ReturnType<typeof c>, since?: Date): WaveObservation => ({
  cluster,
  state: 'in-sync',
  ...(since ? { since } : {}),
});
const drifted = (cluster: ReturnType<typeof c>): WaveObservation => ({ cluster, state: 'drifted' });

describe('waveOf', () => {
  it.each([
    [staging, 0], // selected by name
    [canary, 1], // selected by label
    [prod, 2], // {} takes the rest
    [c('staging', { canary: 'true' }), 0], // the first wave that selects a cluster wins
  ])('%j is in wave %s', (cluster, wave) => {
    expect(waveOf(waves, cluster)).toBe(wave);
  });

  it('puts a cluster no wave selects after every wave', () => {
    expect(waveOf([{ clusters: ['staging'] }], prod)).toBe(1);
  });
});

describe('applyWaves', () => {
  it.each([
    // the first wave never waits
    ['first wave', staging, [drifted(canary), drifted(prod)], 'auto', undefined],
    // wave 2 waits while wave 1 is drifted (e.g. both drifted in this cycle)
    [
      'earlier wave drifted',
      canary,
      [drifted(staging), drifted(prod)],
      'approve',
      'wave 2 of rollout (policies.yaml:4) waits for wave 1 (staging) to settle: staging is not in sync: auto becomes approve',
    ],
    // wave 2 waits while wave 1 has been in sync for less than settle
    [
      'earlier wave settling',
      canary,
      [inSync(staging, ago(3 * 60_000))],
      'approve',
      'wave 2 of rollout (policies.yaml:4) waits for wave 1 (staging) to settle: staging in sync for 3m of 10m: auto becomes approve',
    ],
    // settled: in sync for longer than settle
    ['earlier wave settled', canary, [inSync(staging, ago(11 * 60_000))], 'auto', undefined],
    // in sync since an unknown time (e.g. never written since it was read first) counts as settled
    ['in sync, time unknown', canary, [inSync(staging)], 'auto', undefined],
    // an earlier wave not read in this cycle (unreachable, or not selected) holds: fail safe
    [
      'earlier wave unknown',
      prod,
      [{ cluster: staging, state: 'unknown' as const }, inSync(canary)],
      'approve',
      'wave 3 of rollout (policies.yaml:4) waits for wave 1 (staging) to settle: staging was not read in this cycle: auto becomes approve',
    ],
    // every wave before counts, not only the one just before: the first that blocks is named
    [
      'two waves before',
      prod,
      [inSync(staging), drifted(canary)],
      'approve',
      'wave 3 of rollout (policies.yaml:4) waits for wave 2 (prod-1) to settle: prod-1 is not in sync: auto becomes approve',
    ],
    // no cluster of an earlier wave holds the object: nothing to wait for
    ['earlier waves without the object', prod, [], 'auto', undefined],
    // clusters of the same or a later wave do not hold a cluster back
    [
      'same and later waves',
      canary,
      [drifted(c('prod-3', { canary: 'true' })), drifted(prod)],
      'auto',
      undefined,
    ],
  ])('%s', (_name, cluster, observations, mode, reason) => {
    const out = applyWaves(auto(), cluster, observations, now);
    expect(out.decision.mode).toBe(mode);
    expect(out.decision.hold).toBe(mode === 'approve' ? 'wave' : undefined);
    expect(out.decision.reasons.at(-1)).toBe(reason ?? 'rule rollout (policies.yaml:4) matched: mode auto');
  });

  it('says when to look again when only settling holds a wave', () => {
    const since = ago(3 * 60_000);
    expect(applyWaves(auto(), canary, [inSync(staging, since)], now).retryAt).toEqual(
      new Date(since.getTime() + 10 * 60_000),
    );
    expect(applyWaves(auto(), canary, [drifted(staging)], now).retryAt).toBeUndefined();
  });

  it('with no settle, lets the next wave go as soon as the earlier one is in sync', () => {
    expect(applyWaves(auto('0s'), canary, [inSync(staging, now)], now).decision.mode).toBe('auto');
  });

  it('leaves decisions other than auto alone', () => {
    const approve = { ...auto(), mode: 'approve' as const };
    expect(applyWaves(approve, canary, [drifted(staging)], now).decision).toBe(approve);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [999, '0s'],
    [12_000, '12s'],
    [180_000, '3m'],
    [3_900_000, '1h5m'],
    [90_061_000, '1d1h1m1s'],
  ])('%s ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('waves in policy files', () => {
  const load = (limits: string) =>
    loadPolicy(
      new Map([
        [
          'policies.yaml',
          `apiVersion: trueup.io/v1alpha1\nkind: Policy\nrules:\n  - name: r\n    mode: auto\n    limits:\n${limits}`,
        ],
      ]),
    ).errors.map((e) => `${e.line}: ${e.message}`);

  it.each([
    ['      waves: [{clusters: [staging]}, {}]\n      settle: 10m\n', []],
    ['      waves: [{clusters: [staging]}]\n      settle: 1s\n', []],
    [
      '      settle: 10m\n',
      ['7: rules.0.limits.settle: settle needs waves: it is how long a wave stays in sync before the next'],
    ],
    ['      waves: []\n', [expect.stringMatching(/^7: rules\.0\.limits\.waves: Too small/)]],
    [
      '      waves: [{}]\n      settle: soon\n',
      ['8: rules.0.limits.settle: expected e.g. 30s, 10m, 1h30m, 1d (at most 7d)'],
    ],
    ['      waves: [{names: [x]}]\n', [expect.stringContaining('rules.0.limits.waves.0: Unrecognized key')]],
  ])('%j -> %j', (limits, errors) => {
    expect(load(limits)).toEqual(errors);
  });
});

describe('explainWaves', () => {
  it('places the cluster among the waves, with an implicit last wave for clusters none selects', () => {
    expect(explainWaves([{ clusters: ['staging'] }], '10m', canary, [staging, canary, prod])).toEqual({
      settle: '10m',
      wave: 2,
      list: [
        { wave: 1, selects: 'clusters [staging]', clusters: ['staging'] },
        { wave: 2, selects: 'clusters no wave selects', clusters: ['prod-1', 'prod-2'] },
      ],
    });
  });
});
