/**
 * Provenance commits: which commit last changed the line that sets each drifted key. Asked only
 * for drifted objects (blame is not free), one blame per file.
 */
import type { LineOrigin } from './git-source.ts';
import type { Drift } from './model.ts';

/** Blame maps the lines of one file at the cycle's revision to their last commit. */
export type Blame = (file: string) => Promise<Map<number, LineOrigin>>;

/** addProvenanceCommits fills `commit` into the provenance of drifted objects, in place. */
export async function addProvenanceCommits(drifts: Drift[], blame: Blame): Promise<void> {
  const files = new Map<string, Promise<Map<number, LineOrigin> | undefined>>();
  const blameOnce = (file: string) => {
    let lines = files.get(file);
    if (!lines) {
      // A file that cannot be blamed just has no commit in its provenance.
      lines = blame(file).catch(() => undefined);
      files.set(file, lines);
    }
    return lines;
  };
  for (const drift of drifts) {
    for (const origin of Object.values(drift.provenance ?? {})) {
      const commit = (await blameOnce(origin.file))?.get(origin.line)?.commit;
      if (commit) origin.commit = commit;
    }
  }
}
