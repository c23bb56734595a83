/** Text rendering of an investigation for the terminal (`trueup diagnose`). */
import type { Investigation } from '../diagnose/investigate.ts';

/** renderInvestigation renders evidence highlights and the diagnosis. */
export function renderInvestigation({ evidence, diagnosis }: Investigation): string {
  const lines: string[] = [];
  const { answer } = diagnosis;
  const source =
    diagnosis.source === 'llm'
      ? `LLM ${diagnosis.model ?? ''}`.trim()
      : `heuristic (offline)${diagnosis.fallbackReason ? `: ${diagnosis.fallbackReason}` : ''}`;
  lines.push(`Diagnosis by ${source}, confidence ${answer.confidence.toFixed(2)}, risk ${answer.risk}`);
  lines.push(`  ${answer.summary}`, '', 'Root cause:', `  ${answer.rootCause}`);
  if (answer.fix) {
    const fix = answer.fix;
    const what =
      fix.type === 'manual'
        ? fix.steps.join('; ')
        : fix.type === 'repo-change'
          ? `${fix.file}:\n${fix.patch}`
          : fix.type === 'apply-git-revision'
            ? `${fix.target} at ${fix.revision}`
            : fix.target;
    lines.push('', `Proposed fix (${fix.type}): ${what}`);
    if (diagnosis.validation) {
      lines.push(`  ${diagnosis.validation.status}: ${diagnosis.validation.reasons.join('; ')}`);
      if (diagnosis.validation.approval)
        lines.push(`  approve with: trueup approve ${diagnosis.validation.approval}`);
    }
  } else {
    lines.push('', 'No fix proposed.');
  }
  lines.push('', `Evidence (revision ${evidence.revision?.slice(0, 12) ?? 'none'}):`);
  for (const s of evidence.subjects)
    lines.push(`  alert names ${s.kind} ${s.cluster}/${s.namespace}/${s.name}`);
  for (const w of evidence.workloads) {
    for (const p of w.pods) {
      const c = p.containers.map(
        (c) => `${c.name}: restarts ${c.restarts}${c.waiting ? `, ${c.waiting.reason}` : ''}`,
      );
      lines.push(`  pod ${p.namespace}/${p.name} ${p.phase} (${c.join('; ')})`);
    }
  }
  for (const c of evidence.configs) {
    const drift = c.drift
      ? `${c.drift.status}: ${c.drift.changes.map((ch) => ch.path).join(', ')}`
      : 'in sync';
    lines.push(
      `  ${c.kind} ${c.cluster}/${c.namespace}/${c.name}: ${c.managed ? drift : 'not in the fleet repo'}`,
    );
  }
  for (const n of evidence.notes) lines.push(`  note: ${n}`);
  if (answer.evidence.length) lines.push('', 'References:', ...answer.evidence.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}
