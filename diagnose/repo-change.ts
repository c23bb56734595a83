/**
 * Validating a proposed repo change: the patch is applied to the file at the revision in use (in
 * memory; nothing is committed), the fleet state is rendered from the patched files as the
 * reconciler renders it (SOPS, namespaces), and every object whose desired state the patch
 * changes goes through the policy gate and a server dry-run against its live object. Nothing is
 * applied and no approval is queued: a repo change reaches the clusters only once someone commits
 * it, and then through trueup's usual gates.
 */
import { applyPatch } from 'diff';
import { parseAllDocuments } from 'yaml';
import type { DesiredObject } from '../reconciler/core/model.ts';
import { formatObjectRef } from '../reconciler/core/object-ref.ts';
import { redactUrls } from '../reconciler/core/redact.ts';
import type { RepoContent } from '../reconciler/repo/desired-state.ts';
import type { FleetState } from '../reconciler/repo/fleet-state.ts';
import { evaluateRequested } from '../reconciler/sync/pipeline.ts';
import type { FixDryRun, FixValidationDeps } from './fix-validation.ts';
import type { Fix, FixValidation } from './model.ts';

/** RepoRender is what validating a repo change needs of the repo: its files at a revision, and the reconciler's render. */
export interface RepoRender {
  /** content is every YAML file of the repo at a revision. */
  content(revision: string): Promise<RepoContent>;
  /** render builds the fleet state of repo content as the reconciler does (SOPS decrypted, namespaces scoped). */
  render(content: RepoContent): Promise<FleetState>;
}

/** maxValidatedObjects bounds the objects one repo change is dry-run for. */
export const maxValidatedObjects = 10;

/** proposalReason says what becomes of a validated repo change: a proposal to commit. */
export const proposalReason =
  'a proposal: commit the patch to the fleet repo and trueup rolls it out under the policies (nothing was applied, no approval queued)';

type RepoChange = Extract<Fix, { type: 'repo-change' }>;

/** isUnifiedDiff tells a patch in unified diff form from a YAML document. */
export function isUnifiedDiff(patch: string): boolean {
  return /^--- /m.test(patch) && /^\+\+\+ /m.test(patch) && /^@@ /m.test(patch);
}

/** validateRepoChange renders the repo with the patch applied and dry-runs every object it changes. */
export async function validateRepoChange(fix: RepoChange, deps: FixValidationDeps): Promise<FixValidation> {
  if (!isUnifiedDiff(fix.patch)) return yamlProposal(fix);
  const state = deps.objects.state();
  if (!state) return notValidated('the fleet repo has not been read yet');
  if (!deps.repo) return notValidated('no access to the fleet repo to render the patch');
  const rev = state.revision.slice(0, 12);
  const content = await deps.repo.content(state.revision);
  const current = content.files.get(fix.file);
  if (current === undefined) return notValidated(`${fix.file} is not in the fleet repo at ${rev}`);
  const patched = applyPatch(current, fix.patch);
  if (patched === false) return notValidated(`the patch does not apply to ${fix.file} at ${rev}`);
  const files = new Map(content.files).set(fix.file, patched);
  const after = await deps.repo.render({ revision: `${state.revision}+patch`, files });
  const errors = after.errors.filter((e) => e.file === fix.file);
  if (errors.length > 0)
    return notValidated(
      ...errors
        .slice(0, 5)
        .map((e) => `with the patch, ${e.file}:${e.line}: ${e.code ? `${e.code} ` : ''}${e.message}`),
    );
  const changed = changedObjects(state, after, fix.file);
  if (changed.length === 0) return notValidated(`the patch changes no object's desired state at ${rev}`);
  const reasons = [
    `rendered the fleet repo at ${rev} with the patch to ${fix.file}: ${changed.length} object(s) change (${changed
      .slice(0, maxValidatedObjects)
      .map((c) => formatObjectRef(c.desired))
      .join(', ')})`,
  ];
  if (changed.length > maxValidatedObjects)
    return notValidated(...reasons, `more than ${maxValidatedObjects} objects change: validate it by hand`);
  for (const c of changed) {
    const verdict = await dryRunOne(c, after, deps);
    if (!verdict.ok) return notValidated(...reasons, verdict.reason);
    reasons.push(verdict.reason);
  }
  return { status: 'validated', reasons: [...reasons, proposalReason] };
}

interface Changed {
  cluster: string;
  desired: DesiredObject;
}

/** changedObjects are the objects the file declares whose desired state differs with the patch. */
function changedObjects(before: FleetState, after: FleetState, file: string): Changed[] {
  const changed: Changed[] = [];
  const declares = (o: DesiredObject) => Object.values(o.provenance).some((p) => p.file === file);
  for (const cluster of after.clusters) {
    const was = before.clusters.find((c) => c.cluster.name === cluster.cluster.name);
    for (const o of cluster.objects.filter(declares)) {
      const old = was?.objects.find(
        (w) => w.kind === o.kind && w.namespace === o.namespace && w.name === o.name,
      );
      if (!old || contentOf(old) !== contentOf(o))
        changed.push({ cluster: cluster.cluster.name, desired: o });
    }
  }
  return changed;
}

/** contentOf is what an object would hold (Secret values as digests: SecretValue's JSON). */
function contentOf(o: DesiredObject): string {
  const { type, immutable, data, binaryData, labels, annotations } = o;
  return JSON.stringify({ type, immutable, data, binaryData, labels, annotations });
}

/** dryRunOne puts one changed object through the policy gate and the server's dry-run. */
async function dryRunOne(
  c: Changed,
  after: FleetState,
  deps: FixValidationDeps,
): Promise<{ ok: boolean; reason: string }> {
  const what = formatObjectRef(c.desired);
  const clusterState = after.clusters.find((s) => s.cluster.name === c.cluster);
  const dryRun: FixDryRun | undefined = deps.dryRun(c.cluster);
  if (!clusterState || !dryRun) return { ok: false, reason: `no access to cluster ${c.cluster}` };
  const view = await deps.objects.object(c.desired);
  if (view.liveError) return { ok: false, reason: `cannot read ${what}: ${redactUrls(view.liveError)}` };
  const now = deps.now?.() ?? new Date();
  const evaluation = evaluateRequested(
    after,
    clusterState,
    { desired: c.desired, live: view.live },
    deps.options,
    now,
  );
  if (!evaluation || evaluation.drift.status === 'in-sync')
    return { ok: true, reason: `${what}: the live object already holds the patched values` };
  const { decision } = evaluation;
  if (decision.mode === 'observe' || decision.mode === 'ignore')
    return {
      ok: false,
      reason: `${what}: policy mode ${decision.mode}: trueup would not roll the change out (${decision.reasons.join('; ')})`,
    };
  const entry = await dryRun(evaluation, c.desired, view.live, clusterState.complete);
  if (entry.dryRun !== 'passed')
    return {
      ok: false,
      reason: `${what}: ${entry.error ? redactUrls(entry.error) : `nothing to apply (${entry.action}): ${entry.reasons.join('; ')}`}`,
    };
  return { ok: true, reason: `${what}: server dry-run of ${entry.action} passed (policy ${decision.mode})` };
}

/** yamlProposal is the older form of a repo change, YAML to commit: checked for syntax only. */
function yamlProposal(fix: RepoChange): FixValidation {
  const docs = parseAllDocuments(fix.patch);
  const errors = docs.flatMap((d) => d.errors.map((e) => e.message));
  if (errors.length > 0)
    return notValidated(`the proposed patch for ${fix.file} is not valid YAML: ${errors[0]}`);
  return {
    status: 'not-applicable',
    reasons: [
      `a repo change to ${fix.file} is a proposal to commit; trueup dry-runs and applies it under the policies once it is in git (give a unified diff to have it validated now)`,
    ],
  };
}

function notValidated(...reasons: string[]): FixValidation {
  return { status: 'not-validated', reasons };
}
