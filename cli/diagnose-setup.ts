/**
 * What `serve` and `diagnose` share to investigate alerts: the read port (the daemon's cache in
 * serve, a one-shot reader in the CLI), workload readers over the kubeconfig, the git source; the
 * fix-validation gates (a dry-run-only cluster access, approvals proposed through the approvals
 * module); the LLM endpoint from the environment.
 */
import type { Logger } from 'pino';
import { type LlmConfig, llmConfigFromEnv } from '../diagnose/agent.ts';
import { defaultEvidenceOptions, type EvidenceSources } from '../diagnose/evidence.ts';
import type { FixDryRun } from '../diagnose/fix-validation.ts';
import type { InvestigationDeps } from '../diagnose/investigate.ts';
import { kubeWorkloadReader, type WorkloadReader } from '../diagnose/kube-reader.ts';
import type { DiagnoseMetrics } from '../diagnose/metrics.ts';
import type { RepoRender } from '../diagnose/repo-change.ts';
import { type DaemonCache, daemonObjectReader } from '../reconciler/daemon/object-reader.ts';
import type { GitSource, LineOrigin } from '../reconciler/git/git-source.ts';
import type { ClusterAccess } from '../reconciler/kube/kube-cluster.ts';
import { contextOf, type FleetCluster } from '../reconciler/repo/fleet-config.ts';
import type { FleetState } from '../reconciler/repo/fleet-state.ts';
import type { AuditStore } from '../reconciler/store/store.ts';
import { approvalProposer } from '../reconciler/sync/approvals.ts';
import { type CycleOptions, defaultCycleOptions } from '../reconciler/sync/cycle.ts';
import { cycleObjectReader } from '../reconciler/sync/object-reader.ts';
import { remediateDrift } from '../reconciler/sync/remediate.ts';
import { UsageError } from './errors.ts';
import { clusterAccessFactory, loadKubeConfig } from './fleet-run.ts';
import type { RunOptions } from './options.ts';
import { desiredStateBuilder } from './repo-source.ts';

/** DiagnoseSetup are the inputs of investigationDeps. */
export interface DiagnoseSetup {
  options: Pick<RunOptions, 'kubeconfig' | 'fieldManager' | 'timeout' | 'namespaces'> & {
    clusterLabel?: string;
    /** defaultCluster is the cluster of alerts without a cluster label (`--default-cluster`). */
    defaultCluster?: string;
  };
  state: () => FleetState | undefined;
  store: AuditStore;
  /** git: fileAt (a commit's revert patch) and content (rendering a repo change) are optional. */
  git: Pick<GitSource, 'log' | 'blame'> & Partial<Pick<GitSource, 'fileAt' | 'content'>>;
  cycle: Partial<CycleOptions>;
  log: Logger;
  metrics?: DiagnoseMetrics;
  env?: NodeJS.ProcessEnv;
  /** diagnosisApprovals: queue approvals for diagnosed fixes even when cycle.remediate is off. */
  diagnosisApprovals?: boolean;
  /** daemon, in serve: objects are read from its cache (clusters it does not hold are read live). */
  daemon?: DaemonCache;
  /** access, when given, is the cluster access to use (serve's one guarded pool); else one is made. */
  access?: (cluster: FleetCluster) => ClusterAccess;
}

/**
 * cachedGit memoises blame and log per revision and file: a commit never changes, and each
 * investigation would otherwise start a git process per file (the bench's largest cost).
 */
export function cachedGit(
  git: DiagnoseSetup['git'],
  max = 500,
): EvidenceSources['git'] & { blame(revision: string, file: string): Promise<Map<number, LineOrigin>> } {
  const cache = new Map<string, Promise<unknown>>();
  const fileAt = git.fileAt?.bind(git);
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
    ...(fileAt
      ? {
          fileAt: (rev: string, file: string, o: { before?: boolean } = {}) =>
            memo(`file\0${rev}\0${file}\0${o.before ?? false}`, () => fileAt(rev, file, o)),
        }
      : {}),
  };
}

/** investigationDeps wires evidence, validation and the LLM (if configured) for investigations. */
export function investigationDeps(setup: DiagnoseSetup): InvestigationDeps {
  const { access, reader } = clusterEdges(setup);
  const cycle: CycleOptions = {
    ...defaultCycleOptions(),
    fieldManager: setup.options.fieldManager,
    ...setup.cycle,
  };
  const git = cachedGit(setup.git);
  // The one-shot reader reads an object live and evaluates it as the cycle would; in serve it
  // answers only for the clusters the daemon's cache does not hold.
  const oneShot = cycleObjectReader({
    state: setup.state,
    live: (name) => {
      const a = access(name);
      return a && ((ref) => a.read(ref));
    },
    store: setup.store,
    blame: git.blame,
    context: {
      fieldManager: cycle.fieldManager,
      ...(cycle.installation !== undefined ? { installation: cycle.installation } : {}),
      remediate: cycle.remediate,
    },
  });
  const objects = setup.daemon
    ? daemonObjectReader(setup.daemon, { store: setup.store, blame: git.blame, fallback: oneShot })
    : oneShot;
  const repo = repoRender(setup);
  let llm: LlmConfig | undefined;
  try {
    llm = llmConfigFromEnv(setup.env ?? process.env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    sources: { objects, reader, git },
    validation: {
      objects,
      dryRun: (name) => {
        const a = access(name);
        return a && fixDryRun(a, cycle);
      },
      approvals: approvalProposer(setup.store),
      options: cycle,
      approvalsWhenDetectOnly: setup.diagnosisApprovals ?? false,
      ...(repo ? { repo } : {}),
    },
    ...(llm ? { llm } : {}),
    evidence: {
      ...defaultEvidenceOptions(),
      clusterLabel: setup.options.clusterLabel ?? 'cluster',
      ...(setup.options.defaultCluster ? { defaultCluster: setup.options.defaultCluster } : {}),
    },
    ...(setup.metrics ? { metrics: setup.metrics } : {}),
    log: setup.log,
  };
}

/**
 * repoRender renders a proposed repo change as the run renders the repo (SOPS with the age keys of
 * the environment, --namespaces), over the git source's files; undefined without them.
 */
function repoRender(setup: DiagnoseSetup): RepoRender | undefined {
  const content = setup.git.content?.bind(setup.git);
  if (!content) return undefined;
  let build: ReturnType<typeof desiredStateBuilder> | undefined;
  return {
    content,
    render: async (files) => {
      build ??= desiredStateBuilder(setup.options);
      return (await build)(files);
    },
  };
}

/**
 * clusterEdges are the cluster accesses and workload readers of investigations, one per fleet
 * cluster. The accesses are setup.access when given (serve's one guarded pool), else a pool of
 * their own (the one-shot `diagnose`).
 */
function clusterEdges(setup: DiagnoseSetup): {
  access: (cluster: string) => ClusterAccess | undefined;
  reader: (cluster: string) => WorkloadReader | undefined;
} {
  const kubeConfig = loadKubeConfig(setup.options);
  const clusterAccess = setup.access ?? clusterAccessFactory(setup.options, kubeConfig);
  const timeoutMs = setup.options.timeout * 1000;
  const fleetCluster = (name: string) => setup.state()?.fleet?.clusters.find((c) => c.name === name);
  const readers = new Map<string, WorkloadReader>();
  return {
    access: (name) => {
      const cluster = fleetCluster(name);
      return cluster && clusterAccess(cluster);
    },
    reader: (name) => {
      const cluster = fleetCluster(name);
      if (!cluster) return undefined;
      const key = `${name}\0${contextOf(cluster)}`;
      let one = readers.get(key);
      if (!one) {
        one = kubeWorkloadReader(kubeConfig, name, { context: contextOf(cluster), timeoutMs });
        readers.set(key, one);
      }
      return one;
    },
  };
}

/**
 * fixDryRun is the one cluster capability fix validation gets: plan the remediation and have the
 * server dry-run it, through an access whose every write is a dry-run and which records no Event.
 */
function fixDryRun(access: ClusterAccess, cycle: CycleOptions): FixDryRun {
  return (evaluation, desired, live, complete) =>
    remediateDrift({
      evaluation,
      desired,
      live,
      complete,
      cluster: dryRunOnly(access),
      options: { ...cycle, remediate: true, dryRun: true, recordEvents: false },
    });
}

/** dryRunOnly wraps a cluster access so that it cannot write: every write is a server dry-run. */
function dryRunOnly(access: ClusterAccess): ClusterAccess {
  return {
    name: access.name,
    listObjects: () => access.listObjects(),
    listKind: (kind) => access.listKind(kind),
    watchKind: (kind, version, handlers) => access.watchKind(kind, version, handlers),
    read: (ref) => access.read(ref),
    apply: (manifest, options) => access.apply(manifest, { ...options, dryRun: true }),
    validateCreate: (manifest) => access.validateCreate(manifest),
    removeKeys: (ref, paths, version, options) =>
      access.removeKeys(ref, paths, version, { ...options, dryRun: true }),
    delete: (ref, precondition, options) => access.delete(ref, precondition, { ...options, dryRun: true }),
    recordEvent: async () => {},
  };
}
