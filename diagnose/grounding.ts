/**
 * Grounding of a model's answer in the evidence: every cause must cite evidence ids present in the
 * bundle, a fix may only touch objects in the evidence or declared by the fleet repo, and a cause
 * that contradicts the deterministic one (blames an object where the evidence shows no change
 * before the alert, or blames nothing where it shows one) cannot outrank it. An answer that fails
 * is kept, with its reasons, below the fold (`Diagnosis.unsupported`). Pure.
 */
import { formatObjectRef, parseObjectRef } from '../reconciler/core/object-ref.ts';
import { blameThreshold, type RankedCause } from './heuristic.ts';
import type { DiagnosisAnswer, EvidenceBundle } from './model.ts';

/** evidenceIds are the ids an answer may cite: configs, recorded drifts and remediations, commits, workloads. */
export function evidenceIds(bundle: EvidenceBundle): Set<string> {
  const ids = new Set<string>();
  for (const c of bundle.configs) {
    ids.add(`config:${formatObjectRef(c)}`);
    for (const d of c.drifts) ids.add(`drift:${d.id}`);
    for (const r of c.remediations) ids.add(`remediation:${r.id}`);
    for (const k of c.commits) ids.add(`commit:${k.commit.slice(0, 12)}`);
    for (const o of Object.values(c.provenance)) if (o.commit) ids.add(`commit:${o.commit.slice(0, 12)}`);
  }
  for (const w of bundle.workloads) ids.add(`workload:${formatObjectRef(w.subject)}`);
  return ids;
}

/** baseId is an evidence reference without its key (`#data.KEY`) and commit (`@abc`) parts. */
export function baseId(ref: string): string {
  return ref.split(/[#@]/)[0] ?? ref;
}

/** blamedBy is the object an answer blames: its fix's target, else its first config reference. */
export function blamedBy(answer: DiagnosisAnswer): string | undefined {
  if (answer.confidence < blameThreshold) return undefined;
  if (answer.fix && 'target' in answer.fix) return answer.fix.target;
  const ref = answer.evidence.find((e) => e.startsWith('config:'));
  return ref ? baseId(ref).slice('config:'.length) : undefined;
}

/** Grounding says whether an answer is supported by the evidence, and why not. */
export type Grounding = { ok: true } | { ok: false; reasons: string[] };

/** GroundingContext is what an answer is checked against besides the bundle. */
export interface GroundingContext {
  /** causes are the deterministic causes before the alert, most likely first. */
  causes: RankedCause[];
  /** isDeclared tells whether the fleet repo declares an object (`cluster/namespace/Kind/name`). */
  isDeclared(target: string): boolean;
}

/** groundAnswer checks a model's answer against the evidence bundle and the deterministic causes. */
export function groundAnswer(
  answer: DiagnosisAnswer,
  bundle: EvidenceBundle,
  ctx: GroundingContext,
): Grounding {
  const ids = evidenceIds(bundle);
  const reasons: string[] = [];
  const blamed = blamedBy(answer);
  const cited = answer.evidence.filter((e) => ids.has(baseId(e)));
  const foreign = answer.evidence.filter((e) => !ids.has(baseId(e)));
  // An honest "nothing found" needs no citation; a cause does.
  if (blamed !== undefined && cited.length === 0)
    reasons.push(
      `cites no evidence id present in the bundle${foreign.length ? ` (cited: ${foreign.slice(0, 5).join(', ')})` : ''}`,
    );
  const inEvidence = (target: string) => ids.has(`config:${target}`);
  if (answer.fix && 'target' in answer.fix) {
    const parsed = parseObjectRef(answer.fix.target);
    const target = parsed.ok ? formatObjectRef(parsed.ref) : answer.fix.target;
    if (!inEvidence(target) && !ctx.isDeclared(target))
      reasons.push(
        `its fix targets ${answer.fix.target}, which is neither in the evidence nor declared by the fleet repo`,
      );
  }
  if (answer.fix?.type === 'repo-change') {
    const files = new Set(bundle.configs.flatMap((c) => Object.values(c.provenance).map((o) => o.file)));
    if (!files.has(answer.fix.file))
      reasons.push(`its repo change is to ${answer.fix.file}, which declares nothing in the evidence`);
  }
  const top = ctx.causes.find((c) => c.score >= blameThreshold);
  const supported = (target: string) =>
    ctx.causes.some((c) => c.target === target && c.score >= blameThreshold);
  if (top && blamed !== undefined && blamed !== top.target && !supported(blamed))
    reasons.push(
      `it contradicts the evidence: it blames ${blamed}, where the evidence shows no change before the alert, over ${top.target} (${top.kind}, score ${top.score})`,
    );
  if (top && blamed === undefined && top.score >= 0.7)
    reasons.push(
      `it contradicts the evidence: it blames nothing, while ${top.target} shows a ${top.kind} before the alert (score ${top.score})`,
    );
  return reasons.length ? { ok: false, reasons } : { ok: true };
}
