/**
 * Provenance commits: which commit last changed the line that sets each drifted key, and each side
 * of a conflict. Asked only for what is reported (blame is not free), one blame per file.
 */

import type { Conflict, Drift, KeyOrigin } from '../core/model.ts';
import type { LineOrigin } from '../git/git-source.ts';

/** Blame maps the lines of one file at the cycle's revision to their last commit. */
export type Blame = (file: string) => Promise<Map<number, LineOrigin>>;

/**
 * blameOnce wraps a Blame so that each file is blamed at most once; a file that cannot be blamed
 * gives an empty map (its origins just have no commit). Share one across the calls of a cycle.
 * With maxFiles, files past the first maxFiles are not blamed either (each blame is a git
 * process: a report of thousands of drifts, as a first apply is, would start thousands).
 */
export function blameOnce(blame: Blame, maxFiles = Number.POSITIVE_INFINITY): Blame {
  const files = new Map<string, Promise<Map<number, LineOrigin>>>();
  return (file) => {
    let lines = files.get(file);
    if (!lines) {
      lines =
        files.size < maxFiles
          ? blame(file).catch(() => new Map<number, LineOrigin>())
          : Promise.resolve(new Map<number, LineOrigin>());
      files.set(file, lines);
    }
    return lines;
  };
}

/**
 * lineOriginOf is the commit that last changed a key: of the lines its value takes (one, or a block
 * scalar's several), the one changed last. A commit that only edits a block value's lines leaves
 * its key's own line alone, and is still that key's commit.
 */
export function lineOriginOf(lines: Map<number, LineOrigin>, origin: KeyOrigin): LineOrigin | undefined {
  let newest = lines.get(origin.line);
  for (let n = origin.line + 1; n <= (origin.lastLine ?? origin.line); n++) {
    const l = lines.get(n);
    if (l && (!newest || Date.parse(l.time) > Date.parse(newest.time))) newest = l;
  }
  return newest;
}

/** maxBlamedFiles is how many files a one-shot report blames for provenance commits, at most. */
export const maxBlamedFiles = 50;

async function fillCommits(origins: Iterable<KeyOrigin>, blame: Blame): Promise<void> {
  const once = blameOnce(blame);
  for (const origin of origins) {
    const commit = lineOriginOf(await once(origin.file), origin)?.commit;
    if (commit) origin.commit = commit;
  }
}

/** addProvenanceCommits fills `commit` into the provenance of drifted objects, in place. */
export async function addProvenanceCommits(drifts: Drift[], blame: Blame): Promise<void> {
  await fillCommits(
    drifts.flatMap((d) => Object.values(d.provenance ?? {})),
    blame,
  );
}

/** addConflictCommits fills `commit` into both sides (winner and overridden) of conflicts, in place. */
export async function addConflictCommits(conflicts: Conflict[], blame: Blame): Promise<void> {
  await fillCommits(
    conflicts.flatMap((c) => [c.winner, ...c.overridden]),
    blame,
  );
}
