/**
 * The single decision point between drift and remediation. The policies issue replaces the body
 * with the rule engine; the shape — a mode with reasons, never a bare boolean — stays.
 */
import type { Drift } from '../reconciler/model.ts';

/** RemediationMode says what trueup does with a drift: fix it, queue it for a human, report it, or skip it. */
export type RemediationMode = 'auto' | 'approve' | 'observe' | 'ignore';

/** Decision is a mode with the reasons for it and the rules that gave it. */
export interface Decision {
  mode: RemediationMode;
  reasons: string[];
  ruleRefs: string[];
}

/** DecisionContext is what the decision may depend on besides the drift. */
export interface DecisionContext {
  /** remediate is the run's --remediate switch. */
  remediate: boolean;
}

/** decideRemediation decides what to do with one drift. */
export function decideRemediation(drift: Drift, context: DecisionContext): Decision {
  if (drift.status === 'in-sync') return { mode: 'ignore', reasons: ['in sync'], ruleRefs: [] };
  if (!context.remediate) {
    return { mode: 'observe', reasons: ['remediation is off (run with --remediate)'], ruleRefs: [] };
  }
  return { mode: 'auto', reasons: ['remediation is on (--remediate)'], ruleRefs: [] };
}
