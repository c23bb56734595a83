/** The switches of a run of the sync pipeline (a one-shot cycle, the daemon, an approval). */
import type { ChangeSetEntry } from './change-set.ts';
import type { WriteJournal } from './intents.ts';

/** CycleOptions are the switches of one reconcile cycle. */
export interface CycleOptions {
  fieldManager: string;
  /** installation is this installation's id (trueup.io/installation): marks applies, bounds orphans and prune. */
  installation?: string;
  /** remediate turns remediation on (the decision may still hold changes back). */
  remediate: boolean;
  /** dryRun plans and validates with the server's dry-run but changes nothing. */
  dryRun: boolean;
  prune: boolean;
  replaceImmutable: boolean;
  /** recordEvents writes Kubernetes Events on remediated and failed objects. */
  recordEvents: boolean;
  /** now is the clock policy windows (and canary waves' settle time) are read with. */
  now?: () => Date;
  /**
   * changedAt tells when trueup last remediated an object (e.g. from the audit store), so canary
   * waves measure settle time from it even when the live object carries no stamp of it.
   */
  changedAt?: (cluster: string, key: string) => Date | undefined;
  /** journal records an intent before each remediation's first write (crash consistency, see intents.ts). */
  journal?: WriteJournal;
  /** concurrency bounds a cycle's remediations in flight (default defaultApplyConcurrency). */
  concurrency?: ApplyConcurrency;
  /** progress hears how a one-shot cycle advances, per cluster (the CLI's progress on a terminal). */
  progress?: CycleProgress;
}

/**
 * CycleProgress hears how a cycle advances on each cluster: listed (objects read), unreachable,
 * planned (changes about to be remediated or held) and each outcome. Listeners must not throw.
 */
export interface CycleProgress {
  listed(cluster: string, objects: number): void;
  unreachable(cluster: string, error: string): void;
  planned(cluster: string, changes: number): void;
  remediated(cluster: string, entry: ChangeSetEntry): void;
}

/** ApplyConcurrency bounds the remediations in flight: per cluster, and over the whole fleet. */
export interface ApplyConcurrency {
  perCluster: number;
  total: number;
}

/**
 * defaultApplyConcurrency: 8 objects at once per cluster, 32 over the fleet. Each remediation is
 * 3-4 short requests (dry-run, apply, read back, event) on the cluster's pooled connections; 8 in
 * flight keep one apiserver busy without queueing behind its default max-in-flight of 200.
 */
export const defaultApplyConcurrency: ApplyConcurrency = { perCluster: 8, total: 32 };

/** defaultCycleOptions: report only, trueup's field manager, nothing unsafe. */
export function defaultCycleOptions(): CycleOptions {
  return {
    fieldManager: 'trueup',
    remediate: false,
    dryRun: false,
    prune: false,
    replaceImmutable: false,
    recordEvents: false,
  };
}
