/**
 * `trueup preview --base <rev> --head <rev|branch>`: what merging the head would do to the fleet —
 * per cluster the keys and objects it changes relative to the base, the live drift it would also
 * overwrite, every resulting apply as a server dry-run with the head policies' decision — as
 * text, JSON or a markdown PR comment. Exit codes: 0 no change, 1 changes, 2 errors (a dry-run
 * refusal, a repo error the head introduces, an unreachable cluster, a usage error).
 * `runPreview` is also what `serve` answers `POST /api/v1/preview` and chat's `preview` with.
 */

import { join } from 'node:path';
import { defaultCacheDir, GitSource, GitSourceError } from '../reconciler/git/git-source.ts';
import type { ClusterAccess } from '../reconciler/kube/kube-cluster.ts';
import type { PreviewReport, PreviewService } from '../reconciler/preview/model.ts';
import { previewFleet, type Revision } from '../reconciler/preview/preview.ts';
import { renderPreviewMarkdown } from '../reconciler/preview/render-markdown.ts';
import { renderPreviewText } from '../reconciler/preview/render-text.ts';
import type { FleetCluster } from '../reconciler/repo/fleet-config.ts';
import type { FleetState } from '../reconciler/repo/fleet-state.ts';
import { UsageError } from './errors.ts';
import { type ClusterAccessFactory, clusterAccessFactory } from './fleet-run.ts';
import { resolveInstallation } from './installation.ts';
import type { RunOptions } from './options.ts';
import { desiredStateBuilder } from './repo-source.ts';

/** PreviewOptions are `trueup preview`'s options. */
export interface PreviewCommandOptions extends Omit<RunOptions, 'revision' | 'branch'> {
  base: string;
  head: string;
  output: 'text' | 'json' | 'markdown';
  prune?: boolean;
  replaceImmutable?: boolean;
  stateDir?: string;
  /** maxChars caps the markdown comment. */
  maxChars?: number;
}

/** isCommitLike tells a (possibly abbreviated) commit id from a branch or tag name. */
export function isCommitLike(ref: string): boolean {
  return /^([0-9a-f]{7,40}|[0-9a-f]{64})$/i.test(ref);
}

/**
 * loadRef reads the fleet state at a ref: a commit id, else a branch, else a tag (a name that is
 * no branch on the remote is tried as a tag). A ref that names nothing is a usage error.
 */
export async function loadRef(
  options: Pick<RunOptions, 'repo' | 'cacheDir' | 'namespaces'>,
  ref: string,
): Promise<FleetState> {
  const build = await desiredStateBuilder(options);
  const cacheDir = join(options.cacheDir ?? defaultCacheDir(), 'git');
  const tries = isCommitLike(ref) ? [{ revision: ref }] : [{ branch: ref }, { revision: ref }];
  let last: Error | undefined;
  for (const pick of tries) {
    const synced = await new GitSource({ repo: options.repo, cacheDir, ...pick }).sync();
    if (synced.snapshot) return build(synced.snapshot);
    last = synced.error;
    // Only "no such branch" falls through to the tag; a fetch that failed is the answer.
    if (!(synced.error instanceof GitSourceError && synced.error.kind === 'revision')) break;
  }
  throw new UsageError(`cannot read ${ref}: ${last?.message ?? 'unknown error'}`);
}

/**
 * runPreview loads both revisions and previews the head on the live clusters; it writes nothing.
 * Without `access` it opens its own connections and closes them when done (serve passes its pool).
 */
export async function runPreview(
  options: Omit<PreviewCommandOptions, 'output'>,
  shared?: (cluster: FleetCluster) => ClusterAccess,
): Promise<PreviewReport> {
  const own: ClusterAccessFactory | undefined = shared ? undefined : clusterAccessFactory(options);
  const access = shared ?? (own as ClusterAccessFactory);
  const base: Revision = { ref: options.base, state: await loadRef(options, options.base) };
  const head: Revision = { ref: options.head, state: await loadRef(options, options.head) };
  const names = head.state.fleet?.clusters.map((c) => c.name) ?? [];
  const unknown = (options.cluster ?? []).filter((c) => !names.includes(c));
  if (unknown.length > 0)
    throw new UsageError(
      `unknown cluster ${unknown.join(', ')}: the head's fleet.yaml has ${names.join(', ') || 'no clusters'}`,
    );
  const installation = resolveInstallation({ ...options, stateDir: options.stateDir ?? './.trueup' });
  try {
    return await previewFleet(base, head, access, {
      fieldManager: options.fieldManager,
      ...(installation ? { installation } : {}),
      prune: options.prune ?? false,
      replaceImmutable: options.replaceImmutable ?? false,
      clusters: options.cluster ?? [],
      now: new Date(),
    });
  } finally {
    await own?.close();
  }
}

/** PreviewServiceOptions are serve's options a preview uses (its repo, clusters and switches). */
export type PreviewServiceOptions = Omit<PreviewCommandOptions, 'output' | 'base' | 'head'>;

/**
 * previewService answers the API's and chat's previews in `serve`: one at a time, on serve's
 * cluster pool, with serve's switches unless the request sets them; base defaults to the revision
 * serve has in use. A ref or cluster that names nothing is the request's error, not the server's.
 */
export function previewService(
  options: PreviewServiceOptions,
  access: (cluster: FleetCluster) => ClusterAccess,
  revisionInUse: () => string | undefined,
): PreviewService {
  let running = false;
  return async (request) => {
    if (running)
      return { ok: false, code: 'TRUEUP_OVERLOADED', message: 'a preview is running; retry in a moment' };
    const base = request.base ?? revisionInUse();
    if (!base)
      return {
        ok: false,
        code: 'TRUEUP_BAD_REQUEST',
        message: 'the fleet repo has not been read yet: give a base',
      };
    running = true;
    try {
      const report = await runPreview(
        {
          ...options,
          base,
          head: request.head,
          ...(request.clusters ? { cluster: request.clusters } : {}),
          prune: request.prune ?? options.prune ?? false,
          replaceImmutable: request.replaceImmutable ?? options.replaceImmutable ?? false,
        },
        access,
      );
      return { ok: true, report };
    } catch (err) {
      if (err instanceof UsageError) return { ok: false, code: 'TRUEUP_BAD_REQUEST', message: err.message };
      throw err;
    } finally {
      running = false;
    }
  };
}

/** exitCodeOf maps a preview's outcome: 0 no change, 1 changes, 2 errors. */
export function exitCodeOf(report: PreviewReport): number {
  return report.outcome === 'errors' ? 2 : report.outcome === 'changes' ? 1 : 0;
}

/** previewCommand runs `trueup preview`. */
export async function previewCommand(options: PreviewCommandOptions): Promise<number> {
  if (!['text', 'json', 'markdown'].includes(options.output))
    throw new UsageError(`-o ${options.output}: expected text, json or markdown`);
  const report = await runPreview(options);
  const hint = `run \`trueup preview --base ${options.base} --head ${options.head} -o json\``;
  process.stdout.write(
    options.output === 'json'
      ? `${JSON.stringify(report, null, 2)}\n`
      : options.output === 'markdown'
        ? renderPreviewMarkdown(report, { maxChars: options.maxChars ?? 60_000, jsonHint: hint })
        : renderPreviewText(report),
  );
  return exitCodeOf(report);
}
