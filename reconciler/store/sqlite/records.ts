/**
 * Drift and remediation records: appended, never changed; read newest first through a RecordQuery.
 * A remediation completes its write intent in the same transaction as its record.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Drift, ManagedKind } from '../../core/model.ts';
import { objectKey } from '../../core/object-ref.ts';
import type { ChangeSetEntry } from '../../sync/cycle.ts';
import { activityStatements, toActivity } from '../activity.ts';
import { placeholders, remediationColumns, remediationValues } from '../rows.ts';
import type { AuditStore, RecordQuery } from '../store.ts';
import { groupWriter } from './database.ts';
import { recordClauses, whereOf } from './query.ts';

/** RecordsPart is the part of AuditStore that drift and remediation records serve. */
export type RecordsPart = Pick<
  AuditStore,
  'recordDrift' | 'recordRemediation' | 'drifts' | 'remediations' | 'remediatedTimes' | 'activity'
>;

type Row = Record<string, string | number>;

/** sqliteRecords serves drift and remediation records from db; completeIntent deletes an open intent. */
export function sqliteRecords(db: DatabaseSync, completeIntent: (id: string) => void): RecordsPart {
  const insertDrift = db.prepare(
    'INSERT INTO drifts (time, revision, cluster, kind, namespace, name, status, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertRemediation = insertRemediationRow(db);
  const write = groupWriter(db);
  const select = (table: 'drifts' | 'remediations', q: RecordQuery) => {
    const w = whereOf(q, recordClauses(table, q));
    return db
      .prepare(`SELECT * FROM ${table} ${w.sql} ORDER BY id DESC LIMIT ?`)
      .all(...w.params, q.limit ?? 100) as Row[];
  };
  return {
    async recordDrift(revision, drift, time = new Date()) {
      const record = JSON.stringify(drift);
      return write(() => {
        const r = insertDrift.run(
          time.toISOString(),
          revision,
          drift.cluster,
          drift.kind,
          drift.namespace,
          drift.name,
          drift.status,
          record,
        );
        return Number(r.lastInsertRowid);
      });
    },
    async recordRemediation(revision, entry, actor, time = new Date()) {
      const intent = entry.intent;
      // The audit record and the completion of its intent are one write (one savepoint of a group
      // commit): a crash leaves both or neither.
      return write(() => {
        const id = insertRemediation(revision, entry, actor, time);
        if (intent) completeIntent(intent);
        return id;
      });
    },
    drifts: async (q = {}) =>
      select('drifts', q).map((row) => ({
        id: Number(row.id),
        time: String(row.time),
        revision: String(row.revision),
        drift: JSON.parse(String(row.record)) as Drift,
      })),
    remediations: async (q = {}) =>
      select('remediations', q).map((row) => ({
        id: Number(row.id),
        time: String(row.time),
        revision: String(row.revision),
        actor: String(row.actor),
        entry: JSON.parse(String(row.record)) as ChangeSetEntry,
      })),
    async activity(query) {
      const statements = activityStatements(query);
      const run = (s: { sql: string; params: (string | number | null)[] }) =>
        db.prepare(s.sql).all(...s.params) as Row[];
      return toActivity({
        drifts: run(statements.drifts),
        remediations: run(statements.remediations),
        approvals: run(statements.approvals),
      });
    },
    async remediatedTimes(cluster) {
      // Only a confirmed apply records `after`; dry runs, failures and deletes do not.
      const rows = db
        .prepare(
          `SELECT kind, namespace, name, MAX(time) AS time FROM remediations
           WHERE cluster = ? AND after IS NOT NULL AND error IS NULL GROUP BY kind, namespace, name`,
        )
        .all(cluster) as Row[];
      return remediatedTimesOf(rows);
    },
  };
}

/** remediatedTimesOf keys (kind, namespace, name, time) rows by objectKey. */
export function remediatedTimesOf(rows: Record<string, unknown>[]): Map<string, Date> {
  return new Map(
    rows.map((r) => [
      objectKey({ kind: r.kind as ManagedKind, namespace: String(r.namespace), name: String(r.name) }),
      new Date(String(r.time)),
    ]),
  );
}

function insertRemediationRow(db: DatabaseSync) {
  const insert = db.prepare(`INSERT INTO remediations (${remediationColumns}) VALUES (${placeholders(13)})`);
  return (revision: string, entry: ChangeSetEntry, actor: string, time: Date): number => {
    const r = insert.run(...remediationValues(revision, entry, actor, time));
    return Number(r.lastInsertRowid);
  };
}
