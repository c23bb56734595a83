/**
 * previewFleet: the head's desired state put to the live clusters as a one-shot cycle with
 * remediation on and `dryRun`, so every resulting apply goes through the server's dry-run and the
 * head's policies (gate included) and nothing is written; then assembled against the base. The
 * clusters come in as ClusterAccess (the caller's edge); no Kubernetes client or git here.
 */
import { failureOf } from '../core/errors.ts';
import { objectKey } from '../core/model.ts';
import type { ClusterAccess } from '../kube/kube-cluster.ts';
import type { ClusterDesiredState } from '../repo/desired-state.ts';
import type { FleetState } from '../repo/fleet-state.ts';
import type { ChangeSetEntry, ClusterReport } from '../sync/change-set.ts';
import { defaultCycleOptions, reconcileFleet } from '../sync/cycle.ts';
import type { ApplyConcurrency } from '../sync/options.ts';
import { toApplyManifest } from '../sync/plan.ts';
import { assemblePreview } from './assemble.ts';
import type { PreviewReport } from './model.ts';

/** PreviewOptions are a preview's switches: those of the reconcile it previews. */
export interface PreviewOptions {
  fieldManager: string;
  installation?: string;
  /** prune, replaceImmutable: preview a reconcile run with these switches (both off by default). */
  prune: boolean;
  replaceImmutable: boolean;
  /** clusters limits the preview to these clusters (empty: every cluster). */
  clusters: readonly string[];
  now: Date;
  concurrency?: ApplyConcurrency;
}

/**
 * previewConcurrency: dry-runs write nothing and need no read-back or Event, so more of them run
 * at once than remediations do (defaultApplyConcurrency is 8 per cluster, 32 over the fleet).
 */
export const previewConcurrency: ApplyConcurrency = { perCluster: 16, total: 64 };

/** Revision is one side of a preview: what the user named it, and its fleet state. */
export interface Revision {
  ref: string;
  state: FleetState;
}

/** previewFleet previews the head against the base on the live clusters; it writes nothing. */
export async function previewFleet(
  base: Revision,
  head: Revision,
  access: (cluster: ClusterDesiredState['cluster']) => ClusterAccess,
  options: PreviewOptions,
): Promise<PreviewReport> {
  const cycle = await reconcileFleet(
    head.state,
    access,
    {
      ...defaultCycleOptions(),
      fieldManager: options.fieldManager,
      ...(options.installation !== undefined ? { installation: options.installation } : {}),
      remediate: true,
      dryRun: true,
      prune: options.prune,
      replaceImmutable: options.replaceImmutable,
      recordEvents: false,
      now: () => options.now,
      concurrency: options.concurrency ?? previewConcurrency,
    },
    options.clusters,
  );
  await Promise.all(cycle.clusters.map((c) => dryRunImmutables(c, head.state, access)));
  return assemblePreview({ base, head, cycle, now: options.now });
}

const immutableReason = 'the live object is immutable';

/**
 * dryRunImmutables sends the apply a reconcile skips because the live object is immutable (no
 * --replace-immutable) as a dry-run anyway, so the preview shows the server's own refusal.
 */
async function dryRunImmutables(
  report: ClusterReport,
  state: FleetState,
  access: (cluster: ClusterDesiredState['cluster']) => ClusterAccess,
): Promise<void> {
  const desired = state.clusters.find((c) => c.cluster.name === report.name);
  if (!desired || !report.reachable) return;
  const skipped = report.changeSet.filter((e) => e.reasons.some((r) => r.startsWith(immutableReason)));
  for (const entry of skipped) {
    const object = desired.objects.find((o) => objectKey(o) === objectKey(entry));
    if (!object) continue;
    await dryRunOne(entry, () =>
      access(desired.cluster).apply(toApplyManifest(object, false), { dryRun: true, force: true }),
    );
  }
}

async function dryRunOne(entry: ChangeSetEntry, send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
    // The server would take it (e.g. only labels change), but reconcile leaves immutable objects alone.
    entry.reasons = [
      ...entry.reasons,
      'the server accepts a plain apply, but reconcile skips an immutable object',
    ];
  } catch (err) {
    entry.dryRun = 'failed';
    entry.error = `dry-run failed, nothing applied: ${(err as Error).message}`;
    entry.failure = failureOf('TRUEUP_DRY_RUN_FAILED', entry.error);
  }
}
