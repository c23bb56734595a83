/**
 * Chat messages about incidents: the thread's first message (posted once per incident), the
 * replies that follow it (diagnosis with its validated fix, alerts joining, resolution), and the
 * answer to `/trueup incident <id>`. Pure. Alert labels and annotations are untrusted text: all of
 * it is escaped; LLM-written text is too.
 */
import { topCauseFacts } from '../../diagnose/cause-facts.ts';
import type { Incident } from '../../diagnose/incident.ts';
import type { Diagnosis, Fix } from '../../diagnose/model.ts';
import { type ChatMessage, type ConsoleLinks, code, esc } from './blocks.ts';

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function alertName(incident: Incident): string {
  return incident.commonLabels.alertname ?? incident.groupLabels.alertname ?? 'alert';
}

function firing(incident: Incident): number {
  return incident.alerts.filter((a) => a.status === 'firing').length;
}

function where(incident: Incident, clusterLabel: string): string {
  const parts = [clusterLabel, 'namespace', 'pod', 'deployment', 'statefulset', 'configmap', 'secret']
    .map((k) =>
      incident.commonLabels[k] ? `${k} ${code(incident.commonLabels[k] as string, 60)}` : undefined,
    )
    .filter((x): x is string => x !== undefined);
  return parts.join(' · ');
}

function open(links: ConsoleLinks, id: string): Pick<ChatMessage, 'open'> {
  const url = links.incident(id);
  return url ? { open: { url, label: 'Open incident' } } : {};
}

/** renderIncidentRoot is an incident thread's first message. */
export function renderIncidentRoot(
  incident: Incident,
  links: ConsoleLinks,
  clusterLabel: string,
): ChatMessage {
  const state = incident.status === 'firing' ? ':rotating_light: firing' : ':white_check_mark: resolved';
  const summary = incident.commonAnnotations.summary ?? incident.commonAnnotations.description;
  return {
    text: `Incident ${incident.id} ${incident.status}: ${alertName(incident)}`,
    title: `Incident ${incident.id}: ${alertName(incident)}`,
    sections: [
      `${state} · ${firing(incident)} of ${incident.alerts.length} alert(s) firing${incident.commonLabels.severity ? ` · severity ${code(incident.commonLabels.severity, 20)}` : ''}`,
      ...(summary ? [esc(cut(summary, 600))] : []),
    ],
    context: [
      where(incident, clusterLabel) || 'no cluster or object named by the alert',
      `Opened ${esc(incident.opened)}${incident.resolved ? ` · resolved ${esc(incident.resolved)}` : ''}`,
    ],
    ...open(links, incident.id),
  };
}

function fixText(fix: Fix): string {
  if (fix.type === 'manual') return fix.steps.map((s) => `• ${esc(cut(s, 300))}`).join('\n');
  if (fix.type === 'repo-change') return `change ${code(fix.file)} in the repo (a proposal, never applied)`;
  if (fix.type === 'apply-git-revision')
    return `apply ${code(fix.target)} at ${code(fix.revision.slice(0, 12))}`;
  return `restore git's values on ${code(fix.target, 120)}`;
}

function diagnosisSections(d: Diagnosis): string[] {
  const { answer } = d;
  const source =
    d.source === 'llm'
      ? `LLM ${esc(d.model ?? '')}`.trim()
      : `offline heuristic${d.fallbackReason ? ` (${esc(cut(d.fallbackReason, 120))})` : ''}`;
  const sections = [
    `*Diagnosis* by ${source} · confidence ${answer.confidence.toFixed(2)} · risk ${esc(answer.risk)}\n${esc(cut(answer.summary, 800))}`,
    `*Root cause*\n${esc(cut(answer.rootCause, 1500))}`,
  ];
  if (answer.fix) {
    const v = d.validation;
    const verdict = v
      ? `\n_${esc(v.status)}_${v.reasons.length ? `: ${esc(cut(v.reasons.join('; '), 600))}` : ''}${v.applied ? ' · applied' : ''}${v.approval ? ` · approval *${esc(v.approval)}*` : ''}`
      : '';
    sections.push(`*Proposed fix* (${esc(answer.fix.type)})\n${fixText(answer.fix)}${verdict}`);
  } else {
    sections.push('_No fix proposed._');
  }
  if (d.unsupported?.length)
    sections.push(
      `_Model answer not shown: ${esc(cut(d.unsupported.map((u) => u.reasons.join('; ')).join(' | '), 600))}_`,
    );
  return sections;
}

/**
 * causeSection names the top cause by its identifiers: the object, its resourceVersion, the git
 * commit, who changed it and the UIDs of the pods that use it (what the seed's incident message
 * carried). Empty when nothing is blamed.
 */
export function causeSection(incident: Incident): string[] {
  const facts = topCauseFacts(incident);
  if (!facts) return [];
  const users = facts.users.map((u) => (u === null ? 'user unknown' : esc(u)));
  const parts = [
    esc(facts.object),
    ...(facts.resourceVersion ? [`resourceVersion ${code(facts.resourceVersion, 40)}`] : []),
    ...(facts.commit ? [`git ${code(facts.commit.slice(0, 12))}`] : []),
    ...(users.length ? [`changed by ${users.join(', ')}`] : []),
    ...facts.pods.map((p) => `pod ${code(p.name, 80)} uid ${code(p.uid, 40)}`),
  ];
  return [`*Top cause* ${parts.join(' · ')}`];
}

/** injectionSection flags instruction-like text in the alert or the evidence (never followed). */
function injectionSection(incident: Incident): string[] {
  const list = incident.evidence?.injections ?? [];
  if (list.length === 0) return [];
  const where = list.map((i) => esc(cut(i.where, 120))).join('; ');
  return [
    `:warning: *Possible prompt injection*: instruction-like text in ${where} (treated as data, never followed)`,
  ];
}

/** renderDiagnosis is the thread reply with the diagnosis and its validated fix (buttons when held). */
export function renderDiagnosis(incident: Incident, links: ConsoleLinks): ChatMessage {
  if (incident.investigation === 'failed' || !incident.diagnosis)
    return {
      text: `Incident ${incident.id}: investigation ${incident.investigation}`,
      sections: [
        `:warning: The investigation ${esc(incident.investigation)}${incident.error ? `: ${esc(cut(incident.error, 500))}` : ''}`,
      ],
      ...open(links, incident.id),
    };
  const d = incident.diagnosis;
  const approval = d.validation?.approval;
  return {
    text: `Incident ${incident.id}: ${cut(d.answer.summary, 200)}`,
    sections: [...injectionSection(incident), ...diagnosisSections(d), ...causeSection(incident)],
    ...(approval && !d.validation?.applied ? { approval } : {}),
    ...open(links, incident.id),
  };
}

/** renderIncidentChange is the thread reply for alerts joining or the incident resolving. */
export function renderIncidentChange(incident: Incident, change: 'updated' | 'resolved'): ChatMessage {
  if (change === 'resolved')
    return {
      text: `Incident ${incident.id} resolved`,
      sections: [
        `:white_check_mark: Resolved at ${esc(incident.resolved ?? incident.updated)}: every alert of the group stopped firing.`,
      ],
    };
  return {
    text: `Incident ${incident.id}: ${firing(incident)} alert(s) firing`,
    sections: [`${firing(incident)} of ${incident.alerts.length} alert(s) now firing; investigating again.`],
  };
}

/** renderIncident answers `/trueup incident <id>`. */
export function renderIncident(incident: Incident, links: ConsoleLinks, clusterLabel: string): ChatMessage {
  const root = renderIncidentRoot(incident, links, clusterLabel);
  const sections = [...root.sections];
  sections.push(...injectionSection(incident));
  if (incident.diagnosis) sections.push(...diagnosisSections(incident.diagnosis), ...causeSection(incident));
  else
    sections.push(
      `_Investigation ${esc(incident.investigation)}${incident.error ? `: ${esc(cut(incident.error, 300))}` : ''}_`,
    );
  const approval = incident.diagnosis?.validation?.approval;
  return {
    ...root,
    sections,
    ...(approval && !incident.diagnosis?.validation?.applied ? { approval } : {}),
  };
}
