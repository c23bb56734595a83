/**
 * The JSON shapes of drift, change sets, approvals and audit records as the API sends them: the
 * same data as the reconciler's model (`reconciler/core/model.ts`, `reconciler/sync/cycle.ts`,
 * `reconciler/store/store.ts`), written out here because the console's browser build cannot compile
 * those modules (they sit next to Node-only code). `contract.test.ts` fails when the two drift apart.
 * Secret values never appear: only `hmac-sha256:<12 hex>` digests.
 */
import type { Failure, TrueupCode } from './errors.ts';

/** ManagedKind is a kind trueup manages. */
export type ManagedKind = 'ConfigMap' | 'Secret';

/** ObjectRef names one managed object on one cluster. */
export interface ObjectRef {
  cluster: string;
  kind: ManagedKind;
  namespace: string;
  name: string;
}

/** KeyOrigin is where in the repo a desired key was set (provenance). */
export interface KeyOrigin {
  file: string;
  line: number;
  /** lastLine is the value's last line when it spans several (a block scalar). */
  lastLine?: number;
  /** commit that last changed that line (or, for a block value, the newest of its lines), where known. */
  commit?: string;
}

/** BlamedOrigin is a KeyOrigin with the blame of its line: the commit's time, author and summary. */
export type BlamedOrigin = KeyOrigin & { time?: string; author?: string; summary?: string };

/** DriftStatus is the state of one object on one cluster (`unknown`: held by repo errors, see Drift.heldBy). */
export type DriftStatus = 'in-sync' | 'modified' | 'missing' | 'orphaned' | 'unknown';

/** ChangeType says how a live field differs: changed value, added out of band, or removed out of band. */
export type ChangeType = 'changed' | 'added' | 'removed';

/** DocumentFormat is how a ConfigMap value holding a document was parsed. */
export type DocumentFormat = 'json' | 'yaml';

/** DocumentChange is one path that differs inside a JSON or YAML document value (values as JSON). */
export interface DocumentChange {
  path: string;
  pointer: string;
  type: ChangeType;
  desired?: string;
  live?: string;
}

/** DocumentDiff is the drift inside a ConfigMap value holding a JSON or YAML document. */
export interface DocumentDiff {
  format: DocumentFormat;
  changes: DocumentChange[];
  /** more counts the differences left out of `changes`. */
  more?: number;
  /** ignored counts the differences that policy `ignore.paths` left out. */
  ignored?: number;
}

/** FieldChange is one drifted field; Secret values show as `hmac-sha256:<12 hex>`. */
export interface FieldChange {
  path: string;
  type: ChangeType;
  desired?: string;
  live?: string;
  /** document: for a changed ConfigMap value holding a JSON or YAML document, the paths that differ. */
  document?: DocumentDiff;
}

/** DriftedBy names a field manager that last wrote drifted fields. */
export interface DriftedBy {
  manager: string;
  operation: string;
  time?: string;
  paths: string[];
  /**
   * user made the write, from the Kubernetes audit log (reconciler/audit); null: no audit event
   * matched (userReason says why); absent: audit attribution is off for the cluster.
   */
  user?: string | null;
  userReason?: string;
  groups?: string[];
  userAgent?: string;
  sourceIPs?: string[];
  auditID?: string;
  /** requestTime is when the apiserver received the write (RFC 3339, UTC). */
  requestTime?: string;
}

/** RemediationMode says what trueup does with a drift: fix it, queue it for a human, report it, or skip it. */
export type RemediationMode = 'auto' | 'approve' | 'observe' | 'ignore';

/** HoldKind says what held an auto remediation back (it became approve). */
export type HoldKind = 'policy-errors' | 'protected-namespace' | 'window' | 'limit' | 'wave';

/** Decision is what the policy says to do about a drift, and why. */
export interface Decision {
  mode: RemediationMode;
  reasons: string[];
  ruleRefs: string[];
  /** hold is set when an auto remediation was held back, and by what. */
  hold?: HoldKind;
}

/** Flap says another field manager keeps undoing trueup's fix of an object, and trueup backs off. */
export interface Flap {
  manager: string;
  since: string;
  remediations: number;
  retryAt?: string;
}

/** RepoErrorCode classifies a repo error: the `TRUEUP_REPO_*` codes. */
export type RepoErrorCode = Extract<TrueupCode, `TRUEUP_REPO_${string}`>;

/** RepoError is a problem with the repo's content, tied to a file and line where known. */
export interface RepoError {
  file?: string;
  line?: number;
  cluster?: string;
  message: string;
  code?: RepoErrorCode;
  /** holds are the objects (`kind/namespace/name`) the error makes unknown (not orphaned, never pruned). */
  holds?: string[];
}

/** Drift is the comparison of one object's desired and live state on one cluster. */
export interface Drift extends ObjectRef {
  status: DriftStatus;
  changes: FieldChange[];
  driftedBy: DriftedBy[];
  /** resourceVersion of the live object the drift was seen on (serve, and diff with audit attribution). */
  resourceVersion?: string;
  provenance?: Record<string, KeyOrigin>;
  decision?: Decision;
  /** heldBy, for status unknown: the repo errors that make the object's desired state unknown. */
  heldBy?: RepoError[];
  /** flap: another field manager keeps undoing trueup's fix, and trueup backs off. */
  flap?: Flap;
}

/** ChangeAction is what a remediation did (or would do) to an object. */
export type ChangeAction = 'created' | 'configured' | 'replaced' | 'unchanged' | 'skipped' | 'deleted';

/** ChangeSetEntry is the outcome of remediating (or holding back) one object. */
export interface ChangeSetEntry extends ObjectRef {
  action: ChangeAction;
  reasons: string[];
  decision: Decision;
  dryRun?: 'passed' | 'failed';
  /** error says what failed; action is then what was attempted. */
  error?: string;
  /** failure is the same failure, coded. */
  failure?: Failure;
  /** pending: what the change would do and the live resourceVersion it was planned against. */
  pending?: { action: ChangeAction; resourceVersion: string };
  /** approval is the id of the pending approval queued for it. */
  approval?: string;
  /** before and after digests of the object's managed content. */
  before?: string;
  after?: string;
  /** recreateFailed: a replacement deleted the object and could not create it again. */
  recreateFailed?: boolean;
  /** intent is the id of the write intent recorded before the first write. */
  intent?: string;
}

/**
 * ApprovalState is where a remediation pending approval stands (`accepted`: approved through a
 * replica that does not own its cluster, waiting for the owner; `applying`: approved, being applied).
 */
export type ApprovalState =
  | 'pending'
  | 'accepted'
  | 'applying'
  | 'approved'
  | 'rejected'
  | 'stale'
  | 'failed';

/** Approval is a remediation waiting for (or past) a human decision. */
export interface Approval {
  id: string;
  created: string;
  revision: string;
  resourceVersion: string;
  state: ApprovalState;
  entry: ChangeSetEntry;
  drift: Drift;
  decidedBy?: string;
  decidedAt?: string;
  channel?: string;
  note?: string;
}

/**
 * AuditRecord is one write of a managed ConfigMap or Secret from the Kubernetes audit log: who
 * (user, groups, user agent, source IPs), with which field manager, when. Never a body or a value.
 */
export interface AuditRecord extends ObjectRef {
  auditID: string;
  verb: 'create' | 'update' | 'patch' | 'delete';
  user: string;
  groups: string[];
  impersonator?: string;
  userAgent: string;
  sourceIPs: string[];
  fieldManager?: string;
  resourceVersion?: string;
  requestTime: string;
  stageTime: string;
}

/** DriftRecord is one recorded drift detection. */
export interface DriftRecord {
  id: number;
  time: string;
  revision: string;
  drift: Drift;
}

/** RemediationRecord is one recorded remediation attempt. */
export interface RemediationRecord {
  id: number;
  time: string;
  revision: string;
  actor: string;
  entry: ChangeSetEntry;
}
