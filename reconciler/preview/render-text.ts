/**
 * The preview as text, for a terminal: the summary, then each group of identical clusters once,
 * with its object changes, its applies (decision, dry-run) and the live drift the merge would also
 * overwrite; then the errors and conflicts the head introduces. Pure.
 */
import { formatRepoError } from '../core/model.ts';
import type { ClusterPreview, KeyChange, PreviewApply, PreviewReport } from './model.ts';
import { approvalReason } from './summary.ts';

/** shownValue renders a value short and on one line (Secret values are digests already). */
export function shownValue(value: string | undefined, max = 60): string {
  if (value === undefined) return '';
  const json = JSON.stringify(value);
  return json.length > max ? `${json.slice(0, max - 2)}…"` : json;
}

/** keyLine says what the head does to one key: `data.color: "blue" -> "green"`. */
export function keyLine(k: KeyChange): string {
  if (k.type === 'added') return `+ ${k.path}: ${shownValue(k.head)}`;
  if (k.type === 'removed') return `- ${k.path}: ${shownValue(k.base)}`;
  return `~ ${k.path}: ${shownValue(k.base)} -> ${shownValue(k.head)}`;
}

/** fateLine says what applying does and why: `configured, dry-run passed: applied at once (auto)`. */
export function fateLine(a: PreviewApply): string {
  const what: Record<PreviewApply['fate'], string> = {
    applied: 'applied at once',
    approval: `waits for approval (${approvalReason(a.decision)})`,
    observed: `only reported (${a.decision.mode})`,
    refused: 'refused by the dry-run',
    kept: 'left on the cluster (not pruned)',
    pruned: 'deleted (prune)',
  };
  const dryRun = a.dryRun === 'not-run' ? 'no dry-run' : `dry-run ${a.dryRun}`;
  return `${a.action}, ${dryRun}: ${what[a.fate]}`;
}

function clusterText(c: ClusterPreview): string[] {
  const lines: string[] = [];
  if (!c.reachable) return [`  unreachable: ${c.error ?? 'cannot be read'}`];
  for (const change of c.changes) {
    lines.push(`  ${change.kind} ${change.namespace}/${change.name}: ${change.change}`);
    for (const k of change.keys) lines.push(`    ${keyLine(k)}`);
    const apply = c.applies.find(
      (a) => a.kind === change.kind && a.namespace === change.namespace && a.name === change.name,
    );
    if (!apply) {
      lines.push('    apply: nothing (the cluster already holds it)');
      continue;
    }
    lines.push(`    apply: ${fateLine(apply)}`);
    lines.push(`      decision: ${apply.decision.mode} — ${apply.decision.reasons.join('; ')}`);
    if (apply.baseDecision)
      lines.push(
        `      under the base's policies: ${apply.baseDecision.mode} — ${apply.baseDecision.reasons.join('; ')}`,
      );
    if (apply.error) lines.push(`      ${apply.error}${apply.failure ? ` [${apply.failure.code}]` : ''}`);
    if (apply.fate === 'kept') lines.push(`      ${apply.reasons.join('; ')}`);
    const drift = c.drift.find(
      (d) => d.kind === change.kind && d.namespace === change.namespace && d.name === change.name,
    );
    if (drift) {
      lines.push('    already differs live (the apply overwrites it too):');
      if (drift.status === 'missing') lines.push('      missing on the cluster');
      for (const f of drift.changes)
        lines.push(`      ${f.path}: live ${shownValue(f.live)}, repo ${shownValue(f.desired)}`);
    }
  }
  return lines;
}

/** renderPreviewText renders the whole preview for a terminal. */
export function renderPreviewText(r: PreviewReport): string {
  const lines = [
    `preview: base ${r.base.ref} (${r.base.revision.slice(0, 12)}) -> head ${r.head.ref} (${r.head.revision.slice(0, 12)})`,
    r.summary,
  ];
  if (r.policies.note) lines.push(`policies: ${r.policies.note}`);
  for (const g of r.groups) {
    const first = r.clusters.find((c) => c.name === g.clusters[0]) as ClusterPreview;
    lines.push('', `${g.clusters.join(', ')} (${g.clusters.length}): ${g.summary}`, ...clusterText(first));
  }
  if (r.errors.length)
    lines.push('', 'repo errors the head introduces:', ...r.errors.map((e) => `  ${formatRepoError(e)}`));
  if (r.baseErrors.length)
    lines.push('', 'repo errors the base has too:', ...r.baseErrors.map((e) => `  ${formatRepoError(e)}`));
  if (r.conflicts.length) {
    lines.push('', 'conflicts the head introduces:');
    for (const c of r.conflicts)
      lines.push(
        `  ${c.cluster}/${c.namespace}/${c.kind}/${c.name} ${c.path}: ${c.winner.file}:${c.winner.line} (${c.winner.target}) overrides ${c.overridden.map((o) => `${o.file}:${o.line} (${o.target})`).join(', ')}`,
      );
  }
  return `${lines.join('\n')}\n`;
}
