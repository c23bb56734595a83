/**
 * The offline diagnoser's scoring, as a table: one rule per row (when it applies, its weight, the
 * reason shown to on-call). A finding's score is the sum of the weights of the rules that apply,
 * clamped to 0..1; its reasons are theirs, in table order. Pure: every row is unit-tested.
 *
 * Time order is not a weight: a finding after the alert started is never a cause (the diagnoser
 * lists it "after the alert"), see `isAfterAlert`.
 */
import type { FindingKind, TimeSource } from './findings.ts';

/** FindingFacts are what the rules look at: a finding, placed in time against the alert. */
export interface FindingFacts {
  kind: FindingKind;
  /** touchesUsedKey: what the alerting workloads read changed. */
  touchesUsedKey: boolean;
  /** referenced: a workload of the alert uses it, or the alert names it (not only its namespace). */
  referenced: boolean;
  /** sinceMs is how long before the alert it happened (ms, >= -grace); NaN when unknown. */
  sinceMs: number;
  timeSource: TimeSource;
}

/** ScoringRule is one row of the table. */
export interface ScoringRule {
  id: string;
  when: (f: FindingFacts) => boolean;
  weight: number;
  reason: string;
}

/** recentWindowMs is how long before an alert a change still counts as "shortly before" (24 h). */
export const recentWindowMs = 24 * 60 * 60 * 1000;

/**
 * alertGraceMs: a change up to this long after the alert's startsAt still counts as before it
 * (clock skew between Prometheus, the apiservers and trueup). Beyond it, never a cause.
 */
export const alertGraceMs = 1000;

const is = (kind: FindingKind) => (f: FindingFacts) => f.kind === kind;
const known = (f: FindingFacts) => Number.isFinite(f.sinceMs);

/** scoringRules is the table, strongest kinds first, then what modulates them. */
export const scoringRules: readonly ScoringRule[] = [
  // What happened: a base weight per kind of finding.
  {
    id: 'missing',
    when: is('missing'),
    weight: 0.6,
    reason: 'git declares it and it is missing from the cluster',
  },
  {
    id: 'live-drift',
    when: is('live-drift'),
    weight: 0.5,
    reason: 'it drifts from git now (changed out of band)',
  },
  {
    id: 'failed-remediation',
    when: is('failed-remediation'),
    weight: 0.5,
    reason: "trueup's remediation of it keeps failing",
  },
  {
    id: 'undeclared',
    when: is('undeclared'),
    weight: 0.5,
    reason: 'a workload needs it, it does not exist and git does not declare it',
  },
  {
    id: 'held-remediation',
    when: is('held-remediation'),
    weight: 0.45,
    reason: 'its remediation is held back (approval, window or limit) while the alert fires',
  },
  {
    id: 'commit-rollout',
    when: is('commit-rollout'),
    weight: 0.45,
    reason: 'a commit changed it and trueup rolled the change out',
  },
  {
    id: 'restored-drift',
    when: is('restored-drift'),
    weight: 0.3,
    reason: 'it drifted and was put back: pods may still run with the drifted value',
  },
  {
    id: 'pending-rollout',
    when: is('pending-rollout'),
    weight: 0.05,
    reason: 'git changed it but the change is not live yet: pods still read the old value',
  },
  // Whether the alerting workloads see it.
  {
    id: 'used',
    when: (f) => f.touchesUsedKey,
    weight: 0.25,
    reason: 'the alerting workload reads what changed',
  },
  {
    id: 'not-used',
    when: (f) => !f.touchesUsedKey,
    weight: -0.4,
    reason: 'the alerting workload reads none of what changed',
  },
  {
    id: 'unreferenced',
    when: (f) => !f.referenced,
    weight: -0.2,
    reason: "only in the alert's namespace: none of the alert's workloads references it",
  },
  // When, against the alert's start.
  {
    id: 'recent',
    when: (f) => known(f) && f.sinceMs <= recentWindowMs,
    weight: 0.15,
    reason: 'it happened within 24 h before the alert',
  },
  {
    id: 'old',
    when: (f) => known(f) && f.sinceMs > recentWindowMs,
    weight: -0.15,
    reason: 'it happened more than 24 h before the alert',
  },
];

/** Score is a finding's score with the reasons of the rules that gave it. */
export interface Score {
  score: number;
  reasons: string[];
  rules: string[];
}

/** scoreFacts sums the weights of the rules that apply (clamped to 0..1, two decimals). */
export function scoreFacts(facts: FindingFacts, rules: readonly ScoringRule[] = scoringRules): Score {
  const applied = rules.filter((r) => r.when(facts));
  const sum = applied.reduce((n, r) => n + r.weight, 0);
  return {
    score: Math.round(Math.min(1, Math.max(0, sum)) * 100) / 100,
    reasons: applied.map((r) => r.reason),
    rules: applied.map((r) => r.id),
  };
}

/** isAfterAlert tells whether something at atMs (its earliest possible time) happened after an alert that started at startMs. */
export function isAfterAlert(atMs: number, startMs: number): boolean {
  return Number.isFinite(atMs) && atMs > startMs + alertGraceMs;
}
