/**
 * The offline diagnoser: ranks likely causes from the evidence alone, deterministically — used with
 * no LLM configured, and when the LLM fails, times out or answers nonsense. It reads what happened
 * to each ConfigMap or Secret the alerting workloads use (`findings.ts`), puts it in time order
 * against the alert (anything after the alert started is never a cause, only listed "after the
 * alert") and scores it with the table of `scoring-rules.ts`. It says plainly when it found
 * nothing. Pure.
 */

import { formatObjectRef } from '../reconciler/core/object-ref.ts';
import type { AlertGroup } from './alert.ts';
import {
  alertNamed,
  configRef,
  type Finding,
  type FindingKind,
  findingsOf,
  isReferenced,
  usedByText,
} from './findings.ts';
import type { DiagnosisAnswer, EvidenceBundle, Fix } from './model.ts';
import { isAfterAlert, scoreFacts } from './scoring-rules.ts';

export { alertNamed, configRef };

/** RankedCause is one candidate cause with its score (0..1) and the reasons of the rules that gave it. */
export interface RankedCause {
  score: number;
  summary: string;
  evidence: string[];
  fix?: Fix;
  risk: DiagnosisAnswer['risk'];
  kind: FindingKind;
  /** target is the ConfigMap or Secret, `cluster/namespace/Kind/name`. */
  target: string;
  reasons: string[];
  /** at is when it happened (ISO), when known. */
  at?: string;
}

/** blameThreshold: a cause below this score is not blamed (listed as a weak candidate only). */
export const blameThreshold = 0.3;

/** alertStart is when the group's earliest firing alert started (or now). */
export function alertStart(group: AlertGroup, now: Date): Date {
  const starts = group.alerts
    .filter((a) => a.status === 'firing')
    .map((a) => Date.parse(a.startsAt))
    .filter((t) => Number.isFinite(t));
  return new Date(starts.length ? Math.min(...starts) : now.getTime());
}

/** TimeOrdered are the findings before the alert, scored, and those after it (never causes). */
export interface TimeOrdered {
  causes: RankedCause[];
  /** afterAlert says what changed after the alert started, one line each. */
  afterAlert: string[];
}

/** orderFindings places every finding of the bundle against the alert's start and scores those before it. */
export function orderFindings(group: AlertGroup, bundle: EvidenceBundle, now: Date): TimeOrdered {
  const start = alertStart(group, now).getTime();
  const causes: RankedCause[] = [];
  const afterAlert: string[] = [];
  for (const f of bundle.configs.flatMap((c) => findingsOf(c))) {
    if (isAfterAlert(f.at, start)) {
      afterAlert.push(
        `${f.what} at ${new Date(f.at).toISOString()} (${f.timeSource}), after the alert started at ${new Date(start).toISOString()}: not a cause`,
      );
      continue;
    }
    const cause = causeOf(f, start);
    if (cause.score > 0) causes.push(cause);
  }
  causes.sort((a, b) => b.score - a.score || a.summary.localeCompare(b.summary));
  return { causes, afterAlert };
}

function causeOf(f: Finding, start: number): RankedCause {
  const { score, reasons } = scoreFacts({
    kind: f.kind,
    touchesUsedKey: f.touchesUsedKey,
    referenced: isReferenced(f.config),
    sinceMs: Number.isFinite(f.at) ? Math.max(0, start - f.at) : Number.NaN,
    timeSource: f.timeSource,
  });
  const when = Number.isFinite(f.at) && start - f.at <= 60 * 60 * 1000 ? ', shortly before the alert' : '';
  return {
    score,
    summary: `${f.what}${when}; ${usedByText(f.config)}.`,
    evidence: f.evidence,
    ...(f.fix ? { fix: f.fix } : {}),
    risk: f.risk,
    kind: f.kind,
    target: formatObjectRef(f.config),
    reasons,
    ...(Number.isFinite(f.at) ? { at: new Date(f.at).toISOString() } : {}),
  };
}

/** rankCauses lists candidate causes before the alert, most likely first. */
export function rankCauses(group: AlertGroup, bundle: EvidenceBundle, now: Date): RankedCause[] {
  return orderFindings(group, bundle, now).causes;
}

/** heuristicAnswer is the offline diagnosis: the top cause, or an honest "nothing found". */
export function heuristicAnswer(group: AlertGroup, bundle: EvidenceBundle, now: Date): DiagnosisAnswer {
  const { causes, afterAlert } = orderFindings(group, bundle, now);
  const blamed = causes.filter((c) => c.score >= blameThreshold);
  const [top, ...rest] = blamed;
  const after = afterAlert.length ? ` After the alert (not causes): ${afterAlert.join(' | ')}` : '';
  const what = bundle.subjects.map((s) => `${s.kind}/${s.namespace}/${s.name}`).join(', ') || 'the alert';
  if (!top) {
    const checked = bundle.configs.length;
    // An unknown cluster, a missing namespace label: why nothing was looked at is part of the answer.
    const unknown = bundle.notes.filter((n) => /is not in the fleet|has no namespace label/.test(n));
    const why = unknown.length ? ` ${unknown.join('; ')}.` : '';
    const weak = causes.length
      ? ` Weak candidates: ${causes.map((c) => `${c.summary} (${c.reasons.join('; ')})`).join(' | ')}`
      : '';
    return {
      summary: `Heuristic: no drift, failed or held remediation or recent commit found before the alert on the ${checked} ConfigMap(s)/Secret(s) used by ${what}; configuration is not implicated.${why}`,
      rootCause:
        `Unknown. trueup found no configuration evidence for this alert; look at the workload itself (image, resources, dependencies).${weak}${after}`.slice(
          0,
          4000,
        ),
      confidence: 0.1,
      evidence: bundle.configs.map((c) => configRef(c)),
      risk: 'low',
    };
  }
  const others = rest.length ? ` Other candidates: ${rest.map((c) => c.summary).join(' | ')}` : '';
  return {
    summary: `Heuristic (offline, no LLM): ${top.summary}`,
    rootCause: `${top.summary} Why: ${top.reasons.join('; ')}.${others}${after}`.slice(0, 4000),
    confidence: top.score,
    evidence: [...new Set([...top.evidence, ...rest.flatMap((c) => c.evidence)])].slice(0, 50),
    ...(top.fix ? { fix: top.fix } : {}),
    risk: top.risk,
  };
}
