/**
 * What `diff` and `reconcile` share: fetch the fleet repo, build the desired state (decrypting
 * SOPS Secrets in memory), and connect to the selected clusters through the kubeconfig.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { contextOf, type FleetCluster } from '../reconciler/fleet-config.ts';
import type { FleetState } from '../reconciler/fleet-state.ts';
import type { GitSource } from '../reconciler/git-source.ts';
import { type ClusterAccess, kubeClusterAccess } from '../reconciler/kube-cluster.ts';
import { UsageError } from './errors.ts';
import type { RunOptions } from './options.ts';
import { desiredStateBuilder, openGitSource } from './repo-source.ts';

/** FleetRun is a loaded fleet: desired state at a revision, and access to its clusters. */
export interface FleetRun {
  source: GitSource;
  state: FleetState;
  access: (cluster: FleetCluster) => ClusterAccess;
  selected: string[];
}

/** clusterAccessFactory loads the kubeconfig and returns cluster -> ClusterAccess. */
export function clusterAccessFactory(
  options: Pick<RunOptions, 'kubeconfig' | 'fieldManager' | 'timeout' | 'namespaces'>,
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
      ...(options.namespaces ? { namespaces: options.namespaces } : {}),
    });
}

/** loadFleetRun fetches the repo and prepares cluster access; a repo that cannot be read throws. */
export async function loadFleetRun(options: RunOptions): Promise<FleetRun> {
  const source = openGitSource(options);
  const synced = await source.sync();
  if (!synced.snapshot) throw new UsageError(synced.error?.message ?? `cannot read ${source.repo}`);
  const state = await (await desiredStateBuilder(options))(synced.snapshot);
  const names = state.fleet?.clusters.map((c) => c.name) ?? [];
  const unknown = (options.cluster ?? []).filter((c) => !names.includes(c));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown cluster ${unknown.join(', ')}: fleet.yaml has ${names.join(', ') || 'no clusters'}`,
    );
  }
  return { source, state, selected: options.cluster ?? [], access: clusterAccessFactory(options) };
}
