/**
 * The shape of a decision between drift and remediation: a mode with reasons, never a bare
 * boolean. `engine.ts` makes decisions; reasons flow unchanged to the CLI, logs, the audit store,
 * metrics and Events.
 */

/** RemediationMode says what trueup does with a drift: fix it, queue it for a human, report it, or skip it. */
export type RemediationMode = 'auto' | 'approve' | 'observe' | 'ignore';

/** HoldKind says what held an auto remediation back (it became approve). */
export type HoldKind = 'policy-errors' | 'protected-namespace' | 'window' | 'limit' | 'wave';

/** Decision is a mode with the reasons for it and the rules that gave it. */
export interface Decision {
  mode: RemediationMode;
  reasons: string[];
  ruleRefs: string[];
  /** hold is set when an auto remediation was held back, and by what. */
  hold?: HoldKind;
}
