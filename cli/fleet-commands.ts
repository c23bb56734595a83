/**
 * `trueup diff` and `trueup reconcile --once`: one cycle over the fleet, printed as text or JSON.
 * Exit codes (like `kubectl diff`): 0 in sync / converged, 1 drift found / left, 2 error. Target
 * conflicts are shown but never change the exit code.
 */

import { type Conflict, formatObjectRef, hasDrifted } from '../reconciler/core/model.ts';
import {
  addConflictCommits,
  addProvenanceCommits,
  blameOnce,
  maxBlamedFiles,
} from '../reconciler/repo/provenance.ts';
import { type AuditStore, openStore } from '../reconciler/store/store.ts';
import { supersedeApprovals } from '../reconciler/sync/approvals.ts';
import { type CycleReport, defaultCycleOptions, reconcileFleet } from '../reconciler/sync/cycle.ts';
import { recordOutcome } from '../reconciler/sync/record.ts';
import { type Recovered, recoverIntents, writeJournal } from '../reconciler/sync/recovery.ts';
import { attributeReport, auditStoreOf } from './audit-attribution.ts';
import { type CycleProgressView, cycleProgressView } from './cycle-progress.ts';
import { type FleetRun, loadFleetRun } from './fleet-run.ts';
import { resolveInstallation } from './installation.ts';
import type { ReconcileOptions } from './options.ts';
import type { TerminalSink } from './progress.ts';
import { renderChangesText, renderDiffText, toDiffJson, toReconcileJson } from './render.ts';

/** hasErrors tells whether a report carries repo errors or unreachable clusters. */
function hasErrors(report: CycleReport): boolean {
  return report.errors.length > 0 || report.clusters.some((c) => !c.reachable);
}

/** CycleOutcome is a cycle's report and the repo's conflicts on the clusters it covered. */
interface CycleOutcome {
  report: CycleReport;
  conflicts: Conflict[];
}

async function runCycle(options: ReconcileOptions, view?: CycleProgressView): Promise<CycleOutcome> {
  view?.phase('reading the fleet repo…');
  const run = await loadFleetRun(options);
  const store = options.stateDir ? await openStore({ ...options, stateDir: options.stateDir }) : undefined;
  const installation = resolveInstallation({ ...options, create: true });
  try {
    // Writes a stopped run left unrecorded are settled first, from the objects as they are now.
    if (store)
      reportRecovered(
        await recoverIntents({ store, clusters: run.state.fleet?.clusters ?? [], access: run.access }),
        (text) => (view ? view.print(text) : process.stderr.write(text)),
      );
    view?.begin(run.selected.length ? run.selected : run.state.clusters.map((c) => c.cluster.name));
    const outcome = await cycleWith(
      run,
      { ...options, ...(installation ? { installation } : {}) },
      store,
      view,
    );
    if (store) await recordCycle(store, outcome.report, options.dryRun ?? false);
    return outcome;
  } finally {
    view?.close();
    await store?.close();
    // Requests a frozen apiserver never answered would otherwise keep the process alive.
    await run.access.close();
  }
}

async function cycleWith(
  run: FleetRun,
  options: ReconcileOptions,
  store: AuditStore | undefined,
  progress: CycleProgressView | undefined,
): Promise<CycleOutcome> {
  // Canary waves measure settle time from the last recorded remediation too (see wave-state.ts).
  const remediated = new Map<string, Map<string, Date>>();
  for (const name of run.selected.length ? run.selected : run.state.clusters.map((c) => c.cluster.name))
    if (store) remediated.set(name, await store.remediatedTimes(name));
  const changedAt = (cluster: string, key: string) => remediated.get(cluster)?.get(key);
  const report = await reconcileFleet(
    run.state,
    run.access,
    {
      ...defaultCycleOptions(),
      fieldManager: options.fieldManager,
      ...(options.installation ? { installation: options.installation } : {}),
      remediate: options.remediate ?? false,
      dryRun: options.dryRun ?? false,
      prune: options.prune ?? false,
      replaceImmutable: options.replaceImmutable ?? false,
      recordEvents: true,
      changedAt,
      ...(progress ? { progress } : {}),
      ...(store ? { journal: writeJournal(store, { revision: run.state.revision, actor: actor() }) } : {}),
    },
    run.selected,
  );
  const drifts = report.clusters.flatMap((c) => c.drifts.filter(hasDrifted));
  const covered = new Set(report.clusters.map((c) => c.name));
  const conflicts = run.state.conflicts.filter((c) => covered.has(c.cluster));
  const blame = blameOnce((file) => run.source.blame(report.revision, file), maxBlamedFiles);
  await addProvenanceCommits(drifts, blame);
  await addConflictCommits(conflicts, blame);
  return { report, conflicts };
}

/**
 * recordCycle writes a cycle's drifts and remediations to the audit store, and marks stale the
 * pending approvals of the clusters it read that the cycle found unnecessary (in sync, remediated)
 * or different (the drift changed).
 */
async function recordCycle(store: AuditStore, report: CycleReport, dryRun: boolean): Promise<void> {
  for (const cluster of report.clusters) {
    const driftOf = new Map(cluster.drifts.map((d) => [formatObjectRef(d), d]));
    // Issued together, in order: the store may write them in one commit (SQLite's group commit)
    // instead of one commit, and one disk flush, per record.
    await Promise.all(cluster.drifts.filter(hasDrifted).map((d) => store.recordDrift(report.revision, d)));
    await Promise.all(
      cluster.changeSet.map((entry) =>
        recordOutcome(
          store,
          { revision: report.revision, entry, drift: driftOf.get(formatObjectRef(entry)) },
          { actor: actor() },
        ),
      ),
    );
    if (!cluster.reachable) continue;
    const pending = await store.approvals({
      cluster: cluster.name,
      state: 'pending',
      limit: Number.MAX_SAFE_INTEGER,
    });
    await supersedeApprovals(
      store,
      pending,
      (a) => {
        const drift = driftOf.get(formatObjectRef(a.entry));
        const remediated = cluster.changeSet.some(
          (e) =>
            formatObjectRef(e) === formatObjectRef(a.entry) &&
            !e.error &&
            (e.after !== undefined || (e.action === 'deleted' && !dryRun)),
        );
        return { ...(drift ? { drift } : {}), remediated };
      },
      { actor: 'trueup', channel: 'reconcile' },
    );
  }
}

/** reportRecovered tells on stderr what recovery found (stdout is the report, maybe JSON). */
function reportRecovered(recovered: Recovered[], write: (text: string) => void): void {
  for (const r of recovered) {
    const { intent } = r;
    const approval = r.approval ? ` (approval ${r.approval.id} is ${r.approval.state} now)` : '';
    write(
      `trueup: recovered an interrupted write to ${formatObjectRef(intent)}: ${r.outcome}: ${r.why}${approval}\n`,
    );
  }
}

/** actor names who ran a one-shot reconcile, for the audit trail. */
function actor(): string {
  return `cli:${process.env.USER ?? process.env.LOGNAME ?? 'unknown'}`;
}

/** defaultStateDir is reconcile's default --state-dir. */
const defaultStateDir = './.trueup';

/**
 * diffCommand runs `trueup diff`; terminal (default stderr) shows its progress when it is a
 * terminal and the output is text.
 */
export async function diffCommand(
  options: ReconcileOptions,
  terminal: TerminalSink = process.stderr,
): Promise<number> {
  // diff records nothing; it reads the installation id from --state-dir, else from the default
  // state folder when there is one (so it reports the orphans of the reconcile that used it).
  const installation = resolveInstallation({ ...options, stateDir: options.stateDir ?? defaultStateDir });
  const { report, conflicts } = await runCycle(
    {
      ...options,
      ...(installation ? { installation } : {}),
      remediate: false,
      dryRun: false,
      stateDir: undefined,
    },
    cycleProgressView(terminal, options),
  );
  // Who made each drift, from the audit events the installation's store holds.
  const audit = await auditStoreOf({ ...options, stateDir: options.stateDir ?? defaultStateDir });
  if (audit) await attributeReport(report, audit).finally(() => audit.close());
  process.stdout.write(
    options.output === 'json'
      ? `${JSON.stringify(toDiffJson(report, conflicts), null, 2)}\n`
      : renderDiffText(report, conflicts),
  );
  if (hasErrors(report)) return 2;
  return report.clusters.some((c) => c.drifts.some(hasDrifted)) ? 1 : 0;
}

/** reconcileCommand runs `trueup reconcile --once`; terminal shows its progress as diff's does. */
export async function reconcileCommand(
  options: ReconcileOptions,
  terminal: TerminalSink = process.stderr,
): Promise<number> {
  if (!options.once) {
    process.stderr.write(
      'trueup reconcile: only --once is supported; use `trueup serve` to reconcile continuously\n',
    );
    return 2;
  }
  const { report, conflicts } = await runCycle(options, cycleProgressView(terminal, options));
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(toReconcileJson(report, conflicts), null, 2)}\n`);
  } else {
    process.stdout.write(renderDiffText(report, conflicts) + renderChangesText(report));
  }
  if (hasErrors(report) || report.clusters.some((c) => c.changeSet.some((e) => e.error))) return 2;
  return driftLeft(report, options.dryRun ?? false) ? 1 : 0;
}

const applied = new Set(['created', 'configured', 'replaced', 'deleted']);

/** driftLeft tells whether any drift remains after the cycle's remediations. */
function driftLeft(report: CycleReport, dryRun: boolean): boolean {
  const drifts = report.clusters.flatMap((c) => c.drifts.filter(hasDrifted));
  if (dryRun) return drifts.length > 0;
  const fixed = new Set(
    report.clusters.flatMap((c) =>
      c.changeSet.filter((e) => !e.error && applied.has(e.action)).map(formatObjectRef),
    ),
  );
  return drifts.some((d) => !fixed.has(formatObjectRef(d)));
}
