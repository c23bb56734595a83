/**
 * Output of `diff` and `reconcile`: a readable per-object diff with attribution and provenance,
 * or the JSON contract. Secret values never reach here (only `sha256:<12 hex>`).
 */
import { structuredPatch } from 'diff';
import { type Change, type Drift, formatRepoError, hasDrifted, type RepoError } from '../reconciler/model.ts';
import type { ChangeSetEntry, CycleReport } from '../reconciler/reconcile.ts';

/** DiffJson is the `trueup diff -o json` contract. */
export interface DiffJson {
  revision: string;
  clusters: { name: string; reachable: boolean; error?: string }[];
  drifts: Drift[];
  errors: RepoError[];
}

/** toDiffJson builds the JSON contract (drifted objects only). */
export function toDiffJson(report: CycleReport): DiffJson {
  return {
    revision: report.revision,
    clusters: report.clusters.map((c) => ({
      name: c.name,
      reachable: c.reachable,
      ...(c.error ? { error: c.error } : {}),
    })),
    drifts: report.clusters.flatMap((c) => c.drifts.filter(hasDrifted)),
    errors: report.errors,
  };
}

/** toReconcileJson is the diff contract plus the change set. */
export function toReconcileJson(report: CycleReport): DiffJson & { changes: ChangeSetEntry[] } {
  return { ...toDiffJson(report), changes: report.clusters.flatMap((c) => c.changes) };
}

const marks: Record<Change['type'], string> = { changed: '~', added: '+', removed: '-' };

/** renderDiffText renders the drift report for people. */
export function renderDiffText(report: CycleReport): string {
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
  if (report.errors.length > 0) {
    out.push('', `errors (${report.errors.length}):`, ...report.errors.map((e) => `  ${formatRepoError(e)}`));
  }
  return `${out.join('\n')}\n`;
}

function renderDrift(drift: Drift): string[] {
  const out = [`  ${drift.kind} ${drift.namespace}/${drift.name}: ${drift.status}`];
  if (drift.status === 'missing') out.push('    (deleted on the cluster; the repo declares it)');
  if (drift.status === 'orphaned') out.push('    (trueup applied it; the repo no longer declares it)');
  for (const change of drift.changes) {
    out.push(...renderChange(change));
    const by = drift.driftedBy.filter((d) => d.paths.includes(change.path));
    for (const d of by)
      out.push(`        drifted by ${d.manager} (${d.operation}${d.time ? ` at ${d.time}` : ''})`);
    const origin = drift.provenance?.[change.path];
    if (origin)
      out.push(
        `        declared in ${origin.file}:${origin.line}${origin.commit ? ` (commit ${origin.commit.slice(0, 12)})` : ''}`,
      );
  }
  return out;
}

function renderChange(change: Change): string[] {
  const head = `    ${marks[change.type]} ${change.path}`;
  const { desired, live } = change;
  if (change.type === 'added') return [`${head}: ${quote(live)} (not in the repo)`];
  if (change.type === 'removed') return [`${head}: ${quote(desired)} (missing on the cluster)`];
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

function quote(value: string | undefined): string {
  return value === undefined ? '(none)' : value.startsWith('sha256:') ? value : JSON.stringify(value);
}

/** renderChangesText renders a reconcile's change set. */
export function renderChangesText(report: CycleReport): string {
  const out: string[] = [];
  for (const cluster of report.clusters) {
    for (const c of cluster.changes) {
      const dry = c.dryRun ? ` [dry-run ${c.dryRun}]` : '';
      out.push(
        `${cluster.name}: ${c.kind} ${c.namespace}/${c.name}: ${c.error ? 'FAILED ' : ''}${c.action}${dry} — ${c.error ?? c.reasons.join('; ')}`,
      );
    }
  }
  return out.length ? `\n${out.join('\n')}\n` : '';
}
