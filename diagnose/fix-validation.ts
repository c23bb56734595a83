/**
 * Fix validation: a proposed fix (from the LLM agent or the offline diagnoser) goes through the same
 * gates as any remediation — the policies decide, then the server dry-runs the change. Nothing is
 * applied here: a validated change that policy holds is proposed as a pending approval through the
 * approvals module (the same approvals as `trueup approve`); one that policy allows auto is
 * remediated by the reconciler itself; a repo change is rendered and dry-run and stays a proposal
 * to commit (`repo-change.ts`). It reads through the read port and holds no cluster write:
 * only the dry-run it is given.
 */
import { type DesiredObject, type LiveObject, parseObjectRef } from '../reconciler/core/model.ts';
import { redactUrls } from '../reconciler/core/redact.ts';
import type { ApprovalProposer } from '../reconciler/sync/approvals.ts';
import type { ChangeSetEntry, CycleOptions } from '../reconciler/sync/cycle.ts';
import type { Evaluation } from '../reconciler/sync/evaluate.ts';
import type { ObjectReader } from '../reconciler/sync/object-reader.ts';
import { evaluateRequested } from '../reconciler/sync/pipeline.ts';
import type { Fix, FixValidation } from './model.ts';
import { type RepoRender, validateRepoChange } from './repo-change.ts';

/**
 * FixDryRun plans the remediation of one evaluated object and has the server dry-run it. It
 * applies nothing and records nothing: the one cluster capability fix validation has.
 */
export type FixDryRun = (
  evaluation: Evaluation,
  desired: DesiredObject | undefined,
  live: LiveObject | undefined,
  complete: boolean,
) => Promise<ChangeSetEntry>;

/** FixValidationDeps are what validating a fix reads, the dry-run it may ask for, and where it proposes. */
export interface FixValidationDeps {
  /** objects is the read port: desired, live (read once per investigation) and the fleet state. */
  objects: ObjectReader;
  /** dryRun is the server dry-run on one cluster; undefined: no access to that cluster. */
  dryRun(cluster: string): FixDryRun | undefined;
  /** approvals is where a validated fix that policy holds is proposed (reconciler/sync/approvals.ts). */
  approvals: ApprovalProposer;
  options: Pick<CycleOptions, 'fieldManager' | 'installation' | 'remediate'>;
  /**
   * approvalsWhenDetectOnly lets a deployment without remediation (options.remediate off) queue
   * approvals for diagnosed fixes, which an operator's approval then applies (`serve
   * --diagnosis-approvals`). Off: such a fix stays a proposal.
   */
  approvalsWhenDetectOnly?: boolean;
  /** repo renders a proposed repo change (undefined: such a change cannot be validated here). */
  repo?: RepoRender;
  now?: () => Date;
}

/** detectOnlyReason is why a validated fix is not queued where remediation is off. */
export const detectOnlyReason =
  'remediation is off in this deployment (serve without --remediate): the fix is a proposal and no approval was queued (serve --diagnosis-approvals queues one)';

/** validateFix runs a proposed fix through the policies and the server's dry-run. */
export async function validateFix(fix: Fix, deps: FixValidationDeps): Promise<FixValidation> {
  switch (fix.type) {
    case 'manual':
      return { status: 'not-applicable', reasons: ['manual steps: trueup does not run them'] };
    case 'repo-change':
      return validateRepoChange(fix, deps);
    case 'apply-git-revision': {
      const revision = deps.objects.state()?.revision;
      if (!revision || !fix.revision || !revision.startsWith(fix.revision)) {
        return notValidated(
          `trueup applies only the branch's current revision (${revision?.slice(0, 12) ?? 'none yet'}), not ${fix.revision}: change the fleet repo instead`,
        );
      }
      return validateRevert(fix.target, deps);
    }
    case 'revert-drift':
      return validateRevert(fix.target, deps);
  }
}

function notValidated(...reasons: string[]): FixValidation {
  return { status: 'not-validated', reasons };
}

async function validateRevert(target: string, deps: FixValidationDeps): Promise<FixValidation> {
  const parsed = parseObjectRef(target);
  if (!parsed.ok)
    return notValidated(`target ${JSON.stringify(target)} is not cluster/namespace/ConfigMap|Secret/name`);
  const { ref } = parsed;
  const state = deps.objects.state();
  const clusterState = state?.clusters.find((c) => c.cluster.name === ref.cluster);
  if (!state || !clusterState) return notValidated(`cluster ${ref.cluster} is not in the fleet`);
  const { desired, live, liveError } = await deps.objects.object(ref);
  if (!desired)
    return notValidated(
      `${target} is not declared in the fleet repo: trueup only restores what git declares`,
    );
  const dryRun = deps.dryRun(ref.cluster);
  if (!dryRun) return notValidated(`no access to cluster ${ref.cluster}`);
  if (liveError) return notValidated(`cannot read ${target}: ${redactUrls(liveError)}`);
  // The gate as remediation would meet it (remediation on), whatever this deployment's switch:
  // settle says what becomes of a fix where remediation is off.
  const now = deps.now?.() ?? new Date();
  const evaluation = evaluateRequested(state, clusterState, { desired, live }, deps.options, now);
  if (!evaluation || evaluation.drift.status === 'in-sync')
    return notValidated(`${target} is in sync: nothing to revert`);
  const { decision } = evaluation;
  if (decision.mode === 'observe' || decision.mode === 'ignore') {
    return notValidated(`policy mode ${decision.mode}: trueup does not change it`, ...decision.reasons);
  }
  // Approve: planned and dry-run, returned pending (never applied here). Auto: dry-run only; the
  // reconciler applies auto changes itself.
  const entry = await dryRun(evaluation, desired, live, clusterState.complete);
  if (entry.dryRun !== 'passed') {
    return notValidated(
      entry.error
        ? redactUrls(entry.error)
        : `nothing to apply (${entry.action}): ${entry.reasons.join('; ')}`,
    );
  }
  return await settle(decision, entry, evaluation.drift, state.revision, deps);
}

/**
 * settle says what becomes of a fix that passed the gates: a proposal where remediation is off
 * (unless approvalsWhenDetectOnly), the reconciler's own job for auto, else a pending approval.
 */
async function settle(
  decision: { mode: string; reasons: string[] },
  entry: ChangeSetEntry,
  drift: Evaluation['drift'],
  revision: string,
  deps: FixValidationDeps,
): Promise<FixValidation> {
  const passed = [...decision.reasons, 'server dry-run passed'];
  // A detect-only deployment writes nothing: not by itself, and not through an approval it queued.
  if (!deps.options.remediate && !deps.approvalsWhenDetectOnly) {
    return { status: 'validated', reasons: [...passed, detectOnlyReason] };
  }
  if (decision.mode === 'auto' && deps.options.remediate) {
    return { status: 'validated', reasons: [...passed, 'policy allows auto: trueup remediates it itself'] };
  }
  const approval = await deps.approvals.propose(revision, entry, drift);
  return {
    status: 'validated',
    reasons: [...passed, `waiting for approval ${approval.id}`],
    approval: approval.id,
  };
}
