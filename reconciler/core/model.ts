/**
 * The reconciler's data model: desired objects from the repo, live objects from a cluster, drift
 * between them, and the errors that carry where they come from. Plain data; no I/O.
 */
import type { Decision } from './decision.ts';
import type { TrueupCode } from './errors.ts';
import type { ObjectRef } from './object-ref.ts';

// The object names live in object-ref.ts; re-exported here, where the model's readers look for them.
export {
  formatObjectRef,
  isManagedKind,
  type ManagedKind,
  type NamespacedRef,
  type ObjectRef,
  objectKey,
  parseObjectKey,
  parseObjectRef,
} from './object-ref.ts';

import type { SecretValue } from './secret-value.ts';

/** KeyOrigin is where in the repo a desired key was set (provenance). */
export interface KeyOrigin {
  file: string;
  line: number;
  /** lastLine is the value's last line when it spans several (a block scalar): a commit may change only those. */
  lastLine?: number;
  /** commit that last changed that line; filled in by the git edge when reported. */
  commit?: string;
}

/**
 * DesiredObject is one object as the repo declares it for one cluster, after merging every target
 * and substituting cluster variables. Secret values are SecretValue; ConfigMap values are strings.
 */
export interface DesiredObject extends ObjectRef {
  /** type of a Secret (default Opaque); undefined for ConfigMaps. */
  type?: string;
  immutable?: boolean;
  /** data: ConfigMap data (strings) or Secret data (data + stringData merged, as bytes). */
  data: Record<string, string | SecretValue>;
  /** binaryData: ConfigMap binaryData, base64 as in the manifest. */
  binaryData: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /**
   * secretPaths are the label and annotation paths (`metadata.labels.<key>`,
   * `metadata.annotations.<key>`) whose values SOPS decrypted: shown only as digests, scrubbed from
   * outbound text. (A ConfigMap's data values SOPS decrypted are SecretValue instead.)
   */
  secretPaths?: string[];
  /** provenance maps each declared field path (see FieldPath) to where it was set. */
  provenance: Record<string, KeyOrigin>;
}

/** ConflictSource is one target's setting of a conflicting field: where, in which target, to what. */
export interface ConflictSource extends KeyOrigin {
  /** target is the `path` of the fleet.yaml target that brought the file in. */
  target: string;
  /** value as set for the cluster (after cluster variables); a Secret value only as `hmac-sha256:<12 hex>`. */
  value: string;
}

/**
 * Conflict is one field path of one object on one cluster that two targets (or two files) set to
 * different values. The merge still takes the later one (winner); the conflict makes that visible.
 * Paths are those of FieldChange. Not reported when the winner's target has `overrides: true` or owns
 * the path (fleet.yaml `owns`).
 */
export interface Conflict extends ObjectRef {
  path: string;
  winner: ConflictSource;
  /** overridden are the earlier settings with a value other than the winner's, in target order. */
  overridden: ConflictSource[];
}

/** ManagedFieldsEntry is the part of a live managedFields entry trueup reads. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  time?: string;
  fieldsV1?: Record<string, unknown>;
}

/**
 * LiveObject is one object as read from a cluster. Secret values are already replaced by their
 * keyed digest at the point of reading, so nothing downstream ever holds a live Secret value.
 */
export interface LiveObject extends ObjectRef {
  uid: string;
  resourceVersion: string;
  type?: string;
  immutable?: boolean;
  /** data: ConfigMap values, or for Secrets the `hmac-sha256:<12 hex>` digest of each value. */
  data: Record<string, string>;
  binaryData: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  managedFields: ManagedFieldsEntry[];
}

/**
 * DriftStatus is the state of one targeted object on one cluster. `unknown`: trueup applied it and
 * the repo does not declare it now, but repo errors (see Drift.heldBy) leave the desired state
 * incomplete, so it may be declared in a file that cannot be read; it is neither orphaned nor pruned.
 */
export type DriftStatus = 'in-sync' | 'modified' | 'missing' | 'orphaned' | 'unknown';

/** ChangeType says how a live field differs: changed value, added out of band, or removed out of band. */
export type ChangeType = 'changed' | 'added' | 'removed';

/** DocumentFormat is how a ConfigMap value holding a document was parsed. */
export type DocumentFormat = 'json' | 'yaml';

/**
 * DocumentChange is one path that differs inside a document value: `path` for people
 * (`server.port`, `servers[0].host`), `pointer` as an RFC 6901 JSON pointer (`/server/port`, the form
 * ignore rules use after `#`), values as compact JSON (strings quoted), cut at 200 characters.
 */
export interface DocumentChange {
  path: string;
  pointer: string;
  type: ChangeType;
  desired?: string;
  live?: string;
}

/**
 * DocumentDiff is the drift inside one changed ConfigMap value that holds a JSON or YAML document.
 * `changes` is empty when the documents are equal and only the text differs (formatting, comments).
 */
export interface DocumentDiff {
  format: DocumentFormat;
  changes: DocumentChange[];
  /** more counts the differences left out of `changes` (at most 100 are listed). */
  more?: number;
  /** ignored counts the differences that policy `ignore.paths` left out. */
  ignored?: number;
}

/**
 * FieldChange is one drifted field. Paths are `data.<key>`, `binaryData.<key>`, `metadata.labels.<key>`,
 * `metadata.annotations.<key>`, `type` or `immutable`; Secret values show as `hmac-sha256:<12 hex>`.
 * A changed ConfigMap value that holds a JSON or YAML document also carries `document`: the paths
 * inside it that differ (the field change itself, with both whole values, stays as it is).
 */
export interface FieldChange {
  path: string;
  type: ChangeType;
  desired?: string;
  live?: string;
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

/** Drift is the comparison of one object's desired and live state on one cluster. */
export interface Drift extends ObjectRef {
  status: DriftStatus;
  changes: FieldChange[];
  driftedBy: DriftedBy[];
  /** resourceVersion of the live object the drift was seen on (serve, and diff with audit attribution). */
  resourceVersion?: string;
  /** provenance of the drifted desired fields (path -> origin). */
  provenance?: Record<string, KeyOrigin>;
  /** decision is what the policy says to do about it, with reasons. */
  decision?: Decision;
  /** heldBy, for status `unknown`: the repo errors that hold the object (the file that declared it, when known). */
  heldBy?: RepoError[];
  /** flap is set (serve) while another field manager keeps undoing trueup's fix and trueup backs off. */
  flap?: Flap;
}

/** Flap says another field manager keeps undoing trueup's fix of an object, and trueup backs off. */
export interface Flap {
  /** manager is the other field manager (several: comma-separated; "unknown" when none is known). */
  manager: string;
  /** since is when the flap was detected (ISO). */
  since: string;
  /** remediations counts trueup's fixes of the object since the fight started. */
  remediations: number;
  /** retryAt is when trueup fixes it next, at the earliest (ISO). */
  retryAt?: string;
}

/** hasDrifted tells whether a drift record needs attention. */
export function hasDrifted(drift: Drift): boolean {
  return drift.status !== 'in-sync';
}

/**
 * RepoErrorCode classifies a repo error: the `TRUEUP_REPO_*` codes of the error catalog (errors.ts),
 * e.g. `TRUEUP_REPO_YAML` (not valid YAML), `TRUEUP_REPO_SOPS` (cannot decrypt or verify),
 * `TRUEUP_REPO_VARIABLE` (a cluster variable has no value), `TRUEUP_REPO_BUILD` (a bug; the file
 * alone is skipped). All are terminal: the repo has to change.
 */
export type RepoErrorCode = Extract<TrueupCode, `TRUEUP_REPO_${string}`>;

/** RepoError is a problem with the repo's content, tied to a file and line where known. */
export interface RepoError {
  file?: string;
  line?: number;
  cluster?: string;
  message: string;
  /** code classifies the error, where it has one (see RepoErrorCode). */
  code?: RepoErrorCode;
  /**
   * holds lists the objects (`kind/namespace/name`) whose desired state this error makes unknown:
   * what a file that cannot be read had declared. They are neither orphaned nor pruned.
   */
  holds?: string[];
}

/** formatRepoError renders `file:line: [cluster] message [code]`. */
export function formatRepoError(err: RepoError): string {
  const where = err.file ? `${err.file}${err.line ? `:${err.line}` : ''}: ` : '';
  const cluster = err.cluster ? `cluster ${err.cluster}: ` : '';
  const holds = err.holds?.length
    ? `; holds ${err.holds.length} object(s) whose desired state is unknown (not orphaned, never pruned): ${err.holds.slice(0, 5).join(', ')}${err.holds.length > 5 ? ', …' : ''}`
    : '';
  return `${where}${cluster}${err.message}${err.code ? ` [${err.code}]` : ''}${holds}`;
}
