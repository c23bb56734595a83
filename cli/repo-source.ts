/**
 * Reading the fleet repo for the command line: the git source with its cache, and the fleet state
 * (desired objects and policy) with SOPS decrypted by the age keys from the environment. No
 * Kubernetes client here, so commands that need no cluster (validate, explain) start fast.
 */
import { join } from 'node:path';
import type { Document } from 'yaml';
import { defaultCacheDir, GitSource, type RepoSnapshot } from '../reconciler/git/git-source.ts';
import { buildFleetState, type FleetState } from '../reconciler/repo/fleet-state.ts';
import { scopeToNamespaces } from '../reconciler/repo/namespace-scope.ts';
import { decryptSopsDocuments } from '../reconciler/repo/sops.ts';
import { loadAgeIdentities } from '../reconciler/repo/sops-keys.ts';
import { UsageError } from './errors.ts';
import type { RunOptions } from './options.ts';

/** openGitSource makes the git source for the run's repo options. */
export function openGitSource(
  options: Pick<RunOptions, 'repo' | 'branch' | 'revision' | 'cacheDir'>,
): GitSource {
  return new GitSource({
    repo: options.repo,
    ...(options.branch ? { branch: options.branch } : {}),
    ...(options.revision ? { revision: options.revision } : {}),
    cacheDir: join(options.cacheDir ?? defaultCacheDir(), 'git'),
  });
}

/**
 * desiredStateBuilder returns snapshot -> desired state, decrypting SOPS with the age keys from the
 * environment; with --namespaces, objects declared elsewhere become repo errors (namespace-scope.ts).
 */
export async function desiredStateBuilder(
  options: Pick<RunOptions, 'namespaces'> = {},
): Promise<(snapshot: RepoSnapshot) => Promise<FleetState>> {
  const identities = await loadAgeIdentities().catch((err: Error) => {
    throw new UsageError(err.message);
  });
  const decrypt =
    identities.length > 0
      ? { decryptSops: (docs: Document[]) => decryptSopsDocuments(docs, identities) }
      : {};
  const namespaces = options.namespaces ?? [];
  return async (snapshot) => scopeToNamespaces(await buildFleetState(snapshot, decrypt), namespaces);
}

/** RepoState is the fleet repo read once: its git source (for blame) and the fleet state of its revision. */
export interface RepoState {
  source: GitSource;
  state: FleetState;
}

/**
 * loadRepoState is the command line's one repo → state path: sync the repo (a repo that cannot be
 * read is a usage error), then build the fleet state with SOPS decrypted and --namespaces applied.
 */
export async function loadRepoState(
  options: Pick<RunOptions, 'repo' | 'branch' | 'revision' | 'cacheDir' | 'namespaces'>,
): Promise<RepoState> {
  const source = openGitSource(options);
  const build = await desiredStateBuilder(options);
  return { source, state: await build(await snapshotOf(source)) };
}

/** snapshotOf syncs the source and returns its snapshot; a repo that cannot be read is a usage error. */
export async function snapshotOf(source: GitSource): Promise<RepoSnapshot> {
  const synced = await source.sync();
  if (!synced.snapshot) throw new UsageError(synced.error?.message ?? `cannot read ${source.repo}`);
  return synced.snapshot;
}
