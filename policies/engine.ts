/**
 * The policy engine: (object, drift, rules, now) -> a decision with reasons. Pure.
 *
 * Precedence (deterministic, shown by `trueup explain`):
 * 1. Rules are read in file order (policies.yaml, then policies/*.yaml by name), top to bottom.
 * 2. Every matching rule's `ignore` applies (paths and field managers add up).
 * 3. Mode: among matching rules that are not exceptions, the strictest mode wins
 *    (ignore > observe > approve > auto). If any matching rule is an `exception`, the last such
 *    rule's mode wins instead — the one way to loosen a stricter rule, and visible as such.
 *    No matching rule: the policy's defaultMode (approve). No policy file at all: auto.
 * 4. auto is then held (becomes approve) while any policy file has errors, in a protected namespace, inside any deny window, or
 *    outside every allow window of the matching rules. Deny beats allow. Exceptions cannot lift these.
 * 5. auto becomes observe when remediation is off for the run (no --remediate).
 */

import type { Decision, HoldKind, RemediationMode } from '../reconciler/core/decision.ts';
import { matchesAny } from '../reconciler/core/glob.ts';
import type { Drift } from '../reconciler/core/model.ts';
import { matchesSelector } from '../reconciler/core/selector.ts';
import type { Policy, Rule } from './policy-file.ts';
import { openedAt } from './windows.ts';

/** PolicyObject is what rules match on. */
export interface PolicyObject {
  cluster: { name: string; labels: Record<string, string> };
  kind: 'ConfigMap' | 'Secret';
  namespace: string;
  name: string;
  labels: Record<string, string>;
}

/** DecisionContext is the run's state besides the object. */
export interface DecisionContext {
  /** remediate is the run's --remediate switch. */
  remediate: boolean;
  now: Date;
}

/** IgnoreSpec is what the matching rules tell trueup to leave alone. */
export interface IgnoreSpec {
  paths: string[];
  managers: string[];
}

const strictness: Record<RemediationMode, number> = { auto: 0, approve: 1, observe: 2, ignore: 3 };

/** ruleMatches tells whether a rule's match selects the object. */
export function ruleMatches(rule: Rule, o: PolicyObject): boolean {
  const m = rule.match;
  if (m.clusters && !matchesAny(m.clusters, o.cluster.name)) return false;
  if (m.clusterLabels && !matchesSelector(m.clusterLabels, o.cluster.labels)) return false;
  if (m.namespaces && !matchesAny(m.namespaces, o.namespace)) return false;
  if (m.kinds && !m.kinds.includes(o.kind)) return false;
  if (m.names && !matchesAny(m.names, o.name)) return false;
  if (m.labels && !matchesSelector(m.labels, o.labels)) return false;
  return true;
}

/** matchingRules returns the rules that select the object, in evaluation order. */
export function matchingRules(policy: Policy, o: PolicyObject): Rule[] {
  return policy.rules.filter((r) => ruleMatches(r, o));
}

/** ignoreSpecOf adds up the ignore lists of the matching rules. */
export function ignoreSpecOf(rules: Rule[]): IgnoreSpec {
  return {
    paths: rules.flatMap((r) => r.ignore?.paths ?? []),
    managers: rules.flatMap((r) => r.ignore?.managers ?? []),
  };
}

/** PolicyDecision is a decision with the remediation switches the matching rules set. */
export interface PolicyDecision extends Decision {
  force: boolean;
  replaceImmutable: boolean;
  prune: boolean;
  /** limits of the matching rules, applied per cycle by limits.ts and waves.ts. */
  limits: ({ ref: string } & NonNullable<Rule['limits']>)[];
}

/** decide decides what to do with one object's drift under the policy. */
export function decide(
  policy: Policy,
  o: PolicyObject,
  drift: Pick<Drift, 'status'>,
  context: DecisionContext,
): PolicyDecision {
  const rules = matchingRules(policy, o);
  const ruleRefs = rules.map((r) => r.ref);
  const switches = {
    force: rules.every((r) => r.force !== false),
    replaceImmutable: rules.some((r) => r.replaceImmutable === true),
    prune: rules.some((r) => r.prune === true),
    limits: rules.flatMap((r) => (r.limits ? [{ ref: r.ref, ...r.limits }] : [])),
  };
  if (drift.status === 'in-sync') return { mode: 'ignore', reasons: ['in sync'], ruleRefs, ...switches };

  const { mode, reasons } = baseMode(policy, rules);
  if (mode !== 'auto') return { mode, reasons, ruleRefs, ...switches };

  const held = holdReason(policy, rules, o, context.now);
  if (held) {
    const holdReasons = [...reasons, `${held.text}: auto becomes approve`];
    return { mode: 'approve', reasons: holdReasons, ruleRefs, hold: held.hold, ...switches };
  }
  if (!context.remediate) {
    return {
      mode: 'observe',
      reasons: [...reasons, 'remediation is off (run with --remediate): auto becomes observe'],
      ruleRefs,
      ...switches,
    };
  }
  return { mode, reasons, ruleRefs, ...switches };
}

function baseMode(policy: Policy, rules: Rule[]): { mode: RemediationMode; reasons: string[] } {
  if (!policy.present) return { mode: 'auto', reasons: ['no policy files in the repo: --remediate decides'] };
  const withMode = rules.filter((r) => r.mode !== undefined);
  const exceptions = withMode.filter((r) => r.exception);
  const exception = exceptions.at(-1);
  if (exception) {
    return {
      mode: exception.mode as RemediationMode,
      reasons: [`rule ${exception.ref} is an explicit exception: mode ${exception.mode}`],
    };
  }
  if (withMode.length === 0)
    return { mode: policy.defaultMode, reasons: [`no rule sets a mode: default mode ${policy.defaultMode}`] };
  const strictest = withMode.reduce((a, b) =>
    strictness[b.mode as RemediationMode] > strictness[a.mode as RemediationMode] ? b : a,
  );
  const reasons = [`rule ${strictest.ref} matched: mode ${strictest.mode}`];
  const looser = withMode.filter((r) => r !== strictest && r.mode !== strictest.mode);
  if (looser.length) reasons.push(`stricter than ${looser.map((r) => `${r.ref}: ${r.mode}`).join(', ')}`);
  return { mode: strictest.mode as RemediationMode, reasons };
}

/** holdReason says why auto must wait now (policy errors, protected namespace, windows), or undefined. */
function holdReason(
  policy: Policy,
  rules: Rule[],
  o: PolicyObject,
  now: Date,
): { hold: HoldKind; text: string } | undefined {
  // A broken policy file may hold the very rule that would forbid this: fail safe.
  if (policy.broken)
    return { hold: 'policy-errors', text: 'the policy files have errors (run trueup validate)' };
  if (policy.protectedNamespaces.includes(o.namespace)) {
    return { hold: 'protected-namespace', text: `namespace ${o.namespace} is protected` };
  }
  const windows = rules.flatMap((r) => r.windows.map((w) => ({ rule: r, window: w })));
  for (const { rule, window } of windows.filter((x) => x.window.type === 'deny')) {
    const opened = openedAt(window, now);
    if (opened) {
      return {
        hold: 'window',
        text: `deny window of ${rule.ref} is open (${describeWindow(window)}, opened ${opened.toISOString()})`,
      };
    }
  }
  const allows = windows.filter((x) => x.window.type === 'allow');
  if (allows.length > 0 && !allows.some((x) => openedAt(x.window, now))) {
    const list = allows.map((x) => `${x.rule.ref}: ${describeWindow(x.window)}`).join('; ');
    return { hold: 'window', text: `outside every allow window (${list})` };
  }
  return undefined;
}

/** describeWindow renders a window as `'0 2 * * *' for 2h, Europe/Berlin`. */
export function describeWindow(w: { schedule: string; duration: string; timeZone: string }): string {
  return `'${w.schedule}' for ${w.duration}, ${w.timeZone}`;
}
