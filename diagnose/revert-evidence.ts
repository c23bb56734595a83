/**
 * The revert patch of a rolled-out commit, as evidence: for a ConfigMap whose keys the alerting
 * workloads use were last set by a commit trueup rolled out, read the file now and before that
 * commit, and build the patch that puts exactly those lines back (`revert-patch.ts`). The offline
 * diagnoser proposes it as a `repo-change`; a model sees it in the bundle. Secrets get none: their
 * values never go into a patch. A patch that cannot be built is a note, never silence.
 */
import { formatObjectRef } from '../reconciler/core/object-ref.ts';
import { findingsOf } from './findings.ts';
import type { ConfigEvidence } from './model.ts';
import { buildRevertPatch } from './revert-patch.ts';

/** FileAt reads a file at a revision (or before it); undefined when it does not exist there. */
export type FileAt = (
  revision: string,
  path: string,
  options?: { before?: boolean },
) => Promise<string | undefined>;

/** addRevert sets evidence.revert when a commit rolled out keys the workloads use and its lines can be reverted. */
export async function addRevert(
  evidence: ConfigEvidence,
  revision: string,
  fileAt: FileAt,
  notes: string[],
): Promise<void> {
  if (evidence.kind !== 'ConfigMap') return;
  const finding = findingsOf(evidence).find((f) => f.kind === 'commit-rollout');
  const origin = finding && evidence.provenance[finding.paths[0] ?? ''];
  if (!finding || !origin?.commit) return;
  const what = `${formatObjectRef(evidence)}: no revert patch for commit ${origin.commit.slice(0, 12)}`;
  try {
    const [current, before] = await Promise.all([
      fileAt(revision, origin.file),
      fileAt(origin.commit, origin.file, { before: true }),
    ]);
    if (current === undefined)
      return void notes.push(`${what}: ${origin.file} is not in ${revision.slice(0, 12)}`);
    // SOPS encrypts values and MACs the whole file: a line of ciphertext cannot be put back alone.
    if (/^sops:/m.test(current)) return void notes.push(`${what}: ${origin.file} is SOPS-encrypted`);
    const built = buildRevertPatch({
      file: origin.file,
      current,
      before,
      object: evidence,
      paths: finding.paths,
    });
    if (!built.ok) return void notes.push(`${what}: ${built.reason}`);
    evidence.revert = { commit: origin.commit, file: origin.file, patch: built.patch, keys: built.keys };
  } catch (err) {
    notes.push(`${what}: ${(err as Error).message}`);
  }
}
