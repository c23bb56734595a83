/**
 * The pipeline's remediate step: plan the fix for one evaluated drift and, where the decision says
 * auto, run it — every request first with dryRun=All, then for real, then re-read the object to
 * confirm it is in sync. A change waiting for approval is planned and dry-run, never applied.
 */
import { codeOf, failureOf, isTransient, type TrueupCode } from '../core/errors.ts';
import type { DesiredObject, Drift, LiveObject, ObjectRef } from '../core/model.ts';
import { digestOf, shortDigest } from '../core/secret-value.ts';
import { diffObject } from '../diff/diff.ts';
import type { ClusterAccess } from '../kube/kube-cluster.ts';
import type { ChangeSetEntry } from './change-set.ts';
import { type Evaluation, publicDecision } from './evaluate.ts';
import { expectationOf } from './intents.ts';
import type { CycleOptions } from './options.ts';
import { type ApplyManifest, type Plan, planRemediation } from './plan.ts';

/** Remediation is what remediating one object needs: its evaluation, the objects, the cluster, the switches. */
export interface Remediation {
  evaluation: Evaluation;
  desired?: DesiredObject | undefined;
  live?: LiveObject | undefined;
  /** complete is false when repo errors may hide objects of the cluster: then nothing is pruned. */
  complete: boolean;
  cluster: ClusterAccess;
  options: CycleOptions;
}

/** remediateDrift decides, plans and (after a passing dry-run) executes the fix for one drift. */
export async function remediateDrift(r: Remediation): Promise<ChangeSetEntry> {
  const { drift, decision } = r.evaluation;
  // A change waiting for approval is planned and dry-run like an auto one, so the approver sees
  // exactly what would be applied and whether the server accepts it; it is not applied.
  const awaitingApproval = decision.mode === 'approve' && r.options.remediate;
  const plan = planOf(r, awaitingApproval);
  const entry: ChangeSetEntry = {
    ...refOf(drift),
    action: plan.action,
    reasons: plan.reasons,
    decision: publicDecision(decision),
    ...(r.live ? { before: contentDigest(r.live) } : {}),
  };
  if (plan.action === 'skipped' || plan.action === 'unchanged') return entry;
  if (!(await dryRun(plan, r, entry))) return entry;
  if (awaitingApproval) {
    entry.pending = { action: plan.action, resourceVersion: r.live?.resourceVersion ?? '' };
    entry.action = 'skipped';
    entry.reasons = [...decision.reasons, 'waiting for approval'];
    return entry;
  }
  if (r.options.dryRun) {
    entry.reasons = [...entry.reasons, 'dry run: validated by the server, not applied'];
    return entry;
  }
  await apply(plan, r, entry);
  return entry;
}

function planOf(r: Remediation, awaitingApproval: boolean): Plan {
  const { drift, decision, ignore } = r.evaluation;
  const planned = awaitingApproval ? { ...decision, mode: 'auto' as const } : decision;
  return planRemediation(drift, r.desired, r.live, planned, {
    prune: r.options.prune || decision.prune,
    replaceImmutable: r.options.replaceImmutable || decision.replaceImmutable,
    complete: r.complete,
    force: decision.force,
    ignorePaths: ignore.paths,
    ...(r.options.installation !== undefined ? { installation: r.options.installation } : {}),
  });
}

function refOf(drift: Drift): ObjectRef {
  return { cluster: drift.cluster, kind: drift.kind, namespace: drift.namespace, name: drift.name };
}

/** dryRun runs the plan with dryRun=All; false (and the entry says why) when the server refuses it. */
async function dryRun(plan: Plan, r: Remediation, entry: ChangeSetEntry): Promise<boolean> {
  try {
    await execute(plan, r.cluster, true);
    entry.dryRun = 'passed';
    return true;
  } catch (err) {
    entry.dryRun = 'failed';
    entry.error = `dry-run failed, nothing applied: ${(err as Error).message}`;
    // A cluster that cannot be reached keeps its own (transient) code; any other refusal is the dry-run's.
    const code = codeOf(err, 'TRUEUP_DRY_RUN_FAILED');
    entry.failure = failureOf(isTransient(code) ? code : 'TRUEUP_DRY_RUN_FAILED', entry.error);
    await event(r, plan.ref, r.live?.uid, 'Warning', 'RemediationFailed', entry.error);
    return false;
  }
}

/**
 * apply runs the plan for real and confirms the object is in sync: on the write's own answer (the
 * object as the apply left it, one request fewer per object), or re-read after a delete or a
 * write that answers nothing.
 */
async function apply(plan: Plan, r: Remediation, entry: ChangeSetEntry): Promise<void> {
  const { ref } = plan;
  const { live, options } = r;
  try {
    // Recorded before the first write: a crash from here on leaves an intent that recovery settles.
    if (options.journal) entry.intent = await options.journal.intend(ref, expectationOf(plan, live));
    const written = await execute(plan, r.cluster, false);
    const after = written ?? (await r.cluster.read(ref));
    if (plan.action === 'deleted') {
      if (after) throw new Error('still present after delete');
    } else {
      if (!after) throw new Error('not found after apply');
      entry.after = contentDigest(after);
      const check = diffObject(ref, r.desired, after, {
        fieldManager: options.fieldManager,
        ignore: r.evaluation.ignore,
      });
      if (check.status !== 'in-sync') {
        throw new Error(`still drifted after apply: ${check.changes.map((c) => c.path).join(', ')}`);
      }
    }
    const message = remediationMessage(plan, r.evaluation.drift);
    await event(r, ref, after?.uid ?? live?.uid, 'Normal', 'DriftRemediated', message);
  } catch (err) {
    entry.error = (err as Error).message;
    entry.failure = failureOf(codeOf(err, 'TRUEUP_APPLY_FAILED'), entry.error);
    if (err instanceof RecreateFailedError) entry.recreateFailed = true;
    await event(r, ref, live?.uid, 'Warning', 'RemediationFailed', entry.error);
  }
}

/** recreateAttempts bounds the immediate retries of a replacement's create after its delete. */
const recreateAttempts = 3;

/**
 * RecreateFailedError is a replacement whose delete went through but whose create did not, even
 * after retrying: the object is missing on the cluster until a later remediation creates it.
 */
export class RecreateFailedError extends Error {
  override name = 'RecreateFailedError';
  readonly code: TrueupCode = 'TRUEUP_RECREATE_FAILED';
  readonly ref: ObjectRef;

  constructor(ref: ObjectRef, attempts: number, cause: Error) {
    super(
      `${ref.kind} ${ref.namespace}/${ref.name} was deleted to be replaced, but creating it again failed ${attempts} times; it is missing until the next remediation creates it: ${cause.message}`,
    );
    this.ref = ref;
  }
}

/**
 * execute runs a plan's requests in order: remove keys, delete, apply. A replacement (delete, then
 * create) is validated whole in the dry-run: the delete, and the create as a new object, so that a
 * create the server would refuse (admission, quota, invalid) never follows a delete.
 */
async function execute(plan: Plan, cluster: ClusterAccess, dryRun: boolean): Promise<LiveObject | undefined> {
  if (plan.removeKeys)
    await cluster.removeKeys(plan.ref, plan.removeKeys.paths, plan.removeKeys.resourceVersion, { dryRun });
  if (plan.delete) await cluster.delete(plan.ref, plan.delete, { dryRun });
  if (!plan.apply) return undefined;
  if (dryRun && plan.delete) {
    await cluster.validateCreate(plan.apply);
    return undefined;
  }
  if (dryRun || !plan.delete) {
    const options = { dryRun, force: plan.force, ...(plan.keepLive ? { keepLive: plan.keepLive } : {}) };
    return (await cluster.apply(plan.apply, options)) ?? undefined;
  }
  return recreate(plan, plan.apply, cluster);
}

/** recreate creates a replaced object again, retrying at once (bounded) since it is gone meanwhile. */
async function recreate(
  plan: Plan,
  manifest: ApplyManifest,
  cluster: ClusterAccess,
): Promise<LiveObject | undefined> {
  let last: Error | undefined;
  for (let attempt = 1; attempt <= recreateAttempts; attempt++) {
    try {
      return (await cluster.apply(manifest, { dryRun: false, force: plan.force })) ?? undefined;
    } catch (err) {
      last = err as Error;
      if (attempt < recreateAttempts) await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
  throw new RecreateFailedError(plan.ref, recreateAttempts, last as Error);
}

function remediationMessage(plan: Plan, drift: Drift): string {
  const paths = drift.changes.map((c) => c.path);
  return `trueup ${plan.action} ${drift.kind} ${drift.namespace}/${drift.name}${paths.length ? `: ${paths.join(', ')}` : ''} (${plan.reasons.join('; ')})`;
}

async function event(
  r: Remediation,
  ref: ObjectRef,
  uid: string | undefined,
  type: 'Normal' | 'Warning',
  reason: 'DriftRemediated' | 'RemediationFailed',
  message: string,
): Promise<void> {
  if (!r.options.recordEvents || r.options.dryRun) return;
  // An Event is a courtesy: failing to record one must not fail the remediation.
  await r.cluster.recordEvent(ref, uid, { type, reason, message }).catch(() => {});
}

/** contentDigest is a short digest of an object's managed content (Secret values are digests already). */
export function contentDigest(o: LiveObject): string {
  const content = JSON.stringify([
    o.type ?? null,
    o.immutable ?? null,
    sorted(o.data),
    sorted(o.binaryData),
    sorted(o.labels),
    sorted(o.annotations),
  ]);
  return shortDigest(digestOf(Buffer.from(content)));
}

function sorted(map: Record<string, string>): [string, string][] {
  return Object.entries(map).sort(([a], [b]) => a.localeCompare(b));
}
