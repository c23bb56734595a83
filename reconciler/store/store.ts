/**
 * The audit store: every drift detected and every remediation (with revision, before/after
 * digests, dry-run result and actor) in SQLite through Node's built-in node:sqlite, so it survives
 * restarts. Only digests and key names are stored, never a Secret value.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Drift, ObjectRef } from '../core/model.ts';
import type { ChangeSetEntry } from '../sync/cycle.ts';
import type { WriteExpectation } from '../sync/intents.ts';
import { newApprovalId } from './ids.ts';

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

/** ApprovalState is where a pending remediation stands. */
/** `applying` is an approved change being dry-run and applied (no one else may decide it then). */
export type ApprovalState = 'pending' | 'applying' | 'approved' | 'rejected' | 'stale' | 'failed';

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
  /** entry is the held change set entry: drift decision, planned action, dry-run verdict. */
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
  namespace?: string;
  name?: string;
  /** actor matches remediations whose actor contains it (drift records have no actor). */
  actor?: string;
  /** since and until bound the time (ISO 8601, UTC). */
  since?: string;
  until?: string;
  limit?: number;
}

/** AuditStore reads and writes the audit trail. */
export interface AuditStore {
  recordDrift(revision: string, drift: Drift, time?: Date): number;
  /** recordRemediation records a remediation; it completes the entry's intent, if any, in the same transaction. */
  recordRemediation(revision: string, entry: ChangeSetEntry, actor: string, time?: Date): number;
  /** beginIntent records, before a write is sent, what it is about to do; returns the intent's id. */
  beginIntent(intent: NewIntent, time?: Date): string;
  /** expectIntent sets what an open intent's writes will do (an approval's claim, once planned). */
  expectIntent(id: string, expectation: WriteExpectation): void;
  /** openIntents lists the intents never completed, oldest first. */
  openIntents(): Intent[];
  drifts(query?: RecordQuery): DriftRecord[];
  remediations(query?: RecordQuery): RemediationRecord[];
  /** remediatedAt is when the object was last changed by a remediation confirmed in sync (not a dry run). */
  remediatedAt(ref: ObjectRef): Date | undefined;
  /**
   * queueApproval records a change waiting for approval. The same change (object, revision,
   * resourceVersion) keeps its id; a different one for the same object makes the older stale.
   */
  queueApproval(revision: string, entry: ChangeSetEntry, drift: Drift, time?: Date): Approval;
  approval(id: string): Approval | undefined;
  /** pendingApprovals lists the approvals still pending for one object, oldest first. */
  pendingApprovals(ref: ObjectRef): Approval[];
  /** pendingCounts counts pending approvals per cluster (one query, no records parsed). */
  pendingCounts(): Map<string, number>;
  approvals(query?: RecordQuery & { state?: ApprovalState }): Approval[];
  /** decideApproval moves an approval out of pending; refused (false) unless it is still pending. */
  decideApproval(
    id: string,
    state: Exclude<ApprovalState, 'pending'>,
    by: { actor: string; channel: string; note?: string },
    time?: Date,
  ): boolean;
  /** releaseApproval puts an applying approval back to pending (its apply was interrupted, nothing applied). */
  releaseApproval(id: string, note: string, time?: Date): boolean;
  /** finishApproval records the outcome of an applying approval (approved or failed). */
  finishApproval(
    id: string,
    state: 'approved' | 'failed',
    by: { actor: string; channel: string; note?: string },
    time?: Date,
  ): boolean;
  /**
   * pruneBefore deletes up to `limit` of the oldest rows of one table older than `before` (ISO 8601):
   * drifts, remediations, or decided approvals (by decision time; pending and applying approvals are
   * never deleted by age). Returns how many it deleted; retention calls it in small batches.
   */
  pruneBefore(table: PrunableTable, before: string, limit: number): number;
  close(): void;
}

/** PrunableTable is an audit table retention deletes from. */
export type PrunableTable = 'drifts' | 'remediations' | 'approvals';

// Retention deletes the oldest rows first, a batch at a time: select them by id through these.
const pruneSql: Record<PrunableTable, string> = {
  drifts: 'DELETE FROM drifts WHERE id IN (SELECT id FROM drifts WHERE time < ? ORDER BY time LIMIT ?)',
  remediations:
    'DELETE FROM remediations WHERE id IN (SELECT id FROM remediations WHERE time < ? ORDER BY time LIMIT ?)',
  approvals: `DELETE FROM approvals WHERE id IN (SELECT id FROM approvals WHERE state NOT IN ('pending', 'applying')
    AND COALESCE(decided_at, created) < ? ORDER BY seq LIMIT ?)`,
};

const schema = `
CREATE TABLE IF NOT EXISTS drifts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL, revision TEXT NOT NULL,
  cluster TEXT NOT NULL, kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  status TEXT NOT NULL, record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS drifts_object ON drifts (cluster, namespace, name, id);
CREATE TABLE IF NOT EXISTS remediations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL, revision TEXT NOT NULL, actor TEXT NOT NULL,
  cluster TEXT NOT NULL, kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  action TEXT NOT NULL, dry_run TEXT, error TEXT, before TEXT, after TEXT, record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS remediations_object ON remediations (cluster, namespace, name, id);
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY, seq INTEGER NOT NULL,
  created TEXT NOT NULL, revision TEXT NOT NULL, resource_version TEXT NOT NULL,
  cluster TEXT NOT NULL, kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  state TEXT NOT NULL, entry TEXT NOT NULL, drift TEXT NOT NULL,
  decided_by TEXT, decided_at TEXT, channel TEXT, note TEXT
);
CREATE INDEX IF NOT EXISTS approvals_object ON approvals (cluster, kind, namespace, name, state);
CREATE INDEX IF NOT EXISTS drifts_time ON drifts (time);
CREATE INDEX IF NOT EXISTS remediations_time ON remediations (time);
CREATE TABLE IF NOT EXISTS intents (
  id TEXT PRIMARY KEY, started TEXT NOT NULL, owner TEXT NOT NULL,
  revision TEXT NOT NULL, actor TEXT NOT NULL,
  cluster TEXT NOT NULL, kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  approval TEXT, expectation TEXT
);
`;

/** openAuditStore opens (creating if needed) the store in stateDir; ':memory:' for tests. */
export function openAuditStore(stateDir: string | ':memory:'): AuditStore {
  let path = ':memory:';
  if (stateDir !== ':memory:') {
    mkdirSync(stateDir, { recursive: true });
    path = join(stateDir, 'trueup.db');
  }
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
  db.exec(schema);
  const insertDrift = db.prepare(
    'INSERT INTO drifts (time, revision, cluster, kind, namespace, name, status, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertRemediation = db.prepare(
    `INSERT INTO remediations (time, revision, actor, cluster, kind, namespace, name, action, dry_run, error, before, after, record)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const pendingOf = db.prepare(
    `SELECT * FROM approvals WHERE cluster = ? AND kind = ? AND namespace = ? AND name = ? AND state = 'pending' ORDER BY seq`,
  );
  const where = (q: RecordQuery) => {
    const clauses: string[] = [];
    const params: string[] = [];
    for (const key of ['cluster', 'namespace', 'name'] as const) {
      const value = q[key];
      if (value !== undefined) {
        clauses.push(`${key} = ?`);
        params.push(value);
      }
    }
    // ISO 8601 times in UTC compare as text.
    if (q.since !== undefined) {
      clauses.push('time >= ?');
      params.push(q.since);
    }
    if (q.until !== undefined) {
      clauses.push('time <= ?');
      params.push(q.until);
    }
    return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
  };
  const select = (table: string, q: RecordQuery) => {
    const w = where(q);
    if (q.actor !== undefined && table === 'remediations') {
      w.sql = `${w.sql ? `${w.sql} AND` : 'WHERE'} actor LIKE ?`;
      w.params.push(`%${q.actor}%`);
    }
    return db
      .prepare(`SELECT * FROM ${table} ${w.sql} ORDER BY id DESC LIMIT ?`)
      .all(...w.params, q.limit ?? 100) as Record<string, string | number>[];
  };
  // A completed intent is removed: its audit record tells the outcome, and the table stays small.
  const completeIntent = db.prepare('DELETE FROM intents WHERE id = ?');
  const insertRemediationRow = (revision: string, entry: ChangeSetEntry, actor: string, time: Date) => {
    const r = insertRemediation.run(
      time.toISOString(),
      revision,
      actor,
      entry.cluster,
      entry.kind,
      entry.namespace,
      entry.name,
      entry.action,
      entry.dryRun ?? null,
      entry.error ?? null,
      entry.before ?? null,
      entry.after ?? null,
      JSON.stringify(entry),
    );
    return Number(r.lastInsertRowid);
  };
  return {
    recordDrift(revision, drift, time = new Date()) {
      const r = insertDrift.run(
        time.toISOString(),
        revision,
        drift.cluster,
        drift.kind,
        drift.namespace,
        drift.name,
        drift.status,
        JSON.stringify(drift),
      );
      return Number(r.lastInsertRowid);
    },
    recordRemediation(revision, entry, actor, time = new Date()) {
      if (!entry.intent) return insertRemediationRow(revision, entry, actor, time);
      // The audit record and the completion of its intent are one: a crash leaves both or neither.
      db.exec('BEGIN IMMEDIATE');
      try {
        const id = insertRemediationRow(revision, entry, actor, time);
        completeIntent.run(entry.intent);
        db.exec('COMMIT');
        return id;
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    },
    beginIntent(intent, time = new Date()) {
      const id = `i-${randomUUID()}`;
      db.prepare(
        `INSERT INTO intents (id, started, owner, revision, actor, cluster, kind, namespace, name, approval, expectation)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        time.toISOString(),
        intentOwner,
        intent.revision,
        intent.actor,
        intent.cluster,
        intent.kind,
        intent.namespace,
        intent.name,
        intent.approval ?? null,
        intent.expectation ? JSON.stringify(intent.expectation) : null,
      );
      return id;
    },
    expectIntent(id, expectation) {
      db.prepare('UPDATE intents SET expectation = ? WHERE id = ?').run(JSON.stringify(expectation), id);
    },
    openIntents() {
      return (
        db.prepare('SELECT * FROM intents ORDER BY started').all() as Record<string, string | null>[]
      ).map(toIntent);
    },
    releaseApproval(id, note, time = new Date()) {
      const result = db
        .prepare(
          `UPDATE approvals SET state = 'pending', decided_by = NULL, decided_at = ?, channel = NULL, note = ? WHERE id = ? AND state = 'applying'`,
        )
        .run(time.toISOString(), note, id);
      return Number(result.changes) === 1;
    },
    drifts(q = {}) {
      return select('drifts', q).map((row) => ({
        id: Number(row.id),
        time: String(row.time),
        revision: String(row.revision),
        drift: JSON.parse(String(row.record)) as Drift,
      }));
    },
    remediations(q = {}) {
      return select('remediations', q).map((row) => ({
        id: Number(row.id),
        time: String(row.time),
        revision: String(row.revision),
        actor: String(row.actor),
        entry: JSON.parse(String(row.record)) as ChangeSetEntry,
      }));
    },
    remediatedAt(ref) {
      // Only a confirmed apply records `after`; dry runs, failures and deletes do not.
      const row = db
        .prepare(
          `SELECT time FROM remediations WHERE cluster = ? AND kind = ? AND namespace = ? AND name = ?
           AND after IS NOT NULL AND error IS NULL ORDER BY id DESC LIMIT 1`,
        )
        .get(ref.cluster, ref.kind, ref.namespace, ref.name) as { time: string } | undefined;
      return row ? new Date(row.time) : undefined;
    },
    queueApproval(revision, entry, drift, time = new Date()) {
      // One write transaction: two processes on one store cannot both read the same number or both
      // queue the same change; the id's random tag keeps it unique beyond this store.
      db.exec('BEGIN IMMEDIATE');
      try {
        const id = queueInTransaction(db, revision, entry, drift, time);
        db.exec('COMMIT');
        return this.approval(id) as Approval;
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    },
    pendingCounts() {
      const rows = db
        .prepare("SELECT cluster, COUNT(*) AS n FROM approvals WHERE state = 'pending' GROUP BY cluster")
        .all() as { cluster: string; n: number }[];
      return new Map(rows.map((r) => [r.cluster, Number(r.n)]));
    },
    pendingApprovals(ref) {
      return (pendingOf.all(ref.cluster, ref.kind, ref.namespace, ref.name) as Record<string, string>[]).map(
        toApproval,
      );
    },
    approval(id) {
      const row = db.prepare('SELECT * FROM approvals WHERE id = ?').get(id) as
        | Record<string, string>
        | undefined;
      return row ? toApproval(row) : undefined;
    },
    approvals(q = {}) {
      const w = where(q);
      const clauses = w.sql ? [w.sql.replace(/^WHERE /, '')] : [];
      const params = [...w.params];
      if (q.state) {
        clauses.push('state = ?');
        params.push(q.state);
      }
      const sql = `SELECT * FROM approvals ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
      return (db.prepare(sql).all(...params, q.limit ?? 100) as Record<string, string>[]).map(toApproval);
    },
    decideApproval(id, state, by, time = new Date()) {
      const result = db
        .prepare(
          `UPDATE approvals SET state = ?, decided_by = ?, decided_at = ?, channel = ?, note = ? WHERE id = ? AND state = 'pending'`,
        )
        .run(state, by.actor, time.toISOString(), by.channel, by.note ?? null, id);
      return Number(result.changes) === 1;
    },
    finishApproval(id, state, by, time = new Date()) {
      const result = db
        .prepare(
          `UPDATE approvals SET state = ?, decided_by = ?, decided_at = ?, channel = ?, note = ? WHERE id = ? AND state = 'applying'`,
        )
        .run(state, by.actor, time.toISOString(), by.channel, by.note ?? null, id);
      return Number(result.changes) === 1;
    },
    pruneBefore(table, before, limit) {
      return Number(db.prepare(pruneSql[table]).run(before, limit).changes);
    },
    close: () => db.close(),
  };
}

/** queueInTransaction stales what else is pending for the object and inserts the change; returns its id. */
function queueInTransaction(
  db: DatabaseSync,
  revision: string,
  entry: ChangeSetEntry,
  drift: Drift,
  time: Date,
): string {
  const open = db
    .prepare(
      `SELECT * FROM approvals WHERE cluster = ? AND kind = ? AND namespace = ? AND name = ? AND state = 'pending'`,
    )
    .all(entry.cluster, entry.kind, entry.namespace, entry.name) as Record<string, string>[];
  const resourceVersion = entry.pending?.resourceVersion ?? '';
  const same = open.find((row) => row.revision === revision && row.resource_version === resourceVersion);
  if (same) return same.id as string;
  // Anything else pending for this object was planned against another state: it is stale now.
  for (const row of open) {
    db.prepare(`UPDATE approvals SET state = 'stale', decided_at = ?, note = ? WHERE id = ?`).run(
      time.toISOString(),
      `superseded: planned at revision ${row.revision?.slice(0, 12)} / resourceVersion ${row.resource_version}`,
      row.id as string,
    );
  }
  const seq = Number(
    (db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM approvals').get() as { next: number }).next,
  );
  const id = newApprovalId(seq);
  db.prepare(
    `INSERT INTO approvals (id, seq, created, revision, resource_version, cluster, kind, namespace, name, state, entry, drift)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
  ).run(
    id,
    seq,
    time.toISOString(),
    revision,
    resourceVersion,
    entry.cluster,
    entry.kind,
    entry.namespace,
    entry.name,
    JSON.stringify(entry),
    JSON.stringify(drift),
  );
  return id;
}

function toIntent(row: Record<string, string | null>): Intent {
  return {
    id: String(row.id),
    started: String(row.started),
    owner: String(row.owner),
    revision: String(row.revision),
    actor: String(row.actor),
    cluster: String(row.cluster),
    kind: row.kind as Intent['kind'],
    namespace: String(row.namespace),
    name: String(row.name),
    ...(row.approval ? { approval: row.approval } : {}),
    ...(row.expectation ? { expectation: JSON.parse(row.expectation) as WriteExpectation } : {}),
  };
}

function toApproval(row: Record<string, string>): Approval {
  return {
    id: row.id as string,
    created: row.created as string,
    revision: row.revision as string,
    resourceVersion: row.resource_version as string,
    state: row.state as ApprovalState,
    entry: JSON.parse(row.entry as string) as ChangeSetEntry,
    drift: JSON.parse(row.drift as string) as Drift,
    ...(row.decided_by ? { decidedBy: row.decided_by } : {}),
    ...(row.decided_at ? { decidedAt: row.decided_at } : {}),
    ...(row.channel ? { channel: row.channel } : {}),
    ...(row.note ? { note: row.note } : {}),
  };
}
