/**
 * What `trueup preview` reports: per cluster, what a head revision changes relative to a base (keys
 * and objects), what already differs live on the objects it touches, and what applying it would do
 * (the server dry-run's verdict and the head policies' decision). Plain data: the CLI's `-o json`,
 * `POST /api/v1/preview`, the console and chat all show this shape.
 */
import type { Decision } from '../core/decision.ts';
import type { Failure } from '../core/errors.ts';
import type { Conflict, FieldChange, ManagedKind, RepoError } from '../core/model.ts';
import type { ChangeAction } from '../sync/plan.ts';

/** KeyChangeType says what the head does to one field path relative to the base. */
export type KeyChangeType = 'added' | 'changed' | 'removed';

/**
 * KeyChange is one field path the head sets differently from the base. Paths as in drift
 * (`data.<key>`, `binaryData.<key>`, `metadata.labels.<key>`, `metadata.annotations.<key>`, `type`,
 * `immutable`); a Secret value (and any value SOPS decrypted) only as `hmac-sha256:<12 hex>`.
 */
export interface KeyChange {
  path: string;
  type: KeyChangeType;
  base?: string;
  head?: string;
}

/** ObjectChangeType says what the head does to one object: creates it, deletes it or changes keys. */
export type ObjectChangeType = 'created' | 'deleted' | 'modified';

/** ObjectChange is one object the head declares differently from the base on one cluster. */
export interface ObjectChange {
  kind: ManagedKind;
  namespace: string;
  name: string;
  change: ObjectChangeType;
  keys: KeyChange[];
}

/**
 * Fate is what applying the head would do to one object on one cluster:
 * - `applied`: auto, the dry-run passed — applied at once by the next reconcile;
 * - `approval`: planned and dry-run, then waits for approval (approve mode, or a hold: window,
 *   protected namespace, limit, wave, broken policies);
 * - `observed`: observe mode (or remediation off): reported, never applied;
 * - `refused`: the server dry-run refused it (admission, validation, immutability): nothing applied;
 * - `kept`: the head no longer declares it, and it stays on the cluster (prune is off, or trueup
 *   may not prune it);
 * - `pruned`: the head no longer declares it and prune deletes it (dry-run passed);
 */
export type Fate = 'applied' | 'approval' | 'observed' | 'refused' | 'kept' | 'pruned';

/** Cause says why an object is applied: the head changes it, it drifted live, or both. */
export type Cause = 'head' | 'drift' | 'both';

/** PreviewApply is the apply the head leads to for one object on one cluster, and its verdicts. */
export interface PreviewApply {
  kind: ManagedKind;
  namespace: string;
  name: string;
  cause: Cause;
  fate: Fate;
  /** action is what the apply would do (created, configured, replaced, deleted, skipped). */
  action: ChangeAction;
  reasons: string[];
  /** decision is the head policies' decision, after the gate (waves, limits). */
  decision: Decision;
  /** dryRun is the server dry-run's verdict; `not-run` when nothing would be sent. */
  dryRun: 'passed' | 'failed' | 'not-run';
  /** error and failure say why the dry-run failed (with its catalog code). */
  error?: string;
  failure?: Failure;
  /** baseDecision is set when the base's policies decide differently (the head changes them). */
  baseDecision?: Decision;
}

/** LiveDrift is what already differs live on an object the head touches, besides what the head changes. */
export interface LiveDrift {
  kind: ManagedKind;
  namespace: string;
  name: string;
  status: 'modified' | 'missing';
  /** changes are the drifted paths the head leaves as the base had them (desired = head = base). */
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

/** ClusterGroup is a set of clusters whose changes and fates are identical (shown once). */
export interface ClusterGroup {
  clusters: string[];
  /** summary is the group's line, e.g. `2 keys in 1 object: 1 applied at once`. */
  summary: string;
}

/** PolicyNote says whether the head changes the policies (decisions are the head's either way). */
export interface PolicyNote {
  changed: boolean;
  /** decisionsChanged counts the applies the base's policies would decide differently. */
  decisionsChanged: number;
  note?: string;
}

/** PreviewOutcome maps to the exit code: 0 no change, 1 changes, 2 errors. */
export type PreviewOutcome = 'no-change' | 'changes' | 'errors';

/** PreviewReport is a whole preview: base and head, every cluster, what the head introduces. */
export interface PreviewReport {
  base: { ref: string; revision: string };
  head: { ref: string; revision: string };
  summary: string;
  outcome: PreviewOutcome;
  policies: PolicyNote;
  clusters: ClusterPreview[];
  groups: ClusterGroup[];
  /** errors are the head's repo errors the base does not have (file:line). */
  errors: RepoError[];
  /** baseErrors are repo errors the base has too: reported, not blamed on the head. */
  baseErrors: RepoError[];
  /** conflicts are the head's target conflicts the base does not have. */
  conflicts: Conflict[];
}

/** PreviewRequest asks for a preview of a head (the API's body; base defaults to the revision in use). */
export interface PreviewRequest {
  head: string;
  /** base defaults to the revision `serve` has in use. */
  base?: string;
  clusters?: string[];
  prune?: boolean;
  replaceImmutable?: boolean;
}

/**
 * PreviewResult is a preview, or why it could not be made: a request to fix (a ref that names
 * nothing, an unknown cluster: `TRUEUP_BAD_REQUEST`) or a preview already running (`TRUEUP_OVERLOADED`).
 */
export type PreviewResult =
  | { ok: true; report: PreviewReport }
  | { ok: false; code: 'TRUEUP_BAD_REQUEST' | 'TRUEUP_OVERLOADED'; message: string };

/** PreviewService makes previews for the API and chat (wired by `serve`: cli/preview.ts). */
export type PreviewService = (request: PreviewRequest) => Promise<PreviewResult>;
