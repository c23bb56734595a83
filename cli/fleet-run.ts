/**
 * What `diff` and `reconcile` share: fetch the fleet repo, build the desired state (decrypting
 * SOPS Secrets in memory), and connect to the selected clusters through the kubeconfig.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Document } from 'yaml';
import { buildDesiredState, type DesiredState } from '../reconciler/desired-state.ts';
import { contextOf, type FleetCluster } from '../reconciler/fleet-config.ts';
import { GitSource, type RepoSnapshot } from '../reconciler/git-source.ts';
import { type ClusterAccess, kubeClusterAccess } from '../reconciler/kube-cluster.ts';
import { decryptSopsDocuments } from '../reconciler/sops.ts';
import { loadAgeIdentities } from '../reconciler/sops-keys.ts';
import { UsageError } from './errors.ts';
import type { RunOptions } from './options.ts';

/** FleetRun is a loaded fleet: desired state at a revision, and access to its clusters. */
export interface FleetRun {
  source: GitSource;
  state: DesiredState;
  access: (cluster: FleetCluster) => ClusterAccess;
  selected: string[];
}

/** defaultCacheDir is where trueup keeps its git cache: $XDG_CACHE_HOME/trueup or ~/.cache/trueup. */
export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'trueup');
}

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

/** desiredStateBuilder returns snapshot -> desired state, decrypting SOPS with the age keys from the environment. */
export async function desiredStateBuilder(): Promise<(snapshot: RepoSnapshot) => Promise<DesiredState>> {
  const identities = await loadAgeIdentities().catch((err: Error) => {
    throw new UsageError(err.message);
  });
  const decrypt =
    identities.length > 0
      ? { decryptSops: (docs: Document[]) => decryptSopsDocuments(docs, identities) }
      : {};
  return (snapshot) => buildDesiredState(snapshot, decrypt);
}

/** clusterAccessFactory loads the kubeconfig and returns cluster -> ClusterAccess. */
export function clusterAccessFactory(
  options: Pick<RunOptions, 'kubeconfig' | 'fieldManager' | 'timeout'>,
): (cluster: FleetCluster) => ClusterAccess {
  const kubeConfig = new KubeConfig();
  try {
    if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (err) {
    throw new UsageError(
      `cannot load kubeconfig ${options.kubeconfig ?? '(default)'}: ${(err as Error).message}`,
    );
  }
  return (cluster) =>
    kubeClusterAccess(kubeConfig, cluster.name, contextOf(cluster), {
      fieldManager: options.fieldManager,
      timeoutMs: options.timeout * 1000,
    });
}

/** loadFleetRun fetches the repo and prepares cluster access; a repo that cannot be read throws. */
export async function loadFleetRun(options: RunOptions): Promise<FleetRun> {
  const source = openGitSource(options);
  const synced = await source.sync();
  if (!synced.snapshot) throw new UsageError(synced.error?.message ?? `cannot read ${source.repo}`);
  const state = await (await desiredStateBuilder())(synced.snapshot);
  const names = state.fleet?.clusters.map((c) => c.name) ?? [];
  const unknown = (options.cluster ?? []).filter((c) => !names.includes(c));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown cluster ${unknown.join(', ')}: fleet.yaml has ${names.join(', ') || 'no clusters'}`,
    );
  }
  return { source, state, selected: options.cluster ?? [], access: clusterAccessFactory(options) };
}
