/**
 * The offline diagnoser: ranks likely causes from the evidence alone, deterministically — used with
 * no LLM configured, and when the LLM fails, times out or answers nonsense. It only blames a
 * ConfigMap or Secret the alerting workload really uses, and says plainly when it found nothing.
 * Pure.
 */

import { formatObjectRef } from '../reconciler/core/object-ref.ts';
import type { AlertGroup } from './alert.ts';
import type { ConfigEvidence, DiagnosisAnswer, EvidenceBundle, Fix } from './model.ts';

/** RankedCause is one candidate cause with its score (0..1). */
export interface RankedCause {
  score: number;
  summary: string;
  evidence: string[];
  fix?: Fix;
  risk: DiagnosisAnswer['risk'];
}

/** alertNamed marks a ConfigMap or Secret the alert names itself (no workload in between). */
export const alertNamed = 'the alert';

/** recentWindowMs is how long before an alert a change still counts as "shortly before". */
const recentWindowMs = 24 * 60 * 60 * 1000;

/** alertStart is when the group's earliest firing alert started (or now). */
export function alertStart(group: AlertGroup, now: Date): Date {
  const starts = group.alerts
    .filter((a) => a.status === 'firing')
    .map((a) => Date.parse(a.startsAt))
    .filter((t) => Number.isFinite(t));
  return new Date(starts.length ? Math.min(...starts) : now.getTime());
}

/** rankCauses lists candidate causes, most likely first. */
export function rankCauses(group: AlertGroup, bundle: EvidenceBundle, now: Date): RankedCause[] {
  const start = alertStart(group, now).getTime();
  const causes = bundle.configs.flatMap((c) => causesOf(c, start));
  return causes.sort((a, b) => b.score - a.score || a.summary.localeCompare(b.summary));
}

/** heuristicAnswer is the offline diagnosis: the top cause, or an honest "nothing found". */
export function heuristicAnswer(group: AlertGroup, bundle: EvidenceBundle, now: Date): DiagnosisAnswer {
  const [top, ...rest] = rankCauses(group, bundle, now);
  const what = bundle.subjects.map((s) => `${s.kind}/${s.namespace}/${s.name}`).join(', ') || 'the alert';
  if (!top) {
    const checked = bundle.configs.length;
    return {
      summary: `Heuristic: no drift, failed remediation or recent commit found on the ${checked} ConfigMap(s)/Secret(s) used by ${what}; configuration is not implicated.`,
      rootCause:
        'Unknown. trueup found no configuration evidence for this alert; look at the workload itself (image, resources, dependencies).',
      confidence: 0.1,
      evidence: bundle.configs.map((c) => configRef(c)),
      risk: 'low',
    };
  }
  const others = rest.length ? ` Other candidates: ${rest.map((c) => c.summary).join(' | ')}` : '';
  return {
    summary: `Heuristic (offline, no LLM): ${top.summary}`,
    rootCause: `${top.summary}${others}`.slice(0, 4000),
    confidence: top.score,
    evidence: [...new Set([...top.evidence, ...rest.flatMap((c) => c.evidence)])].slice(0, 50),
    ...(top.fix ? { fix: top.fix } : {}),
    risk: top.risk,
  };
}

/** configRef is the evidence reference of a ConfigMap or Secret: `config:cluster/ns/Kind/name`. */
export function configRef(c: { cluster: string; namespace: string; kind: string; name: string }): string {
  return `config:${formatObjectRef(c)}`;
}

/** usedKeys are the data paths the workloads use; undefined means the whole object. */
function usedKeys(c: ConfigEvidence): Set<string> | undefined {
  if (c.usedBy.some((u) => u.keys.length === 0)) return undefined;
  return new Set(c.usedBy.flatMap((u) => u.keys.map((k) => `data.${k}`)));
}

function isUsed(path: string, keys: Set<string> | undefined): boolean {
  if (!keys) return true;
  return keys.has(path) || keys.has(path.replace(/^binaryData\./, 'data.'));
}

/**
 * introducedFile tells whether commit is the first commit of file (it created the file, so it set
 * the value for the first time rather than changing it: not a change to blame).
 */
function introducedFile(c: ConfigEvidence, file: string, commit: string | undefined): boolean {
  const log = c.commits.filter((x) => x.file === file);
  // The log is newest first and capped: only a short log is known to reach the file's first commit.
  return log.length > 0 && log.length < 5 && log[log.length - 1]?.commit === commit;
}

/**
 * isShortlyBefore tells whether a change at t (ms) counts as shortly before an alert that started at
 * start: within the window before it, or up to a minute after (clocks and scrapes lag).
 */
function isShortlyBefore(t: number, start: number): boolean {
  return Number.isFinite(t) && t <= start + 60_000 && start - t <= recentWindowMs;
}

/** Suspect is one ConfigMap or Secret under suspicion, with what every cause says about it. */
interface Suspect {
  c: ConfigEvidence;
  /** start is when the alert started (ms). */
  start: number;
  ref: string;
  name: string;
  workloads: string[];
  usedBy: string;
  keys: Set<string> | undefined;
}

/** causesOf lists what one ConfigMap or Secret may have done to the alert, one candidate per kind of evidence. */
function causesOf(c: ConfigEvidence, start: number): RankedCause[] {
  const workloads = [...new Set(c.usedBy.map((u) => u.workload))].filter((w) => w !== alertNamed);
  const suspect: Suspect = {
    c,
    start,
    ref: configRef(c),
    name: `${c.kind} ${c.namespace}/${c.name} on ${c.cluster}`,
    workloads,
    usedBy: workloads.length ? `used by ${workloads.join(', ')}` : 'named by the alert',
    keys: usedKeys(c),
  };
  return [
    liveDriftCause(suspect),
    restoredDriftCause(suspect),
    failedRemediationCause(suspect),
    recentCommitCause(suspect),
    undeclaredCause(suspect),
  ].filter((cause) => cause !== undefined);
}

/** liveDriftCause: the object drifts from git now (or is missing); strongest when used and recent. */
function liveDriftCause({ c, start, ref, name, usedBy, keys }: Suspect): RankedCause | undefined {
  const drift = c.drift;
  if (!drift || drift.status === 'orphaned') return undefined;
  const paths = drift.changes.map((ch) => ch.path).filter((p) => isUsed(p, keys));
  const relevant = drift.status === 'missing' || paths.length > 0;
  const by = drift.driftedBy[0];
  const before = isShortlyBefore(by?.time ? Date.parse(by.time) : Number.NaN, start);
  const what =
    drift.status === 'missing'
      ? 'is missing from the cluster'
      : `drifted from git: ${(paths.length ? paths : drift.changes.map((ch) => ch.path)).join(', ')}`;
  const who = by ? ` (by ${by.manager}${by.time ? ` at ${by.time}` : ''})` : '';
  return {
    score: relevant ? (before ? 0.9 : 0.75) : 0.3,
    summary: `${name} ${what}${who}${before ? ', shortly before the alert' : ''}; ${usedBy}.`,
    evidence: [ref, ...paths.map((p) => `${ref}#${p}`)],
    fix: {
      type: 'revert-drift',
      target: formatObjectRef(c),
      description: 'restore the values declared in git (server-side apply after a dry-run)',
    },
    risk: 'low',
  };
}

/** restoredDriftCause: drifted shortly before the alert and already put back (pods may still run with the bad value). */
function restoredDriftCause({
  c,
  start,
  ref,
  name,
  workloads,
  usedBy,
  keys,
}: Suspect): RankedCause | undefined {
  if (c.drift) return undefined;
  const recorded = c.drifts.find(
    (d) =>
      d.status !== 'in-sync' &&
      d.paths.some((p) => isUsed(p, keys)) &&
      isShortlyBefore(Date.parse(d.time), start),
  );
  if (!recorded) return undefined;
  const paths = recorded.paths.filter((p) => isUsed(p, keys));
  return {
    score: 0.5,
    summary: `${name} drifted from git (${paths.join(', ')}) at ${recorded.time}, before the alert, and is in sync again; ${usedBy}: pods may still run with the drifted value.`,
    evidence: [ref, `drift:${recorded.id}`],
    fix: {
      type: 'manual',
      steps: [
        `restart the pods that read it${workloads.length ? ` (${workloads.join(', ')})` : ''} so they read the restored values`,
      ],
      description: '',
    },
    risk: 'low',
  };
}

/** failedRemediationCause: the latest recent remediation of the object that failed. */
function failedRemediationCause({ c, start, ref, name }: Suspect): RankedCause | undefined {
  const r = c.remediations.find((r) => r.entry.error && start - Date.parse(r.time) <= recentWindowMs);
  if (!r) return undefined;
  return {
    score: 0.7,
    summary: `remediation of ${name} failed at ${r.time}: ${r.entry.error}`,
    evidence: [ref, `remediation:${r.id}`],
    fix: {
      type: 'manual',
      steps: [`fix the cause of: ${r.entry.error}`, 'then let trueup remediate again'],
      description: '',
    },
    risk: 'medium',
  };
}

/** recentCommitCause: a commit changed used keys shortly before the alert (not the one that created the file). */
function recentCommitCause({ c, start, ref, name, usedBy, keys }: Suspect): RankedCause | undefined {
  const recent = Object.entries(c.provenance).filter(
    ([path, o]) =>
      isUsed(path, keys) &&
      isShortlyBefore(o.time ? Date.parse(o.time) : Number.NaN, start) &&
      !introducedFile(c, o.file, o.commit),
  );
  if (recent.length === 0) return undefined;
  const [, origin] = recent[0] as [string, ConfigEvidence['provenance'][string]];
  return {
    score: 0.6,
    summary: `commit ${origin.commit?.slice(0, 12)} (${origin.summary ?? ''}, ${origin.author ?? ''}, ${origin.time}) changed ${recent.map(([p]) => p).join(', ')} of ${name} in ${origin.file} shortly before the alert; ${usedBy}.`,
    evidence: recent.map(([p, o]) => `${ref}#${p}@${o.commit?.slice(0, 12)}`),
    fix: {
      type: 'manual',
      steps: [
        `review commit ${origin.commit?.slice(0, 12)} in ${origin.file}`,
        'revert it in the fleet repo if it is the cause',
      ],
      description: '',
    },
    risk: 'medium',
  };
}

/** undeclaredCause: a workload needs the object (not optionally), it does not exist and git does not declare it. */
function undeclaredCause({ c, ref, name, usedBy }: Suspect): RankedCause | undefined {
  const optional = c.usedBy.length > 0 && c.usedBy.every((u) => u.optional);
  if (c.managed || c.liveError !== 'not found' || optional) return undefined;
  return {
    score: 0.5,
    summary: `${name} is ${usedBy} but does not exist, and the fleet repo does not declare it.`,
    evidence: [ref],
    fix: {
      type: 'manual',
      steps: [`create ${c.kind} ${c.namespace}/${c.name}, or declare it in the fleet repo`],
      description: '',
    },
    risk: 'medium',
  };
}
