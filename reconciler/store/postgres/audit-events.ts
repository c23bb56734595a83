/**
 * Audit events on PostgreSQL: the same rows and rules as the SQLite backend
 * (sqlite/audit-events.ts); a batch is one multi-row INSERT.
 */
import type pg from 'pg';
import { auditColumns, auditUserFilter, auditValues, placeholders, toAuditRecord } from '../rows.ts';
import { whereOf } from '../sqlite/query.ts';
import type { AuditStore } from '../store.ts';
import { numbered } from './database.ts';

/** pgAuditEvents serves audit events from pool. */
export function pgAuditEvents(pool: pg.Pool): Pick<AuditStore, 'recordAuditEvents' | 'auditEvents'> {
  return {
    async recordAuditEvents(records) {
      let added = 0;
      // A statement binds at most 65,535 values: 1,000 rows of 9 stay well below.
      for (let i = 0; i < records.length; i += 1000) {
        const chunk = records.slice(i, i + 1000);
        const rows = chunk.map(() => `(${placeholders(9)})`).join(', ');
        const sql = numbered(
          `INSERT INTO audit_events (${auditColumns}) VALUES ${rows} ON CONFLICT (cluster, audit_id) DO NOTHING`,
        );
        added += (await pool.query(sql, chunk.flatMap(auditValues))).rowCount ?? 0;
      }
      return added;
    },
    async auditEvents(q = {}) {
      const w = whereOf(q, auditUserFilter(q));
      const sql = numbered(`SELECT record FROM audit_events ${w.sql} ORDER BY time DESC, id DESC LIMIT ?`);
      return (await pool.query(sql, [...w.params, q.limit ?? 100])).rows.map(toAuditRecord);
    },
  };
}
