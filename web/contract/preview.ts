/**
 * The answer of `POST /api/v1/preview`: the same JSON as `trueup preview -o json` (see
 * reconciler/preview/model.ts, which contract.test.ts checks these against). Type-only.
 */
import type { ChangeAction, Decision, FieldChange, ManagedKind, ObjectRef, RepoError } from './drift.ts';
import type { Failure } from './errors.ts';

/** KeyChangeType says what the head does to one field path relative to the base. */
export type KeyChangeType = 'added' | 'changed' | 'removed';

/** KeyChange is one field path the head sets differently (a Secret value only as a digest). */
export interface KeyChange {
  path: string;
  type: KeyChangeType;
  base?: string;
  head?: string;
}

/** ObjectChangeType says what the head does to one object. */
export type ObjectChangeType = 'created' | 'deleted' | 'modified';

/** ObjectChange is one object the head declares differently on one cluster. */
export interface ObjectChange {
  kind: ManagedKind;
  namespace: string;
  name: string;
  change: ObjectChangeType;
  keys: KeyChange[];
}

/** Fate is what applying the head would do to one object on one cluster. */
export type Fate = 'applied' | 'approval' | 'observed' | 'refused' | 'kept' | 'pruned';

/** Cause says why an object is applied: the head changes it, it drifted live, or both. */
export type Cause = 'head' | 'drift' | 'both';

/** PreviewApply is the apply the head leads to for one object on one cluster. */
export interface PreviewApply {
  kind: ManagedKind;
  namespace: string;
  name: string;
  cause: Cause;
  fate: Fate;
  action: ChangeAction;
  reasons: string[];
  decision: Decision;
  dryRun: 'passed' | 'failed' | 'not-run';
  error?: string;
  failure?: Failure;
  baseDecision?: Decision;
}

/** LiveDrift is what already differs live on an object the head touches. */
export interface LiveDrift {
  kind: ManagedKind;
  namespace: string;
  name: string;
  status: 'modified' | 'missing';
  changes: FieldChange[];
}

/** ClusterPreview is one cluster's part of a preview. */
export interface ClusterPreview {
  name: string;
  reachable: boolean;
  error?: string;
  changes: ObjectChange[];
  drift: LiveDrift[];
  applies: PreviewApply[];
}

/** ClusterGroup is a set of clusters whose changes and fates are identical. */
export interface ClusterGroup {
  clusters: string[];
  summary: string;
}

/** PolicyNote says whether the head changes the policies. */
export interface PolicyNote {
  changed: boolean;
  decisionsChanged: number;
  note?: string;
}

/** PreviewOutcome: no-change (exit 0), changes (1), errors (2). */
export type PreviewOutcome = 'no-change' | 'changes' | 'errors';

/** ConflictSource is one target's setting of a conflicting field. */
export interface ConflictSource {
  file: string;
  line: number;
  /** lastLine is the value's last line when it spans several (a block scalar). */
  lastLine?: number;
  commit?: string;
  target: string;
  value: string;
}

/** Conflict is one field two targets set to different values on one cluster. */
export interface Conflict extends ObjectRef {
  path: string;
  winner: ConflictSource;
  overridden: ConflictSource[];
}

/** PreviewReport is the whole preview. */
export interface PreviewReport {
  base: { ref: string; revision: string };
  head: { ref: string; revision: string };
  summary: string;
  outcome: PreviewOutcome;
  policies: PolicyNote;
  clusters: ClusterPreview[];
  groups: ClusterGroup[];
  errors: RepoError[];
  baseErrors: RepoError[];
  conflicts: Conflict[];
}

/** PreviewRequest is the body of `POST /api/v1/preview`. */
export interface PreviewRequest {
  head: string;
  /** base defaults to the revision `serve` has in use. */
  base?: string;
  clusters?: string[];
  prune?: boolean;
  replaceImmutable?: boolean;
}
