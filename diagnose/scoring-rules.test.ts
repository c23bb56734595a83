import { describe, expect, it } from 'vitest';
import {
  alertGraceMs,
  type FindingFacts,
  isAfterAlert,
  recentWindowMs,
  scoreFacts,
  scoringRules,
} from './scoring-rules.ts';

const base: FindingFacts = {
  kind: 'live-drift',
  touchesUsedKey: true,
  referenced: true,
  sinceMs: 60_000,
  timeSource: 'audit',
};
const hour = 3600_000;

describe('the scoring table', () => {
  it.each<[id: string, facts: Partial<FindingFacts>, weight: number]>([
    // One row per kind of finding: its base weight.
    ['missing', { kind: 'missing' }, 0.6],
    ['live-drift', { kind: 'live-drift' }, 0.5],
    ['failed-remediation', { kind: 'failed-remediation' }, 0.5],
    ['undeclared', { kind: 'undeclared' }, 0.5],
    ['held-remediation', { kind: 'held-remediation' }, 0.45],
    ['commit-rollout', { kind: 'commit-rollout' }, 0.45],
    ['restored-drift', { kind: 'restored-drift' }, 0.3],
    ['pending-rollout', { kind: 'pending-rollout' }, 0.05],
    // What the alerting workload reads changed, or not.
    ['used', { touchesUsedKey: true }, 0.25],
    ['not-used', { touchesUsedKey: false }, -0.4],
    // Only in the alert's namespace, no workload of the alert references it.
    ['unreferenced', { referenced: false }, -0.2],
    // Within the day before the alert, or older.
    ['recent', { sinceMs: recentWindowMs }, 0.15],
    ['old', { sinceMs: recentWindowMs + 1 }, -0.15],
  ])('row %s applies with weight %s', (id, facts, weight) => {
    const rule = scoringRules.find((r) => r.id === id);
    expect(rule?.weight).toBe(weight);
    expect(rule?.when({ ...base, ...facts })).toBe(true);
    expect(scoreFacts({ ...base, ...facts }).rules).toContain(id);
    expect(rule?.reason).toMatch(/\w/);
  });

  it('applies no time row when the time is unknown', () => {
    const { rules } = scoreFacts({ ...base, sinceMs: Number.NaN, timeSource: 'unknown' });
    expect(rules).toEqual(['live-drift', 'used']);
  });

  it('sums the rows that apply, clamped to 0..1, with their reasons', () => {
    expect(scoreFacts(base)).toEqual({
      score: 0.9,
      rules: ['live-drift', 'used', 'recent'],
      reasons: [
        'it drifts from git now (changed out of band)',
        'the alerting workload reads what changed',
        'it happened within 24 h before the alert',
      ],
    });
    expect(scoreFacts({ ...base, kind: 'pending-rollout', touchesUsedKey: false }).score).toBe(0);
  });

  it('puts a change after the alert only beyond the grace window', () => {
    const start = Date.parse('2026-11-23T03:00:00.500Z');
    expect(isAfterAlert(start + alertGraceMs, start)).toBe(false);
    expect(isAfterAlert(start + alertGraceMs + 1, start)).toBe(true);
    expect(isAfterAlert(start - hour, start)).toBe(false);
    expect(isAfterAlert(Number.NaN, start)).toBe(false);
  });
});
