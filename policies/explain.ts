/**
 * `explain`: every rule in evaluation order, whether it matches the object (and if not, why not),
 * the windows and limits that apply, and the resulting decision. Pure.
 */
import { matchesSelector } from '../reconciler/fleet-config.ts';
import {
  decide,
  describeWindow,
  ignoreSpecOf,
  matchesAny,
  type PolicyDecision,
  type PolicyObject,
} from './engine.ts';
import type { Policy, Rule } from './policy-file.ts';
import { openedAt } from './windows.ts';

/** RuleExplanation is one rule's part in a decision. */
export interface RuleExplanation {
  ref: string;
  matches: boolean;
  /** why is the first criterion that did not match. */
  why?: string;
  mode?: string;
  exception: boolean;
  windows: { type: 'allow' | 'deny'; window: string; open: boolean; openedAt?: string }[];
  limits?: Rule['limits'];
}

/** Explanation is the whole answer of `trueup explain`. */
export interface Explanation {
  at: string;
  policyFiles: boolean;
  protectedNamespaces: string[];
  rules: RuleExplanation[];
  decision: PolicyDecision;
  ignore: { paths: string[]; managers: string[] };
}

/** whyNot returns the first match criterion the object fails, or undefined when the rule matches. */
export function whyNot(rule: Rule, o: PolicyObject): string | undefined {
  const m = rule.match;
  if (m.clusters && !matchesAny(m.clusters, o.cluster.name))
    return `cluster ${o.cluster.name} not in [${m.clusters.join(', ')}]`;
  if (m.clusterLabels && !matchesSelector(m.clusterLabels, o.cluster.labels))
    return `cluster labels do not match ${JSON.stringify(m.clusterLabels)}`;
  if (m.namespaces && !matchesAny(m.namespaces, o.namespace))
    return `namespace ${o.namespace} not in [${m.namespaces.join(', ')}]`;
  if (m.kinds && !m.kinds.includes(o.kind)) return `kind ${o.kind} not in [${m.kinds.join(', ')}]`;
  if (m.names && !matchesAny(m.names, o.name)) return `name ${o.name} not in [${m.names.join(', ')}]`;
  if (m.labels && !matchesSelector(m.labels, o.labels))
    return `object labels do not match ${JSON.stringify(m.labels)}`;
  return undefined;
}

/** explainDecision explains the decision for a drifted object at a given time. */
export function explainDecision(policy: Policy, o: PolicyObject, now: Date, remediate = true): Explanation {
  const rules = policy.rules.map((rule): RuleExplanation => {
    const why = whyNot(rule, o);
    return {
      ref: rule.ref,
      matches: why === undefined,
      ...(why ? { why } : {}),
      ...(rule.mode ? { mode: rule.mode } : {}),
      exception: rule.exception,
      windows: rule.windows.map((w) => {
        const opened = openedAt(w, now);
        return {
          type: w.type,
          window: describeWindow(w),
          open: opened !== undefined,
          ...(opened ? { openedAt: opened.toISOString() } : {}),
        };
      }),
      ...(rule.limits ? { limits: rule.limits } : {}),
    };
  });
  const matching = policy.rules.filter((r) => whyNot(r, o) === undefined);
  return {
    at: now.toISOString(),
    policyFiles: policy.present,
    protectedNamespaces: policy.protectedNamespaces,
    rules,
    decision: decide(policy, o, { status: 'modified' }, { remediate, now }),
    ignore: ignoreSpecOf(matching),
  };
}
