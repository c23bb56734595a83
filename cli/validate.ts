/**
 * `trueup validate`: everything about the fleet repo that can be checked with no cluster access,
 * as a CI job does before a merge — fleet.yaml, manifests, `${cluster.…}` variables on every
 * cluster, SOPS decryption (with the age keys from the environment, as diff reads them), policy
 * files and target conflicts. Exit 0 valid, 1 conflicts only (for a reviewer to see),
 * 2 errors. A repo that cannot be fetched is a usage error (exit 2 on stderr), as in `diff`.
 */

import { type Conflict, formatRepoError, type RepoError } from '../reconciler/core/model.ts';
import type { DesiredState } from '../reconciler/repo/desired-state.ts';
import { addConflictCommits, blameOnce } from '../reconciler/repo/provenance.ts';
import type { ValidateOptions } from './options.ts';
import { renderConflictsText } from './render.ts';
import { loadRepoState } from './repo-source.ts';

/** ValidateExit is validate's exit status: valid, conflicts only, or errors (conflicts or not). */
export const ValidateExit = { valid: 0, conflicts: 1, errors: 2 } as const;

/** ValidateJson is the `trueup validate -o json` contract. */
export interface ValidateJson {
  /** revision is the full commit SHA validated. */
  revision: string;
  /** clusters are the names fleet.yaml declares (none when fleet.yaml is invalid). */
  clusters: string[];
  /** objects counts, per cluster, the objects whose desired state is known. */
  objects: Record<string, number>;
  errors: RepoError[];
  /** conflicts are per cluster, with the commit of both sides (see Conflict). */
  conflicts: Conflict[];
}

/** validateCommand runs `trueup validate`. */
export async function validateCommand(options: ValidateOptions): Promise<number> {
  // The fleet state's errors include every policy file error, with file:line.
  const { source, state } = await loadRepoState(options);
  const errors = state.errors;
  await addConflictCommits(
    state.conflicts,
    blameOnce((file) => source.blame(state.revision, file)),
  );
  const result = toValidateJson(state, errors);
  process.stdout.write(
    options.output === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderValidateText(result),
  );
  return exitCodeOf(result);
}

/** toValidateJson builds the JSON contract from the desired state and every error found. */
export function toValidateJson(state: DesiredState, errors: RepoError[]): ValidateJson {
  return {
    revision: state.revision,
    clusters: state.clusters.map((c) => c.cluster.name),
    objects: Object.fromEntries(state.clusters.map((c) => [c.cluster.name, c.objects.length])),
    errors,
    conflicts: state.conflicts,
  };
}

/** exitCodeOf maps a validation result to validate's exit status. */
export function exitCodeOf(result: ValidateJson): number {
  if (result.errors.length > 0) return ValidateExit.errors;
  return result.conflicts.length > 0 ? ValidateExit.conflicts : ValidateExit.valid;
}

/** renderValidateText renders a validation result for people; each error as `file:line: message`. */
export function renderValidateText(result: ValidateJson): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const clusters = result.clusters.map((name) => `${name} (${plural(result.objects[name] ?? 0, 'object')})`);
  const out = [`revision ${result.revision}`, `clusters: ${clusters.join(', ') || '(none)'}`];
  if (result.errors.length > 0) {
    out.push('', `errors (${result.errors.length}):`, ...result.errors.map((e) => `  ${formatRepoError(e)}`));
  }
  out.push(...renderConflictsText(result.conflicts));
  const conflicts = plural(result.conflicts.length, 'conflict');
  const verdict =
    result.errors.length > 0
      ? `invalid: ${plural(result.errors.length, 'error')}, ${conflicts}`
      : result.conflicts.length > 0
        ? `valid, with ${conflicts} to review`
        : 'valid';
  out.push('', verdict);
  return `${out.join('\n')}\n`;
}
