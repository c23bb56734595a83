/**
 * Audit events on SQLite: the writes of managed objects the Kubernetes audit log reported, kept
 * once per (cluster, auditID), read newest first. A batch is one savepoint of a group commit.
 */
import type { DatabaseSync } from 'node:sqlite';
import { auditColumns, auditUserFilter, auditValues, placeholders, toAuditRecord } from '../rows.ts';
import type { AuditStore } from '../store.ts';
import { groupWriter } from './database.ts';
import { whereOf } from './query.ts';

/** AuditEventsPart is the part of AuditStore that audit events serve. */
export type AuditEventsPart = Pick<AuditStore, 'recordAuditEvents' | 'auditEvents'>;

/** sqliteAuditEvents serves audit events from db. */
export function sqliteAuditEvents(db: DatabaseSync): AuditEventsPart {
  const insert = db.prepare(
    `INSERT INTO audit_events (${auditColumns}) VALUES (${placeholders(9)}) ON CONFLICT (cluster, audit_id) DO NOTHING`,
  );
  // One batch joins the group commit of its turn of the event loop (database.ts), in one savepoint.
  const write = groupWriter(db);
  return {
    async recordAuditEvents(records) {
      if (records.length === 0) return 0;
      return write(() => records.reduce((n, r) => n + Number(insert.run(...auditValues(r)).changes), 0));
    },
    async auditEvents(q = {}) {
      const w = whereOf(q, auditUserFilter(q));
      const sql = `SELECT record FROM audit_events ${w.sql} ORDER BY time DESC, id DESC LIMIT ?`;
      return (db.prepare(sql).all(...w.params, q.limit ?? 100) as Record<string, unknown>[]).map(
        toAuditRecord,
      );
    },
  };
}
