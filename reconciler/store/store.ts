/**
 * The audit store: every drift detected and every remediation (with revision, before/after
 * digests, dry-run result and actor), the approvals and the write intents, so they survive
 * restarts. Only digests and key names are stored, never a Secret value.
 *
 * This file is the contract, free of any database type; the backend is SQLite (sqlite/, through
 * Node's built-in node:sqlite), chosen by openAuditStore.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { AuditRecord } from '../audit/event.ts';
import type { Drift, ManagedKind, ObjectRef } from '../core/model.ts';
import type { ChangeSetEntry } from '../sync/cycle.ts';
import type { WriteExpectation } from '../sync/intents.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

/** DriftRecord is one stored drift detection. */
export interface DriftRecord {
  id: number;
  time: string;
  revision: string;
  drift: Drift;
}

/** RemediationRecord is one stored remediation attempt. */
export interface RemediationRecord {
  id: number;
  time: string;
  revision: string;
  actor: string;
  entry: ChangeSetEntry;
}

/**
 * ApprovalState is where a pending remediation stands. `accepted` is approved by a person through a
 * replica that does not own its cluster (shared store), waiting for the owner to claim and apply it;
 * `applying` is an approved change being dry-run and applied (no one else may decide it then).
 */
export type ApprovalState =
  | 'pending'
  | 'accepted'
  | 'applying'
  | 'approved'
  | 'rejected'
  | 'stale'
  | 'failed';

/** DecidableState is a state an approval is decided from: pending, or accepted (by its owner). */
export type DecidableState = 'pending' | 'accepted';

/**
 * Approval is a remediation waiting for (or past) a human decision, bound to the exact change it
 * shows: the git revision and the live object's resourceVersion it was planned against.
 */
export interface Approval {
  id: string;
  created: string;
  revision: string;
  resourceVersion: string;
  state: ApprovalState;
  /** entry is the pending change-set entry: drift decision, planned action, dry-run verdict. */
  entry: ChangeSetEntry;
  /** drift is what drifted, as shown to the approver. */
  drift: Drift;
  decidedBy?: string;
  decidedAt?: string;
  channel?: string;
  note?: string;
}

/**
 * Intent is a write trueup was about to send (recorded before it), open until the audit record of
 * its outcome completes it. One still open at start was interrupted (see recovery.ts).
 */
export interface Intent extends ObjectRef {
  id: string;
  started: string;
  /** owner is the process that recorded it: `host:pid:boot` (boot: random per process). */
  owner: string;
  revision: string;
  actor: string;
  /** approval is the id of the approval whose apply this is (claimed `applying`). */
  approval?: string;
  /** expectation says what the writes do; none yet: nothing was sent (an approval claimed, not yet planned). */
  expectation?: WriteExpectation;
}

/** NewIntent is an intent to record. */
export type NewIntent = Omit<Intent, 'id' | 'started' | 'owner'>;

/** intentOwner names this process in the intents it records (see Intent.owner). */
export const intentOwner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/** RecordQuery filters history by object. */
export interface RecordQuery {
  cluster?: string;
  /** kind filters by object kind. */
  kind?: ManagedKind;
  namespace?: string;
  name?: string;
  /** actor matches remediations whose actor contains it (drift records have no actor). */
  actor?: string;
  /** since and until bound the time (ISO 8601, UTC). */
  since?: string;
  until?: string;
  limit?: number;
  /** q matches records whose object name contains it, ignoring case (drifts and remediations). */
  q?: string;
  /** result matches remediations by outcome (drift records have none). */
  result?: RemediationResult;
  /** before is a page cursor: only records with a smaller id (older), newest first as always. */
  before?: number;
}

/**
 * RemediationResult classifies a remediation record: `applied` (created, configured, replaced or
 * deleted), `failed` (it carries an error), `skipped` (held back or nothing to do: skipped, unchanged).
 */
export type RemediationResult = 'applied' | 'failed' | 'skipped';

/** remediationResult is the RemediationResult of one change-set entry (the SQL in sqlite/query.ts says the same). */
export function remediationResult(entry: Pick<ChangeSetEntry, 'error' | 'action'>): RemediationResult {
  if (entry.error !== undefined) return 'failed';
  return entry.action === 'skipped' || entry.action === 'unchanged' ? 'skipped' : 'applied';
}

/** defaultActivityLimit caps each list of an activity read. */
export const defaultActivityLimit = 50_000;

/** ActivityQuery bounds the activity read for timelines: object filters and a time range. */
export type ActivityQuery = Pick<RecordQuery, 'cluster' | 'namespace' | 'q' | 'since' | 'until'> & {
  /** limit caps each list (newest kept); default 50,000. */
  limit?: number;
};

/** ActivityRecord is one audit row as a timeline counts it: when, where, what, and for remediations the result. */
export interface ActivityRecord {
  time: string;
  cluster: string;
  namespace: string;
  kind: ManagedKind;
  name: string;
  result?: RemediationResult;
}

/** Activity is the rows a timeline buckets: drift detections, remediations, approvals queued and decided. */
export interface Activity {
  drifts: ActivityRecord[];
  remediations: ActivityRecord[];
  /** approvals: time is when it was queued; decided, when (and state, how) it was decided. */
  approvals: (ActivityRecord & { state: ApprovalState; decidedAt?: string })[];
}

/** AuditQuery filters audit events by object and time, and by user (contains). */
export interface AuditQuery extends Omit<RecordQuery, 'actor'> {
  user?: string;
}

/**
 * AuditStore reads and writes the audit trail. Every call is asynchronous, so a backend may sit
 * across a network (PostgreSQL) as well as in the process (SQLite); a rejected write was not
 * recorded.
 */
export interface AuditStore {
  recordDrift(revision: string, drift: Drift, time?: Date): Promise<number>;
  /** recordRemediation records a remediation; it completes the entry's intent, if any, in the same transaction. */
  recordRemediation(revision: string, entry: ChangeSetEntry, actor: string, time?: Date): Promise<number>;
  /** beginIntent records, before a write is sent, what it is about to do; returns the intent's id. */
  beginIntent(intent: NewIntent, time?: Date): Promise<string>;
  /** expectIntent sets what an open intent's writes will do (an approval's claim, once planned). */
  expectIntent(id: string, expectation: WriteExpectation): Promise<void>;
  /** openIntents lists the intents never completed, oldest first. */
  openIntents(): Promise<Intent[]>;
  drifts(query?: RecordQuery): Promise<DriftRecord[]>;
  remediations(query?: RecordQuery): Promise<RemediationRecord[]>;
  /** activity reads the columns timelines count (no record parsed), oldest first, within the query's bounds. */
  activity(query: ActivityQuery): Promise<Activity>;
  /**
   * remediatedTimes says when each object of one cluster was last changed by a remediation
   * confirmed in sync (not a dry run), keyed by objectKey (kind/namespace/name).
   */
  remediatedTimes(cluster: string): Promise<Map<string, Date>>;
  /**
   * queueApproval records a change waiting for approval. The same change (object, revision,
   * resourceVersion) keeps its id; a different one for the same object makes the older stale.
   */
  queueApproval(revision: string, entry: ChangeSetEntry, drift: Drift, time?: Date): Promise<Approval>;
  approval(id: string): Promise<Approval | undefined>;
  /** pendingApprovals lists the approvals still pending for one object, oldest first. */
  pendingApprovals(ref: ObjectRef): Promise<Approval[]>;
  /** pendingCounts counts pending approvals per cluster (one query, no records parsed). */
  pendingCounts(): Promise<Map<string, number>>;
  /** pendingByNamespace counts pending approvals per cluster and namespace, keyed `cluster/namespace`. */
  pendingByNamespace(): Promise<Map<string, number>>;
  approvals(query?: RecordQuery & { state?: ApprovalState }): Promise<Approval[]>;
  /**
   * decideApproval moves an approval out of `from` (default pending); refused (false) unless it is
   * still in it. A conditional update: of two replicas deciding (or claiming) one approval, one wins.
   */
  decideApproval(
    id: string,
    state: Exclude<ApprovalState, 'pending'>,
    by: { actor: string; channel: string; note?: string },
    time?: Date,
    from?: DecidableState,
  ): Promise<boolean>;
  /** releaseApproval puts an applying approval back to pending (its apply was interrupted, nothing applied). */
  releaseApproval(id: string, note: string, time?: Date): Promise<boolean>;
  /** finishApproval records the outcome of an applying approval (approved or failed). */
  finishApproval(
    id: string,
    state: 'approved' | 'failed',
    by: { actor: string; channel: string; note?: string },
    time?: Date,
  ): Promise<boolean>;
  /**
   * pruneBefore deletes up to `limit` of the oldest rows of one table older than `before` (ISO 8601):
   * drifts, remediations, audit events, or decided approvals (by decision time; pending and applying approvals are
   * never deleted by age). Returns how many it deleted; retention calls it in small batches.
   */
  pruneBefore(table: PrunableTable, before: string, limit: number): Promise<number>;
  /**
   * recordAuditEvents keeps audit records (writes of managed objects, reconciler/audit); one already
   * kept (same cluster and auditID: a webhook retry, a file ingested twice) is left as it is.
   * Returns how many were new.
   */
  recordAuditEvents(records: readonly AuditRecord[]): Promise<number>;
  /** auditEvents lists kept audit records, newest first (by the request's completion). */
  auditEvents(query?: AuditQuery): Promise<AuditRecord[]>;
  /**
   * incidentRows, on a store replicas share (PostgreSQL): the incidents, one firing per alert group
   * fleet-wide. SQLite has none: incidents stay in the state dir (diagnose/incident-store.ts).
   */
  incidentRows?: IncidentRows;
  /** shared: replicas share this store (PostgreSQL); a SQLite store belongs to one process. */
  readonly shared: boolean;
  /**
   * signal tells every process listening on this store, itself included (PostgreSQL: NOTIFY), of a
   * change. Best effort: a listener that missed one catches up by polling.
   */
  signal(signal: StoreSignal): Promise<void>;
  /** listen hears signals until the returned function is called. */
  listen(onSignal: (signal: StoreSignal) => void): () => void;
  /** ping resolves when the store answers (readiness: a PostgreSQL restart makes a replica not ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * StoreSignal is a notice to the processes sharing a store: `approval` (an approval changed state:
 * data {id, state, cluster}), `event` (a live event a replica published: data {type, data, origin}),
 * `reconnected` (this listener was cut off and is back: signals sent meanwhile are lost, poll).
 */
export interface StoreSignal {
  topic: 'approval' | 'event' | 'reconnected';
  data: Record<string, unknown>;
}

/**
 * IncidentRow is an incident as a shared store keeps it: its keys, its filter columns (`,a,b,`
 * lists of clusters and namespaces, lower-cased search words) and its record as JSON.
 */
export interface IncidentRow {
  id: string;
  groupKey: string;
  status: string;
  opened: string;
  updated: string;
  clusters: string;
  namespaces: string;
  search: string;
  record: string;
}

/** IncidentRowQuery filters incident rows; cluster and namespace match one entry of their lists. */
export interface IncidentRowQuery {
  status?: string;
  cluster?: string;
  namespace?: string;
  /** q matches the search words, ignoring case. */
  q?: string;
  /** before: only rows stored before that row's seq (newest first). */
  before?: number;
  /** since and until bound the opening time (ISO 8601), for openedTimes. */
  since?: string;
  until?: string;
}

/** IncidentRows keeps incidents (diagnose/incident.ts) for every replica; records are opaque here. */
export interface IncidentRows {
  /** nextNumber is a fresh readable number for an incident id (a sequence). */
  nextNumber(): Promise<number>;
  /** firing is the record of the group's firing incident, if any. */
  firing(groupKey: string): Promise<string | undefined>;
  byId(id: string): Promise<string | undefined>;
  /** page is up to limit matching records, newest first, and the cursor of the next when more match. */
  page(query: IncidentRowQuery, limit: number): Promise<{ records: string[]; next?: number }>;
  /** openedTimes are when the matching incidents opened, oldest first (at most 50,000). */
  openedTimes(query: IncidentRowQuery): Promise<string[]>;
  /**
   * save inserts or updates an incident; false (nothing saved) when it would be a second firing
   * incident of its group: another replica opened one first.
   */
  save(row: IncidentRow): Promise<boolean>;
  /** pruneBefore deletes up to limit incidents last updated before `before`; returns how many. */
  pruneBefore(before: string, limit: number): Promise<number>;
}

/** PrunableTable is an audit table retention deletes from. */
export type PrunableTable = 'drifts' | 'remediations' | 'approvals' | 'audit_events';

/** StoreLocation says where the store is: a PostgreSQL URL (shared by replicas), else SQLite in stateDir. */
export interface StoreLocation {
  /** store is `postgres://…` / `postgresql://…` (else TRUEUP_DATABASE_URL when set); none: SQLite. */
  store?: string;
  stateDir: string | ':memory:';
}

/**
 * openStore opens the store a command was given: PostgreSQL for a `postgres://` URL (from --store,
 * else TRUEUP_DATABASE_URL), else SQLite in stateDir. Errors name the database without its password.
 */
export async function openStore(
  location: StoreLocation,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AuditStore> {
  const url = location.store ?? env.TRUEUP_DATABASE_URL;
  if (url === undefined || url === '') return openAuditStore(location.stateDir);
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new Error(
      '--store: expected a postgres:// or postgresql:// URL (leave it out for SQLite in --state-dir)',
    );
  const { openPostgresStore } = await import('./postgres/postgres-store.ts');
  return openPostgresStore(url);
}

/** openAuditStore opens (creating if needed) the SQLite store in stateDir; ':memory:' for tests. */
export function openAuditStore(stateDir: string | ':memory:'): AuditStore {
  return openSqliteStore(stateDir);
}
