/**
 * Findings: what happened to one ConfigMap or Secret, read from its evidence, one finding per kind
 * of event (a live drift, a deletion, a drift already put back, a failed or held remediation, a
 * commit trueup rolled out, a commit not rolled out yet, a needed object nobody declared), each
 * with when it happened and how that time is known. The offline diagnoser scores them with the
 * rules of `scoring-rules.ts` and orders them against the alert's start. Pure.
 */
import { describeWriter } from '../reconciler/audit/attribution.ts';
import { formatObjectRef } from '../reconciler/core/object-ref.ts';
import type { RemediationRecord } from '../reconciler/store/store.ts';
import type { ConfigEvidence, DiagnosisAnswer, Fix } from './model.ts';

/** alertNamed marks a ConfigMap or Secret the alert names itself (no workload in between). */
export const alertNamed = 'the alert';

/**
 * inNamespace marks a managed ConfigMap or Secret with recent activity in the namespace of an
 * alert that names nothing narrower; none of the alert's workloads references it.
 */
export const inNamespace = "the alert's namespace";

/** FindingKind is the kind of event a finding is about. */
export type FindingKind =
  | 'live-drift'
  | 'missing'
  | 'pending-rollout'
  | 'restored-drift'
  | 'failed-remediation'
  | 'held-remediation'
  | 'commit-rollout'
  | 'undeclared';

/**
 * TimeSource says how a finding's time is known: trueup's own detection or remediation time from
 * the audit store (milliseconds), a managedFields time (whole seconds, the earliest instant of
 * that second), a commit's author time, or not at all.
 */
export type TimeSource = 'audit' | 'managedFields' | 'commit' | 'unknown';

/** Finding is one event about one ConfigMap or Secret. */
export interface Finding {
  kind: FindingKind;
  config: ConfigEvidence;
  /** what says what happened, without a verdict (the score's reasons say why it matters). */
  what: string;
  /** paths are the data paths it changed (empty: the whole object, or unknown). */
  paths: string[];
  /** touchesUsedKey: what the alerting workloads read changed (a key they use, or the object they need). */
  touchesUsedKey: boolean;
  /** at is when it happened (ms since the epoch): the earliest evidence of it; NaN when unknown. */
  at: number;
  timeSource: TimeSource;
  evidence: string[];
  fix?: Fix;
  risk: DiagnosisAnswer['risk'];
}

/** configRef is the evidence reference of a ConfigMap or Secret: `config:cluster/ns/Kind/name`. */
export function configRef(c: { cluster: string; namespace: string; kind: string; name: string }): string {
  return `config:${formatObjectRef(c)}`;
}

/** usedKeys are the data paths the workloads use; undefined means the whole object. */
export function usedKeys(c: ConfigEvidence): Set<string> | undefined {
  if (c.usedBy.length === 0 || c.usedBy.some((u) => u.keys.length === 0)) return undefined;
  return new Set(c.usedBy.flatMap((u) => u.keys.map((k) => `data.${k}`)));
}

function isUsed(path: string, keys: Set<string> | undefined): boolean {
  if (!keys) return path.startsWith('data.') || path.startsWith('binaryData.') || path === 'immutable';
  return keys.has(path) || keys.has(path.replace(/^binaryData\./, 'data.'));
}

/** earliest is the earliest of the known times, with its source (audit first on a tie). */
function earliest(...times: [number, TimeSource][]): [number, TimeSource] {
  const known = times.filter(([t]) => Number.isFinite(t));
  if (known.length === 0) return [Number.NaN, 'unknown'];
  return known.reduce((a, b) => (b[0] < a[0] ? b : a));
}

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : Number.NaN);

/** nameOf names the object for people: `ConfigMap ns/name on cluster`. */
export function nameOf(c: ConfigEvidence): string {
  return `${c.kind} ${c.namespace}/${c.name} on ${c.cluster}`;
}

/** lastGoodRemediation is when trueup last wrote the object successfully (ms), or NaN. */
function lastGoodRemediation(c: ConfigEvidence): number {
  const good = c.remediations.find((r) => !r.entry.error && !r.entry.pending && r.entry.action !== 'skipped');
  return ms(good?.time);
}

/**
 * driftDetectedAt is when trueup first detected the current drift (audit store, ms): the oldest of
 * the drift records since its last successful write of the object.
 */
function driftDetectedAt(c: ConfigEvidence): number {
  const since = lastGoodRemediation(c);
  const episode = c.drifts.filter(
    (d) => d.status !== 'in-sync' && !(Number.isFinite(since) && ms(d.time) < since),
  );
  return ms(episode.at(-1)?.time);
}

/** driftFindings are the current drift's findings: out of band, missing, or git not rolled out yet. */
function driftFindings(c: ConfigEvidence): Finding[] {
  const drift = c.drift;
  if (!drift || drift.status === 'orphaned' || drift.status === 'in-sync') return [];
  const keys = usedKeys(c);
  const ref = configRef(c);
  const paths = drift.changes.map((ch) => ch.path);
  const used = paths.filter((p) => isUsed(p, keys));
  const by = drift.driftedBy.find((d) => d.paths.some((p) => paths.includes(p))) ?? drift.driftedBy[0];
  const revert: Fix = {
    type: 'revert-drift',
    target: formatObjectRef(c),
    description: 'restore the values declared in git (server-side apply after a dry-run)',
  };
  const [at, timeSource] = earliest([driftDetectedAt(c), 'audit'], [ms(by?.time), 'managedFields']);
  if (drift.status === 'missing') {
    return [
      {
        kind: 'missing',
        config: c,
        what: `${nameOf(c)} is missing from the cluster (git declares it)`,
        paths: [],
        touchesUsedKey: true,
        at,
        timeSource,
        evidence: [ref],
        fix: revert,
        risk: 'low',
      },
    ];
  }
  // No field manager but trueup's wrote the differing fields (driftedBy leaves trueup's own out):
  // git moved and the new value is not live yet, so the pods still read what they read before.
  const pending = drift.driftedBy.length === 0;
  // With audit attribution, the person too (or that none could be named).
  const user = by?.user !== undefined ? `; changed by ${describeWriter(by)}` : '';
  const who = by && !pending ? ` (by ${by.manager}${by.time ? ` at ${by.time}` : ''}${user})` : '';
  return [
    {
      kind: pending ? 'pending-rollout' : 'live-drift',
      config: c,
      what: pending
        ? `${nameOf(c)}: git changed ${paths.join(', ')}; trueup has not rolled it out yet`
        : `${nameOf(c)} drifted from git: ${(used.length ? used : paths).join(', ')}${who}`,
      paths,
      touchesUsedKey: !pending && used.length > 0,
      at: pending ? Number.NaN : at,
      timeSource: pending ? 'unknown' : timeSource,
      evidence: [ref, ...used.map((p) => `${ref}#${p}`)],
      fix: revert,
      risk: 'low',
    },
  ];
}

/** restoredFinding: drifted and already put back (the pods may still run with the drifted value). */
function restoredFinding(c: ConfigEvidence): Finding[] {
  if (c.drift && c.drift.status !== 'in-sync') return [];
  const keys = usedKeys(c);
  const recorded = c.drifts.find((d) => d.status !== 'in-sync' && d.paths.some((p) => isUsed(p, keys)));
  if (!recorded) return [];
  const workloads = workloadsOf(c);
  return [
    {
      kind: 'restored-drift',
      config: c,
      what: `${nameOf(c)} drifted from git (${recorded.paths.filter((p) => isUsed(p, keys)).join(', ')}) at ${recorded.time} and is in sync again`,
      paths: recorded.paths,
      touchesUsedKey: true,
      at: ms(recorded.time),
      timeSource: 'audit',
      evidence: [configRef(c), `drift:${recorded.id}`],
      fix: {
        type: 'manual',
        steps: [
          `restart the pods that read it${workloads.length ? ` (${workloads.join(', ')})` : ''} so they read the restored values`,
        ],
        description: '',
      },
      risk: 'low',
    },
  ];
}

/** streakStart is the oldest of the newest records that match (when a failing or held streak began). */
function streakStart(records: RemediationRecord[], matches: (r: RemediationRecord) => boolean) {
  let start: RemediationRecord | undefined;
  for (const r of records) {
    if (!matches(r)) break;
    start = r;
  }
  return start;
}

const isHeld = (r: RemediationRecord) => Boolean(r.entry.pending) || r.entry.action === 'skipped';

/** remediationFindings: trueup's latest remediations of the object failed, or were held back, and it still drifts. */
function remediationFindings(c: ConfigEvidence): Finding[] {
  const [latest] = c.remediations;
  // In sync now: whatever failed or was held back then does not stand between git and the pods.
  const inSync = c.managed && c.live !== undefined && (!c.drift || c.drift.status === 'in-sync');
  if (!latest || inSync) return [];
  const ref = configRef(c);
  if (latest.entry.error) {
    const since = streakStart(c.remediations, (r) => Boolean(r.entry.error)) ?? latest;
    return [
      {
        kind: 'failed-remediation',
        config: c,
        what: `trueup's remediation of ${nameOf(c)} (${latest.entry.action}, remediation ${latest.id}) has failed since ${since.time}: ${latest.entry.error}`,
        paths: [],
        touchesUsedKey: true,
        at: ms(since.time),
        timeSource: 'audit',
        evidence: [ref, `remediation:${latest.id}`],
        fix: {
          type: 'manual',
          steps: [`fix the cause of: ${latest.entry.error}`, 'then let trueup remediate again'],
          description: '',
        },
        risk: 'medium',
      },
    ];
  }
  if (!isHeld(latest)) return [];
  const since = streakStart(c.remediations, isHeld) ?? latest;
  const why = latest.entry.reasons.join('; ') || latest.entry.decision.reasons.join('; ');
  const approval = latest.entry.approval ? ` (approval ${latest.entry.approval})` : '';
  return [
    {
      kind: 'held-remediation',
      config: c,
      what: `trueup's remediation of ${nameOf(c)} is held${approval} since ${since.time}: ${why || latest.entry.decision.mode}`,
      paths: [],
      touchesUsedKey: true,
      at: ms(since.time),
      timeSource: 'audit',
      evidence: [ref, `remediation:${latest.id}`],
      fix: {
        type: 'manual',
        steps: [
          latest.entry.approval
            ? `decide approval ${latest.entry.approval} (trueup approve)`
            : `release the hold: ${why}`,
        ],
        description: '',
      },
      risk: 'medium',
    },
  ];
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
 * commitFinding: a commit changed keys the workloads use and trueup rolled it out (no drift). Its
 * time is trueup's write of it (audit store), else the commit's own time.
 */
function commitFinding(c: ConfigEvidence): Finding[] {
  if (c.drift && c.drift.status !== 'in-sync') return [];
  const keys = usedKeys(c);
  const changed = Object.entries(c.provenance).filter(
    ([path, o]) => isUsed(path, keys) && o.commit && o.time && !introducedFile(c, o.file, o.commit),
  );
  if (changed.length === 0) return [];
  const newest = changed.reduce((a, b) => (ms(b[1].time) > ms(a[1].time) ? b : a));
  const [, origin] = newest;
  const commit = origin.commit?.slice(0, 12) ?? '';
  const paths = changed.filter(([, o]) => o.commit === origin.commit).map(([p]) => p);
  const rollout =
    c.remediations.find(
      (r) =>
        !r.entry.error && !isHeld(r) && origin.commit && r.revision.startsWith(origin.commit.slice(0, 7)),
    ) ?? c.remediations.find((r) => !r.entry.error && !isHeld(r) && ms(r.time) >= ms(origin.time));
  const [at, timeSource] = rollout
    ? [ms(rollout.time), 'audit' as const]
    : [ms(origin.time), 'commit' as const];
  const lines = paths.map(
    (p) => `${origin.file}:${c.provenance[p]?.line ?? '?'} (${p.replace(/^data\./, '')})`,
  );
  return [
    {
      kind: 'commit-rollout',
      config: c,
      what: `commit ${commit} by ${origin.author ?? 'unknown'} ("${origin.summary ?? ''}", ${origin.time}) changed ${lines.join(', ')} of ${nameOf(c)}${rollout ? `; trueup rolled it out at ${rollout.time}` : ''}`,
      paths,
      touchesUsedKey: true,
      at,
      timeSource,
      evidence: [configRef(c), ...paths.map((p) => `${configRef(c)}#${p}@${commit}`), `commit:${commit}`],
      fix: revertFix(c, origin.commit, origin.file, lines),
      risk: 'medium',
    },
  ];
}

/**
 * revertFix is the fix of a rolled-out commit: the `repo-change` of its revert patch when the
 * evidence has one for that commit and file, else the steps to revert it by hand.
 */
function revertFix(c: ConfigEvidence, commit: string | undefined, file: string, lines: string[]): Fix {
  const short = commit?.slice(0, 12) ?? '';
  if (c.revert && c.revert.commit === commit && c.revert.file === file)
    return {
      type: 'repo-change',
      file,
      patch: c.revert.patch,
      description: `revert what commit ${short} set in ${lines.join(', ')}; commit it to the fleet repo and trueup rolls it out (a proposal: trueup never commits it)`,
    };
  return {
    type: 'manual',
    steps: [
      `revert commit ${short} in ${file} (lines ${lines.join(', ')})`,
      'let trueup roll the revert out',
    ],
    description: '',
  };
}

/** undeclaredFinding: a workload needs the object (not optionally), it does not exist and git does not declare it. */
function undeclaredFinding(c: ConfigEvidence): Finding[] {
  const optional = c.usedBy.length > 0 && c.usedBy.every((u) => u.optional);
  if (c.managed || c.liveError !== 'not found' || optional) return [];
  return [
    {
      kind: 'undeclared',
      config: c,
      what: `${nameOf(c)} is ${usedByText(c)} but does not exist, and the fleet repo does not declare it`,
      paths: [],
      touchesUsedKey: true,
      at: Number.NaN,
      timeSource: 'unknown',
      evidence: [configRef(c)],
      fix: {
        type: 'manual',
        steps: [`create ${c.kind} ${c.namespace}/${c.name}, or declare it in the fleet repo`],
        description: '',
      },
      risk: 'medium',
    },
  ];
}

/** workloadsOf names the workloads that use the object (not the alert itself, nor its namespace). */
export function workloadsOf(c: ConfigEvidence): string[] {
  return [...new Set(c.usedBy.map((u) => u.workload))].filter((w) => w !== alertNamed && w !== inNamespace);
}

/** isReferenced tells whether a workload of the alert uses the object, or the alert names it. */
export function isReferenced(c: ConfigEvidence): boolean {
  return c.usedBy.some((u) => u.workload !== inNamespace);
}

/** usedByText says who uses the object, for summaries. */
export function usedByText(c: ConfigEvidence): string {
  const workloads = workloadsOf(c);
  if (workloads.length) return `used by ${workloads.join(', ')}`;
  return isReferenced(c)
    ? 'named by the alert'
    : "in the alert's namespace, referenced by none of its workloads";
}

/** findingsOf lists what happened to one ConfigMap or Secret. */
export function findingsOf(c: ConfigEvidence): Finding[] {
  return [
    ...driftFindings(c),
    ...restoredFinding(c),
    ...remediationFindings(c),
    ...commitFinding(c),
    ...undeclaredFinding(c),
  ];
}
