/**
 * `explain`: every rule in evaluation order, whether it matches the object (and if not, why not),
 * the windows, limits and canary waves that apply, and the resulting decision. Pure.
 */
import { matchesAny } from '../reconciler/core/glob.ts';
import { matchesSelector } from '../reconciler/core/selector.ts';
import { decide, describeWindow, ignoreSpecOf, type PolicyDecision, type PolicyObject } from './engine.ts';
import type { Policy, Rule } from './policy-file.ts';
import { describeWave, type WaveCluster, type WaveSpec, waveOf } from './waves.ts';
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
  /** waves: the rule's canary waves, the clusters holding the object in each, and the object's wave. */
  waves?: WavesExplanation;
}

/** WavesExplanation places the object's cluster among a rule's canary waves. */
export interface WavesExplanation {
  settle: string;
  /** wave is the object's cluster's wave, 1-based. */
  wave: number;
  list: { wave: number; selects: string; clusters: string[] }[];
}

/**
 * explainWaves lists a rule's waves with the clusters (of those holding the object) in each; a
 * last, implicit wave holds the clusters no wave selects, when there are any.
 */
export function explainWaves(
  waves: readonly WaveSpec[],
  settle: string | undefined,
  cluster: WaveCluster,
  holding: readonly WaveCluster[],
): WavesExplanation {
  const all = holding.some((c) => c.name === cluster.name) ? holding : [cluster, ...holding];
  const list = waves.map((w, i) => ({
    wave: i + 1,
    selects: describeWave(w),
    clusters: all.filter((c) => waveOf(waves, c) === i).map((c) => c.name),
  }));
  const rest = all.filter((c) => waveOf(waves, c) === waves.length).map((c) => c.name);
  if (rest.length) list.push({ wave: waves.length + 1, selects: 'clusters no wave selects', clusters: rest });
  return { settle: settle ?? '0s', wave: waveOf(waves, cluster) + 1, list };
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

/**
 * explainDecision explains the decision for a drifted object at a given time; holding lists the
 * fleet's clusters that hold the object (for waves).
 */
export function explainDecision(
  policy: Policy,
  o: PolicyObject,
  now: Date,
  remediate = true,
  holding: readonly WaveCluster[] = [],
): Explanation {
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
      ...(rule.limits?.waves
        ? { waves: explainWaves(rule.limits.waves, rule.limits.settle, o.cluster, holding) }
        : {}),
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
