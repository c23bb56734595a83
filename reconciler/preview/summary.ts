/**
 * The preview's one-line summaries: for the whole fleet ("3 keys in 2 objects on 12 clusters: 2
 * applied at once, 10 wait for approval (rule prod-secrets)") and for a group of clusters. Pure.
 */
import type { Decision } from '../core/decision.ts';
import type { ClusterPreview, Fate, ObjectChange, PreviewApply } from './model.ts';

const holdWords: Record<NonNullable<Decision['hold']>, string> = {
  'policy-errors': 'policy errors',
  'protected-namespace': 'protected namespace',
  window: 'window',
  limit: 'limit',
  wave: 'wave',
};

/**
 * approvalReason names why a change waits for approval: the hold, else the rule whose mode won
 * (the decision's first reason names it: `rule <name> (<file:line>) matched: mode approve`), else
 * the default mode.
 */
export function approvalReason(decision: Decision): string {
  if (decision.hold) return holdWords[decision.hold];
  const decided = decision.reasons[0]?.match(
    /^rule (.+?) \([^()]*\) (?:matched|is an explicit exception): mode /,
  );
  if (decided) return `rule ${decided[1]}`;
  if (decision.reasons[0]?.startsWith('no rule sets a mode')) return 'default mode';
  // ruleRefs are `name (file:line)`: the name is what reviewers know a rule by.
  const names = decision.ruleRefs.map((r) => r.replace(/ \([^)]*\)$/, ''));
  return names.length > 0 ? `rule ${names.join(', rule ')}` : 'default mode';
}

const fateWords: Record<Fate, string> = {
  applied: 'applied at once',
  approval: 'wait for approval',
  observed: 'only reported (observe)',
  refused: 'refused by the dry-run',
  kept: 'left on the cluster (not pruned)',
  pruned: 'deleted (prune)',
};

const fateOrder: Fate[] = ['applied', 'approval', 'observed', 'refused', 'pruned', 'kept'];

/** fatesText counts the head's applies by fate: `2 applied at once, 10 wait for approval (rule x)`. */
export function fatesText(applies: readonly PreviewApply[]): string {
  const parts: string[] = [];
  for (const fate of fateOrder) {
    const these = applies.filter((a) => a.fate === fate);
    if (these.length === 0) continue;
    let text = `${these.length} ${fateWords[fate]}`;
    if (fate === 'approval') {
      const reasons = new Map<string, number>();
      for (const a of these) {
        const reason = approvalReason(a.decision);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
      text +=
        reasons.size === 1
          ? ` (${[...reasons.keys()][0]})`
          : ` (${[...reasons].map(([r, n]) => `${n}: ${r}`).join('; ')})`;
    }
    parts.push(text);
  }
  return parts.join(', ');
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** changeCounts counts distinct keys and objects (kind/namespace/name) across the given changes. */
export function changeCounts(changes: readonly ObjectChange[]): { keys: number; objects: number } {
  const objects = new Set<string>();
  const keys = new Set<string>();
  for (const c of changes) {
    const id = `${c.kind}/${c.namespace}/${c.name}`;
    objects.add(id);
    for (const k of c.keys) keys.add(`${id}\0${k.path}`);
  }
  return { keys: keys.size, objects: objects.size };
}

/** whatText says what the changes are: `3 keys in 2 objects` (and created/deleted objects). */
function whatText(changes: readonly ObjectChange[]): string {
  const { keys, objects } = changeCounts(changes);
  const created = new Set(
    changes.filter((c) => c.change === 'created').map((c) => `${c.kind}/${c.namespace}/${c.name}`),
  );
  const deleted = new Set(
    changes.filter((c) => c.change === 'deleted').map((c) => `${c.kind}/${c.namespace}/${c.name}`),
  );
  const extra = [
    created.size ? `${created.size} created` : '',
    deleted.size ? `${deleted.size} deleted` : '',
  ].filter(Boolean);
  return `${plural(keys, 'key')} in ${plural(objects, 'object')}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

/** headApplies are the applies the head causes (not those of live drift alone). */
function headApplies(clusters: readonly ClusterPreview[]): PreviewApply[] {
  return clusters.flatMap((c) => c.applies.filter((a) => a.cause !== 'drift'));
}

/** tailText adds what else a reader must know: drift overwritten, unreachable clusters. */
function tailText(clusters: readonly ClusterPreview[]): string {
  const drifted = clusters.reduce((n, c) => n + c.drift.length, 0);
  const unreachable = clusters.filter((c) => !c.reachable).length;
  return [
    drifted ? `; also overwrites live drift on ${plural(drifted, 'object')}` : '',
    unreachable ? `; ${plural(unreachable, 'cluster')} unreachable` : '',
  ].join('');
}

/** fleetSummary is the summary line of a preview (errors are added by the caller). */
export function fleetSummary(clusters: readonly ClusterPreview[]): string {
  const changed = clusters.filter((c) => c.changes.length > 0);
  if (changed.length === 0) return `no change on ${plural(clusters.length, 'cluster')}${tailText(clusters)}`;
  const fates = fatesText(headApplies(clusters));
  const what = `${whatText(changed.flatMap((c) => c.changes))} on ${plural(changed.length, 'cluster')}`;
  return `${what}: ${fates || 'nothing to apply (the clusters already hold it)'}${tailText(clusters)}`;
}

/** groupSummary is the line of a group of clusters with identical changes (one cluster's view). */
export function groupSummary(cluster: ClusterPreview): string {
  if (!cluster.reachable) return `unreachable: ${cluster.error ?? 'cannot be read'}`;
  if (cluster.changes.length === 0) return `no change${tailText([cluster])}`;
  const fates = fatesText(headApplies([cluster]));
  return `${whatText(cluster.changes)}: ${fates || 'nothing to apply (already live)'}${tailText([cluster])}`;
}
