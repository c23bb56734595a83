/**
 * The console's view of the JSON API (`/api/v1/...`, see web/console/README.md). Written out here
 * rather than imported from the daemon's modules: the console is a separate browser bundle, and these
 * types are the contract it was built against. Secret values never appear: only `hmac-sha256:<12 hex>`.
 */

/** Role is what a console user may do: viewers read, operators also approve, reject and remediate. */
export type Role = 'viewer' | 'operator';

/** Whoami is the answer of `GET /api/v1/whoami`. */
export interface Whoami {
  user: string | null;
  role: Role | null;
  auth: 'off' | 'token' | 'proxy';
  csrfToken?: string;
}

/** ManagedKind is a kind trueup manages. */
export type ManagedKind = 'ConfigMap' | 'Secret';

/** ObjectRef names one managed object on one cluster. */
export interface ObjectRef {
  cluster: string;
  kind: ManagedKind;
  namespace: string;
  name: string;
}

/** DocumentChange is one path that differs inside a JSON or YAML document value (values as JSON). */
export interface DocumentChange {
  path: string;
  pointer: string;
  type: 'changed' | 'added' | 'removed';
  desired?: string;
  live?: string;
}

/** DocumentDiff is the drift inside a ConfigMap value holding a JSON or YAML document. */
export interface DocumentDiff {
  format: 'json' | 'yaml';
  changes: DocumentChange[];
  more?: number;
  ignored?: number;
}

/** Change is one drifted field; Secret values show as `hmac-sha256:<12 hex>`. */
export interface Change {
  path: string;
  type: 'changed' | 'added' | 'removed';
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
}

/** KeyOrigin is where in the repo a desired key was set. */
export interface KeyOrigin {
  file: string;
  line: number;
  commit?: string;
  time?: string;
  author?: string;
  summary?: string;
}

/** Decision is what the policy says to do about a drift, and why. */
export interface Decision {
  mode: 'auto' | 'approve' | 'observe' | 'ignore';
  reasons: string[];
  ruleRefs: string[];
  hold?: string;
}

/** DriftStatus is the state of one object on one cluster (`unknown`: held by repo errors, see Drift.heldBy). */
export type DriftStatus = 'in-sync' | 'modified' | 'missing' | 'orphaned' | 'unknown';

/** Drift is the comparison of one object's desired and live state on one cluster. */
export interface Drift extends ObjectRef {
  status: DriftStatus;
  changes: Change[];
  driftedBy: DriftedBy[];
  provenance?: Record<string, KeyOrigin>;
  decision?: Decision;
  /** heldBy, for status unknown: the repo errors that make the object's desired state unknown. */
  heldBy?: RepoError[];
  /** flap: another field manager keeps undoing trueup's fix, and trueup backs off. */
  flap?: Flap;
}

/** Flap says another field manager keeps undoing trueup's fix of an object. */
export interface Flap {
  manager: string;
  since: string;
  remediations: number;
  retryAt?: string;
}

/** ClusterStatus is the fleet page's summary state of one cluster. */
export type ClusterStatus = 'in-sync' | 'drifted' | 'held' | 'errors' | 'unreachable';

/** ClusterSummary is one cluster in `GET /api/v1/status`. */
export interface ClusterSummary {
  name: string;
  labels: Record<string, string>;
  reachable: boolean;
  synced: boolean;
  error?: string;
  lastSync?: string;
  objects: number;
  drifted: number;
  held: number;
  /** flapping counts objects another field manager keeps undoing (trueup backs off). */
  flapping?: number;
  status: ClusterStatus;
}

/** RepoError is a problem with the repo's content, tied to a file and line where known. */
export interface RepoError {
  file?: string;
  line?: number;
  cluster?: string;
  message: string;
  /** code is the TRUEUP_* code of the error, where it has one. */
  code?: string;
  /** holds are the objects (`kind/namespace/name`) the error makes unknown (not orphaned, never pruned). */
  holds?: string[];
}

/** Status is the answer of `GET /api/v1/status`. */
export interface Status {
  revision?: string;
  gitError?: string;
  ready: boolean;
  errors: RepoError[];
  clusters: ClusterSummary[];
  repoWebUrl?: string;
}

/** Failure is a coded failure: a TRUEUP_* code of the error catalog, and whether a retry may help. */
export interface Failure {
  code: string;
  message: string;
  transient: boolean;
}

/** ChangeSetEntry is one planned or performed remediation. */
export interface ChangeSetEntry extends ObjectRef {
  action: string;
  reasons: string[];
  decision?: Decision;
  dryRun?: 'passed' | 'failed';
  error?: string;
  /** failure is error coded from the catalog. */
  failure?: Failure;
  pending?: { action: string; resourceVersion: string };
  approval?: string;
}

/** ApprovalState is where a held remediation stands. */
export type ApprovalState = 'pending' | 'applying' | 'approved' | 'rejected' | 'stale' | 'failed';

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

/** ObjectDetail is the answer of `GET /api/v1/objects/:cluster/:namespace/:kind/:name`. */
export interface ObjectDetail {
  ref: ObjectRef;
  status: DriftStatus | 'unknown';
  drift?: Drift;
  provenance: Record<string, KeyOrigin>;
  approvals: Approval[];
  history: { drifts: DriftRecord[]; remediations: RemediationRecord[] };
  actions: { approve: boolean; remediate: boolean };
}

/** History is the answer of `GET /api/v1/history`. */
export interface History {
  drifts: DriftRecord[];
  remediations: RemediationRecord[];
}

/** ActionResult is the answer of an approve, reject or remediate POST (200 or 409). */
export interface ActionResult {
  ok: boolean;
  reason?: string;
  /** code is a refusal's TRUEUP_* code (TRUEUP_APPROVAL_REFUSED, TRUEUP_APPROVAL_FAILED). */
  code?: string;
  approval?: Approval;
  fresh?: Approval;
  entry?: ChangeSetEntry;
}
