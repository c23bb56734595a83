/**
 * The answers of the JSON API under `/api/v1` (see web/console/README.md for the routes): what the
 * routes in `web/` declare they send and what the console reads. Type-only; the object shapes are
 * in `drift.ts` and `incidents.ts`.
 */
import type {
  Approval,
  AuditRecord,
  BlamedOrigin,
  ChangeSetEntry,
  Drift,
  DriftRecord,
  DriftStatus,
  ObjectRef,
  RemediationRecord,
  RepoError,
} from './drift.ts';

export type { ApiErrorBody } from './errors.ts';

/** Role is what a console user may do: viewers read, operators also approve, reject and remediate. */
export type Role = 'viewer' | 'operator';

/** Whoami is the answer of `GET /api/v1/whoami`. */
export interface Whoami {
  user: string | null;
  role: Role | null;
  auth: 'off' | 'token' | 'proxy';
  csrfToken?: string;
}

/** LoginAnswer is the answer of `POST /api/v1/login` (with the session cookie). */
export interface LoginAnswer {
  user: string;
  role: Role;
  csrfToken: string;
}

/** ClusterHealth summarises a cluster for the fleet view, worst first. */
export type ClusterHealth = 'unreachable' | 'errors' | 'held' | 'drifted' | 'in-sync';

/** ClusterStatus is one cluster in `GET /api/v1/status`. */
export interface ClusterStatus {
  name: string;
  labels: Record<string, string>;
  /** status: `held` when changes are pending approval there (the gate held them). */
  status: ClusterHealth;
  /** pendingApprovals counts the changes waiting for approval on the cluster. */
  pendingApprovals: number;
  /** @deprecated held is pendingApprovals' old name, still sent for scripts that read it. */
  held: number;
  reachable: boolean;
  synced: boolean;
  error?: string;
  lastSync?: string;
  objects: number;
  drifted: number;
  /** flapping counts objects another field manager keeps undoing (trueup backs off). */
  flapping?: number;
}

/** ReplicaStatus says, with leader election or sharding, who this replica is and what it owns. */
export interface ReplicaStatus {
  identity: string;
  mode: 'leader-election' | 'sharding';
  leader?: boolean;
  leaderIdentity?: string | null;
  owned: string[];
  share?: number;
  replicas?: string[];
  owners?: Record<string, string | null>;
}

/** Status is the answer of `GET /api/v1/status`. */
export interface Status {
  revision?: string;
  gitError?: string;
  ready: boolean;
  clusters: ClusterStatus[];
  errors: RepoError[];
  replica?: ReplicaStatus;
  /** repoWebUrl links files and commits to the repo's web UI, when configured. */
  repoWebUrl?: string;
}

/**
 * DriftList is the answer of `GET /api/v1/drifts`: every object not in sync (sorted by cluster,
 * namespace, kind, name), or one page of those matching the filters.
 */
export interface DriftList {
  revision: string | null;
  drifts: Drift[];
  /** total counts the drifts matching the filters, on every page. */
  total?: number;
  /** next is the `cursor` of the next page, when there is one. */
  next?: string;
}

/** History is the answer of `GET /api/v1/history`, each list newest first. */
export interface History {
  drifts: DriftRecord[];
  remediations: RemediationRecord[];
  /** next holds each list's `cursor` for its next page (with `only=`), when it has one. */
  next?: { drifts?: string; remediations?: string };
  /** audit, with `?user=`: that user's writes from the Kubernetes audit log (newest first). */
  audit?: AuditRecord[];
}

/** ApprovalList is the answer of `GET /api/v1/approvals`. */
export interface ApprovalList {
  approvals: Approval[];
}

/** ApprovalRefusal codes a refused approve or reject: REFUSED (not pending, stale), FAILED (the apply). */
export type ApprovalRefusal = 'TRUEUP_APPROVAL_REFUSED' | 'TRUEUP_APPROVAL_FAILED';

/** ApprovalOutcome is the answer of an approve or reject POST (200 when ok, 409 with the reason). */
export type ApprovalOutcome =
  | { ok: true; approval: Approval; entry?: ChangeSetEntry }
  | { ok: false; reason: string; code: ApprovalRefusal; fresh?: Approval };

/** RemediateOutcome is the answer of `POST …/remediate` (200 when ok, 409 with the reason). */
export type RemediateOutcome = { ok: true; entry: ChangeSetEntry } | { ok: false; reason: string };

/** ObjectDetail is the answer of `GET /api/v1/objects/:cluster/:namespace/:kind/:name`. */
export interface ObjectDetail {
  ref: ObjectRef;
  status: DriftStatus;
  /** drift, unless the object is in sync. */
  drift?: Drift;
  /** provenance of every desired key, with the blame of its line where git knows it. */
  provenance: Record<string, BlamedOrigin>;
  /** approvals pending for the object. */
  approvals: Approval[];
  history: History;
  /** actions the caller may take. */
  actions: { approve: boolean; remediate: boolean };
}

/** LiveEventType is the type of an event on `GET /api/v1/events` (the page refetches on any). */
export type LiveEventType = 'drift' | 'remediation' | 'flap' | 'approval' | 'incident' | 'status';
