/**
 * What the sync pipeline returns: per object, what it did or held back and why (a change set
 * entry); per cluster and per cycle, the drifts found and the change set.
 */
import type { Decision } from '../core/decision.ts';
import type { Failure } from '../core/errors.ts';
import type { Drift, ObjectRef, RepoError } from '../core/model.ts';
import type { ChangeAction } from './plan.ts';

/** ChangeSetEntry is the outcome of remediating (or holding back) one object. */
export interface ChangeSetEntry extends ObjectRef {
  action: ChangeAction;
  reasons: string[];
  decision: Decision;
  /** dryRun is the server dry-run's verdict, when one ran. */
  dryRun?: 'passed' | 'failed';
  /** error says what failed; action is then what was attempted. */
  error?: string;
  /** failure is the same failure coded from the error catalog: `{code, message, transient}`. */
  failure?: Failure;
  /**
   * pending is set when the change waits for approval: what it would do, and the live
   * resourceVersion it was planned (and dry-run) against. An approval is bound to both.
   */
  pending?: { action: ChangeAction; resourceVersion: string };
  /** approval is the id of the pending approval queued for it (`trueup approve <id>`). */
  approval?: string;
  /** before and after digests of the object's managed content. */
  before?: string;
  after?: string;
  /**
   * recreateFailed: a replacement deleted the object but could not create it again (after
   * retrying); the object is missing on the cluster until a later remediation creates it.
   */
  recreateFailed?: boolean;
  /** intent is the id of the write intent recorded before the first write; its audit record completes it. */
  intent?: string;
}

/** ClusterReport is one cluster's part of a cycle. */
export interface ClusterReport {
  name: string;
  reachable: boolean;
  error?: string;
  drifts: Drift[];
  /** changeSet is what the cycle did or held back for each drifted object (`changes` in the JSON, deprecated). */
  changeSet: ChangeSetEntry[];
}

/** CycleReport is what a reconcile cycle found and did. */
export interface CycleReport {
  revision: string;
  clusters: ClusterReport[];
  errors: RepoError[];
}
