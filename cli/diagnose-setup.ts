/**
 * What `serve` and `diagnose` share to investigate alerts: evidence sources over the kubeconfig,
 * the fleet state, the audit store and the git source; the fix-validation gates; the LLM endpoint
 * from the environment.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type LlmConfig, llmConfigFromEnv } from '../diagnose/agent.ts';
import { defaultEvidenceOptions, type EvidenceSources } from '../diagnose/evidence.ts';
import type { InvestigationDeps } from '../diagnose/investigate.ts';
import { kubeWorkloadReader, type WorkloadReader } from '../diagnose/kube-reader.ts';
import type { DiagnoseMetrics } from '../diagnose/metrics.ts';
import type { GitSource } from '../reconciler/git/git-source.ts';
import { type ClusterAccess, kubeClusterAccess } from '../reconciler/kube/kube-cluster.ts';
import { contextOf } from '../reconciler/repo/fleet-config.ts';
import type { FleetState } from '../reconciler/repo/fleet-state.ts';
import type { AuditStore } from '../reconciler/store/store.ts';
import { type CycleOptions, defaultCycleOptions } from '../reconciler/sync/cycle.ts';
import { UsageError } from './errors.ts';
import type { RunOptions } from './options.ts';

/** DiagnoseSetup are the inputs of investigationDeps. */
export interface DiagnoseSetup {
  options: Pick<RunOptions, 'kubeconfig' | 'fieldManager' | 'timeout' | 'namespaces'> & {
    clusterLabel?: string;
  };
  state: () => FleetState | undefined;
  store: AuditStore;
  git: Pick<GitSource, 'log' | 'blame'>;
  cycle: Partial<CycleOptions>;
  log: Logger;
  metrics?: DiagnoseMetrics;
  env?: NodeJS.ProcessEnv;
  /** diagnosisApprovals: queue approvals for diagnosed fixes even when cycle.remediate is off. */
  diagnosisApprovals?: boolean;
}

/**
 * cachedGit memoises blame and log per revision and file: a commit never changes, and each
 * investigation would otherwise start a git process per file (the bench's largest cost).
 */
export function cachedGit(git: Pick<GitSource, 'log' | 'blame'>, max = 500): EvidenceSources['git'] {
  const cache = new Map<string, Promise<unknown>>();
  const memo = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    let hit = cache.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = load();
      // A failed read is not remembered: the next investigation tries again.
      hit.catch(() => cache.delete(key));
      cache.set(key, hit);
      if (cache.size > max) cache.delete(cache.keys().next().value as string);
    }
    return hit;
  };
  return {
    // Without a revision a log follows the branch, which moves: only pinned logs are cached.
    log: (path, o) =>
      o.revision
        ? memo(`log\0${o.revision}\0${path}\0${o.max ?? ''}`, () => git.log(path, o))
        : git.log(path, o),
    blame: (rev, file) => memo(`blame\0${rev}\0${file}`, () => git.blame(rev, file)),
  };
}

/** investigationDeps wires evidence, validation and the LLM (if configured) for investigations. */
export function investigationDeps(setup: DiagnoseSetup): InvestigationDeps {
  const kubeConfig = new KubeConfig();
  try {
    if (setup.options.kubeconfig) kubeConfig.loadFromFile(setup.options.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (err) {
    throw new UsageError(
      `cannot load kubeconfig ${setup.options.kubeconfig ?? '(default)'}: ${(err as Error).message}`,
    );
  }
  const accesses = new Map<string, ClusterAccess>();
  const readers = new Map<string, WorkloadReader>();
  const fleetCluster = (name: string) => setup.state()?.fleet?.clusters.find((c) => c.name === name);
  const timeoutMs = setup.options.timeout * 1000;
  const access = (name: string) => {
    const cluster = fleetCluster(name);
    if (!cluster) return undefined;
    const key = `${name}\0${contextOf(cluster)}`;
    let a = accesses.get(key);
    if (!a) {
      a = kubeClusterAccess(kubeConfig, name, contextOf(cluster), {
        fieldManager: setup.options.fieldManager,
        timeoutMs,
        ...(setup.options.namespaces ? { namespaces: setup.options.namespaces } : {}),
      });
      accesses.set(key, a);
    }
    return a;
  };
  const reader = (name: string) => {
    const cluster = fleetCluster(name);
    if (!cluster) return undefined;
    const key = `${name}\0${contextOf(cluster)}`;
    let r = readers.get(key);
    if (!r) {
      r = kubeWorkloadReader(kubeConfig, name, { context: contextOf(cluster), timeoutMs });
      readers.set(key, r);
    }
    return r;
  };
  const cycle: CycleOptions = {
    ...defaultCycleOptions(),
    fieldManager: setup.options.fieldManager,
    ...setup.cycle,
  };
  const sources: EvidenceSources = {
    state: setup.state,
    access,
    reader,
    store: setup.store,
    git: cachedGit(setup.git),
    fieldManager: setup.options.fieldManager,
    remediate: cycle.remediate,
  };
  let llm: LlmConfig | undefined;
  try {
    llm = llmConfigFromEnv(setup.env ?? process.env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    sources,
    validation: {
      state: setup.state,
      access,
      store: setup.store,
      options: cycle,
      approvalsWhenDetectOnly: setup.diagnosisApprovals ?? false,
    },
    ...(llm ? { llm } : {}),
    evidence: { ...defaultEvidenceOptions(), clusterLabel: setup.options.clusterLabel ?? 'cluster' },
    ...(setup.metrics ? { metrics: setup.metrics } : {}),
    log: setup.log,
  };
}
