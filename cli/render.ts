/**
 * Output of `diff` and `reconcile`: a readable per-object diff with attribution and provenance,
 * or the JSON contract. Secret values never reach here (only `hmac-sha256:<12 hex>`).
 */

import { structuredPatch } from 'diff';
import { describeWriter } from '../reconciler/audit/attribution.ts';
import {
  type Conflict,
  type ConflictSource,
  type DocumentDiff,
  type Drift,
  type FieldChange,
  formatRepoError,
  hasDrifted,
  type RepoError,
} from '../reconciler/core/model.ts';
import type { ChangeSetEntry, CycleReport } from '../reconciler/sync/cycle.ts';

/** DiffJson is the `trueup diff -o json` contract. */
export interface DiffJson {
  revision: string;
  clusters: { name: string; reachable: boolean; error?: string }[];
  drifts: Drift[];
  errors: RepoError[];
  /** conflicts on the reported clusters: fields two targets set differently (see Conflict). */
  conflicts: Conflict[];
}

/** toDiffJson builds the JSON contract (drifted objects only) with the repo's conflicts. */
export function toDiffJson(report: CycleReport, conflicts: Conflict[] = []): DiffJson {
  return {
    revision: report.revision,
    clusters: report.clusters.map((c) => ({
      name: c.name,
      reachable: c.reachable,
      ...(c.error ? { error: c.error } : {}),
    })),
    drifts: report.clusters.flatMap((c) => c.drifts.filter(hasDrifted)),
    errors: report.errors,
    conflicts,
  };
}

/** ReconcileJson is the `trueup reconcile -o json` contract: the diff contract plus the change set. */
export interface ReconcileJson extends DiffJson {
  /** changeSet is what the cycle did or held back, one entry per drifted object it looked at. */
  changeSet: ChangeSetEntry[];
  /** @deprecated changes is changeSet's old name, kept for scripts that read it. */
  changes: ChangeSetEntry[];
}

/** toReconcileJson is the diff contract plus the change set. */
export function toReconcileJson(report: CycleReport, conflicts: Conflict[] = []): ReconcileJson {
  const changeSet = report.clusters.flatMap((c) => c.changeSet);
  return { ...toDiffJson(report, conflicts), changeSet, changes: changeSet };
}

const marks: Record<FieldChange['type'], string> = { changed: '~', added: '+', removed: '-' };

/** renderDiffText renders the drift report for people, with the repo's conflicts. */
export function renderDiffText(report: CycleReport, conflicts: Conflict[] = []): string {
  const out: string[] = [`revision ${report.revision}`];
  for (const cluster of report.clusters) {
    if (!cluster.reachable) {
      out.push('', `cluster ${cluster.name}: UNREACHABLE: ${cluster.error}`);
      continue;
    }
    const drifted = cluster.drifts.filter(hasDrifted);
    out.push(
      '',
      `cluster ${cluster.name}: ${drifted.length} drifted, ${cluster.drifts.length - drifted.length} in sync`,
    );
    for (const drift of drifted) out.push(...renderDrift(drift));
  }
  out.push(...renderConflictsText(conflicts));
  if (report.errors.length > 0) {
    out.push('', `errors (${report.errors.length}):`, ...report.errors.map((e) => `  ${formatRepoError(e)}`));
  }
  return `${out.join('\n')}\n`;
}

/**
 * renderConflictsText renders conflicts as a `conflicts (N):` section (nothing when there are
 * none), N counting one per cluster; a conflict that is the same on several clusters is one entry.
 */
export function renderConflictsText(conflicts: Conflict[]): string[] {
  if (conflicts.length === 0) return [];
  const groups = new Map<string, { clusters: string[]; conflict: Conflict }>();
  for (const conflict of conflicts) {
    const { cluster, ...rest } = conflict;
    const key = JSON.stringify(rest);
    const group = groups.get(key) ?? { clusters: [], conflict };
    group.clusters.push(cluster);
    groups.set(key, group);
  }
  const out = ['', `conflicts (${conflicts.length}):`];
  for (const { clusters, conflict: c } of groups.values()) {
    out.push(
      `  ${clusters.join(', ')}: ${c.kind} ${c.namespace}/${c.name} ${c.path}: ${renderSource(c.winner)}`,
      ...c.overridden.map((o) => `    overrides ${renderSource(o)}`),
    );
  }
  return out;
}

function renderSource(s: ConflictSource): string {
  const commit = s.commit ? `, commit ${s.commit.slice(0, 12)}` : '';
  return `${shortValue(s.value)} at ${s.file}:${s.line} (target ${s.target}${commit})`;
}

// A conflicting value may be a whole config file: one line of text shows its start (cut before
// quoting, so that no escape sequence is cut in half).
function shortValue(value: string): string {
  return value.length > 48 ? `${JSON.stringify(value.slice(0, 40))}… (${value.length} chars)` : quote(value);
}

function renderDrift(drift: Drift): string[] {
  const out = [`  ${drift.kind} ${drift.namespace}/${drift.name}: ${drift.status}`];
  if (drift.status === 'missing') out.push('    (deleted on the cluster; the repo declares it)');
  if (drift.status === 'orphaned') out.push('    (trueup applied it; the repo no longer declares it)');
  if (drift.status === 'unknown') {
    out.push('    (trueup applied it; a repo error hides whether the repo still declares it: not pruned)');
    for (const e of drift.heldBy ?? []) out.push(`    held by ${formatRepoError(e)}`);
  }
  if (drift.decision) out.push(`    decision: ${drift.decision.mode} — ${drift.decision.reasons.join('; ')}`);
  for (const change of drift.changes) {
    out.push(...renderFieldChange(change));
    const by = drift.driftedBy.filter((d) => d.paths.includes(change.path));
    for (const d of by) {
      out.push(`        drifted by ${d.manager} (${d.operation}${d.time ? ` at ${d.time}` : ''})`);
      // With audit attribution: who, or why nobody could be named.
      if (d.user !== undefined) out.push(`        changed by ${describeWriter(d)}`);
    }
    const origin = drift.provenance?.[change.path];
    if (origin)
      out.push(
        `        declared in ${origin.file}:${origin.line}${origin.commit ? ` (commit ${origin.commit.slice(0, 12)})` : ''}`,
      );
  }
  return out;
}

function renderFieldChange(change: FieldChange): string[] {
  let head = `    ${marks[change.type]} ${change.path}`;
  const { desired, live } = change;
  if (change.type === 'added') return [`${head}: ${quote(live)} (not in the repo)`];
  if (change.type === 'removed') return [`${head}: ${quote(desired)} (missing on the cluster)`];
  if (change.document && change.document.changes.length > 0) return renderDocument(head, change.document);
  // Equal documents in other text (formatting, comments): the text diff is all there is to show.
  if (change.document) head += ` (same ${change.document.format} document, only the text differs)`;
  if (desired?.includes('\n') || live?.includes('\n')) {
    // Multi-line values (config files): show a line diff of live -> desired.
    const patch = structuredPatch('live', 'desired', live ?? '', desired ?? '', '', '', { context: 2 });
    const lines = patch.hunks.flatMap((h) => [
      `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`,
      ...h.lines,
    ]);
    return [`${head}: (live -> desired)`, ...lines.map((l) => `        ${l}`)];
  }
  return [`${head}: ${quote(live)} -> ${quote(desired)} (live -> desired)`];
}

// The paths that differ inside a JSON or YAML document value, one line each (values as JSON).
function renderDocument(head: string, document: DocumentDiff): string[] {
  const lines = document.changes.map((c) => {
    const at = `        ${marks[c.type]} ${c.path}`;
    if (c.type === 'added') return `${at}: ${c.live} (not in the repo)`;
    if (c.type === 'removed') return `${at}: ${c.desired} (missing on the cluster)`;
    return `${at}: ${c.live} -> ${c.desired}`;
  });
  if (document.more) lines.push(`        … ${document.more} more`);
  if (document.ignored)
    lines.push(
      `        (${document.ignored} ${document.ignored === 1 ? 'path' : 'paths'} ignored by policy)`,
    );
  return [`${head}: ${document.format} document (live -> desired)`, ...lines];
}

function quote(value: string | undefined): string {
  return value === undefined ? '(none)' : value.startsWith('hmac-sha256:') ? value : JSON.stringify(value);
}

/** failureMark is a failed entry's catalog code and whether a retry may help, as repo errors show theirs. */
function failureMark(entry: ChangeSetEntry): string {
  if (!entry.failure) return '';
  return ` [${entry.failure.code}${entry.failure.transient ? ', transient' : ''}]`;
}

/** renderChangesText renders a reconcile's change set. */
export function renderChangesText(report: CycleReport): string {
  const out: string[] = [];
  for (const cluster of report.clusters) {
    for (const c of cluster.changeSet) {
      const dry = `${c.dryRun ? ` [dry-run ${c.dryRun}]` : ''}${c.approval ? ` [approval ${c.approval}: trueup approve ${c.approval} --as <you>]` : ''}`;
      out.push(
        `${cluster.name}: ${c.kind} ${c.namespace}/${c.name}: ${c.error ? 'FAILED ' : ''}${c.action}${dry} — ${c.error ?? c.reasons.join('; ')}${failureMark(c)}`,
      );
    }
  }
  return out.length ? `\n${out.join('\n')}\n` : '';
}
