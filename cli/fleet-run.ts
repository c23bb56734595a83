/**
 * What `diff` and `reconcile` share: fetch the fleet repo, build the desired state (decrypting
 * SOPS Secrets in memory), and connect to the selected clusters through the kubeconfig.
 */

import type { GitSource } from '../reconciler/git/git-source.ts';
import { KubeConfig } from '../reconciler/kube/client-node.ts';
import { type ClusterAccess, kubeClusterAccess } from '../reconciler/kube/kube-cluster.ts';
import { contextOf, type FleetCluster } from '../reconciler/repo/fleet-config.ts';
import type { FleetState } from '../reconciler/repo/fleet-state.ts';
import { UsageError } from './errors.ts';
import type { RunOptions } from './options.ts';
import { loadRepoState } from './repo-source.ts';

/** FleetRun is a loaded fleet: desired state at a revision, and access to its clusters. */
export interface FleetRun {
  source: GitSource;
  state: FleetState;
  access: ClusterAccessFactory;
  selected: string[];
}

/**
 * ClusterAccessFactory returns cluster -> ClusterAccess; close closes every access it made (aborts
 * their requests in flight, closes their connections), so a one-shot command ends when it is done.
 */
export type ClusterAccessFactory = ((cluster: FleetCluster) => ClusterAccess) & {
  close(): Promise<void>;
};

/**
 * clusterAccessFactory loads the kubeconfig and returns cluster -> ClusterAccess, one per cluster
 * and context, with close to close them all.
 */
export function clusterAccessFactory(
  options: Pick<RunOptions, 'kubeconfig' | 'fieldManager' | 'timeout' | 'namespaces'>,
  kubeConfig: KubeConfig = loadKubeConfig(options),
): ClusterAccessFactory {
  // One access (one connection pool) per cluster and context: serve asks again for every
  // approval, and close must reach every pool made.
  const made = new Map<string, ClusterAccess>();
  const access = (cluster: FleetCluster) => {
    const key = `${cluster.name}\0${contextOf(cluster)}`;
    let a = made.get(key);
    if (!a) {
      a = kubeClusterAccess(kubeConfig, cluster.name, contextOf(cluster), {
        fieldManager: options.fieldManager,
        timeoutMs: options.timeout * 1000,
        ...(options.namespaces ? { namespaces: options.namespaces } : {}),
      });
      made.set(key, a);
    }
    return a;
  };
  const close = async () => {
    const all = [...made.values()];
    made.clear();
    await Promise.all(all.map((a) => a.close?.()));
  };
  return Object.assign(access, { close });
}

/** loadKubeConfig loads --kubeconfig (else the default one); a file that cannot be loaded is a usage error. */
export function loadKubeConfig(options: Pick<RunOptions, 'kubeconfig'>): KubeConfig {
  const kubeConfig = new KubeConfig();
  try {
    if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (err) {
    throw new UsageError(
      `cannot load kubeconfig ${options.kubeconfig ?? '(default)'}: ${(err as Error).message}`,
    );
  }
  return kubeConfig;
}

/** loadFleetRun fetches the repo and prepares cluster access; a repo that cannot be read throws. */
export async function loadFleetRun(options: RunOptions): Promise<FleetRun> {
  const { source, state } = await loadRepoState(options);
  const names = state.fleet?.clusters.map((c) => c.name) ?? [];
  const unknown = (options.cluster ?? []).filter((c) => !names.includes(c));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown cluster ${unknown.join(', ')}: fleet.yaml has ${names.join(', ') || 'no clusters'}`,
    );
  }
  return { source, state, selected: options.cluster ?? [], access: clusterAccessFactory(options) };
}
