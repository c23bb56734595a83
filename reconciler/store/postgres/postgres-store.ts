/**
 * The PostgreSQL backend of AuditStore, for several replicas sharing one state: one pool, the
 * parts (records and intents, approvals) composed into the one interface, retention's batched
 * deletes. Selected by `--store postgres://…` or TRUEUP_DATABASE_URL.
 */
import type { AuditStore, PrunableTable } from '../store.ts';
import { pgApprovals } from './approvals.ts';
import { pgAuditEvents } from './audit-events.ts';
import { openPool } from './database.ts';
import { pgIncidentRows } from './incidents.ts';
import { pgSignals } from './notify.ts';
import { pgRecords } from './records.ts';

// Retention deletes the oldest rows first, a batch at a time.
const pruneSql: Record<PrunableTable, string> = {
  drifts: 'DELETE FROM drifts WHERE id IN (SELECT id FROM drifts WHERE time < $1 ORDER BY time LIMIT $2)',
  remediations:
    'DELETE FROM remediations WHERE id IN (SELECT id FROM remediations WHERE time < $1 ORDER BY time LIMIT $2)',
  approvals: `DELETE FROM approvals WHERE id IN (SELECT id FROM approvals WHERE state NOT IN ('pending', 'accepted', 'applying')
    AND COALESCE(decided_at, created) < $1 ORDER BY seq LIMIT $2)`,
  audit_events:
    'DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE time < $1 ORDER BY time LIMIT $2)',
};

/** openPostgresStore connects to url, migrates its schema and serves the audit store from it. */
export async function openPostgresStore(url: string): Promise<AuditStore> {
  const pool = await openPool(url);
  const signals = pgSignals(url, pool);
  return {
    ...pgRecords(pool),
    ...pgApprovals(pool),
    ...pgAuditEvents(pool),
    pruneBefore: async (table, before, limit) =>
      (await pool.query(pruneSql[table], [before, limit])).rowCount ?? 0,
    incidentRows: pgIncidentRows(pool),
    shared: true,
    signal: signals.signal,
    listen: signals.listen,
    ping: async () => {
      await pool.query('SELECT 1');
    },
    close: async () => {
      await signals.close();
      await pool.end();
    },
  };
}
