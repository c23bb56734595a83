/**
 * The audit store: every drift detected and every remediation (with revision, before/after
 * digests, dry-run result and actor) in SQLite through Node's built-in node:sqlite, so it survives
 * restarts. Only digests and key names are stored, never a Secret value.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Drift } from './model.ts';
import type { ChangeSetEntry } from './reconcile.ts';

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

/** RecordQuery filters history by object. */
export interface RecordQuery {
  cluster?: string;
  namespace?: string;
  name?: string;
  limit?: number;
}

/** AuditStore reads and writes the audit trail. */
export interface AuditStore {
  recordDrift(revision: string, drift: Drift, time?: Date): number;
  recordRemediation(revision: string, entry: ChangeSetEntry, actor: string, time?: Date): number;
  drifts(query?: RecordQuery): DriftRecord[];
  remediations(query?: RecordQuery): RemediationRecord[];
  close(): void;
}

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
    return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
  };
  const select = (table: string, q: RecordQuery) => {
    const w = where(q);
    return db
      .prepare(`SELECT * FROM ${table} ${w.sql} ORDER BY id DESC LIMIT ?`)
      .all(...w.params, q.limit ?? 100) as Record<string, string | number>[];
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
    close: () => db.close(),
  };
}
