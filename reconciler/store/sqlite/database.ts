/**
 * The SQLite database of the audit store (Node's built-in node:sqlite): where it lives, its
 * versioned schema (PRAGMA user_version; migration 1 is `IF NOT EXISTS` throughout, so a store from
 * before versions opens as it is) and write transactions.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fleetIndexes } from '../indexes.ts';
import { pendingMigrations } from '../migrations.ts';

/** sqliteMigrations are the SQLite schema's versions, oldest first (see migrations.ts). */
export const sqliteMigrations: readonly string[] = [
  `
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
`,
  // 2: audit events (reconciler/audit), once per cluster and auditID.
  `
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL, cluster TEXT NOT NULL, kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  audit_id TEXT NOT NULL, verb TEXT NOT NULL, username TEXT NOT NULL, record TEXT NOT NULL,
  UNIQUE (cluster, audit_id)
);
CREATE INDEX audit_events_object ON audit_events (cluster, namespace, name, time);
CREATE INDEX audit_events_time ON audit_events (time);
`,
  // 3: indexes for the console's paged, filtered history (newest first by id) and per-namespace counts.
  fleetIndexes,
];

/** openDatabase opens (creating if needed) `trueup.db` in stateDir, or an in-memory one; schema applied. */
export function openDatabase(stateDir: string | ':memory:'): DatabaseSync {
  let path = ':memory:';
  if (stateDir !== ':memory:') {
    mkdirSync(stateDir, { recursive: true });
    path = join(stateDir, 'trueup.db');
  }
  const db = new DatabaseSync(path);
  // busy_timeout first: switching to WAL takes a lock, and another process opening the file at the
  // same moment must wait for it rather than fail with "database is locked".
  db.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;');
  migrate(db);
  return db;
}

/** migrate runs the migrations past the stored version in one write transaction (see migrations.ts). */
export function migrate(db: DatabaseSync, migrations: readonly string[] = sqliteMigrations): void {
  inTransaction(db, () => {
    const found = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
    const todo = pendingMigrations(migrations, found, 'SQLite');
    for (const [i, sql] of todo.entries()) {
      db.exec(sql);
      db.exec(`PRAGMA user_version = ${found + i + 1}`);
    }
  });
}

/**
 * inTransaction runs `run` in one write transaction (BEGIN IMMEDIATE: another process on the same
 * file waits instead of reading what this one is about to change); a throw rolls it back.
 */
export function inTransaction<T>(db: DatabaseSync, run: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = run();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/** GroupWrite runs one write in the next group commit; it settles once that commit is on disk. */
export type GroupWrite = <T>(write: () => T) => Promise<T>;

const groupWriters = new WeakMap<DatabaseSync, GroupWrite>();

/**
 * groupWriter is db's group commit: writes queued in one turn of the event loop run in one
 * transaction (each in a savepoint of its own, so one that throws is rolled back alone and only
 * its caller sees the error), and each caller's promise settles after the COMMIT. A commit waits
 * for the disk (fsync), so thirty-two remediations in flight wrote one at a time waited for
 * thirty-two; now they wait for one. Nothing resolves before it is durable, as before.
 */
export function groupWriter(db: DatabaseSync): GroupWrite {
  const known = groupWriters.get(db);
  if (known) return known;
  type Queued = { write: () => unknown; resolve(value: unknown): void; reject(err: unknown): void };
  let queued: Queued[] = [];
  const flush = () => {
    const writes = queued;
    queued = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      db.exec('BEGIN IMMEDIATE');
      for (const w of writes) outcomes.push(inSavepoint(db, w.write));
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      for (const w of writes) w.reject(err);
      return;
    }
    writes.forEach((w, i) => {
      const outcome = outcomes[i] as { ok: boolean; value: unknown };
      if (outcome.ok) w.resolve(outcome.value);
      else w.reject(outcome.value);
    });
  };
  const write: GroupWrite = <T>(run: () => T) =>
    new Promise<T>((resolve, reject) => {
      queued.push({ write: run, resolve: resolve as (value: unknown) => void, reject });
      if (queued.length === 1) setImmediate(flush);
    });
  groupWriters.set(db, write);
  return write;
}

function inSavepoint(db: DatabaseSync, run: () => unknown): { ok: boolean; value: unknown } {
  db.exec('SAVEPOINT one_write');
  try {
    const value = run();
    db.exec('RELEASE one_write');
    return { ok: true, value };
  } catch (err) {
    db.exec('ROLLBACK TO one_write');
    db.exec('RELEASE one_write');
    return { ok: false, value: err };
  }
}
