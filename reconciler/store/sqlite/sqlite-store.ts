/**
 * The SQLite backend of AuditStore: one database file, its parts (records, intents, approvals,
 * audit events) composed into the one interface callers see, and retention's batched deletes.
 */

import { SignalListeners } from '../signals.ts';
import type { AuditStore, PrunableTable } from '../store.ts';
import { sqliteApprovals } from './approvals.ts';
import { sqliteAuditEvents } from './audit-events.ts';
import { openDatabase } from './database.ts';
import { sqliteIntents } from './intents.ts';
import { sqliteRecords } from './records.ts';

// Retention deletes the oldest rows first, a batch at a time: select them by id through these.
const pruneSql: Record<PrunableTable, string> = {
  drifts: 'DELETE FROM drifts WHERE id IN (SELECT id FROM drifts WHERE time < ? ORDER BY time LIMIT ?)',
  remediations:
    'DELETE FROM remediations WHERE id IN (SELECT id FROM remediations WHERE time < ? ORDER BY time LIMIT ?)',
  approvals: `DELETE FROM approvals WHERE id IN (SELECT id FROM approvals WHERE state NOT IN ('pending', 'accepted', 'applying')
    AND COALESCE(decided_at, created) < ? ORDER BY seq LIMIT ?)`,
  audit_events:
    'DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE time < ? ORDER BY time LIMIT ?)',
};

/** openSqliteStore opens (creating if needed) the SQLite audit store in stateDir; ':memory:' for tests. */
export function openSqliteStore(stateDir: string | ':memory:'): AuditStore {
  const db = openDatabase(stateDir);
  const { completeIntent, ...intents } = sqliteIntents(db);
  // One process owns the file: its signals stay in it.
  const listeners = new SignalListeners();
  return {
    ...sqliteRecords(db, completeIntent),
    ...intents,
    ...sqliteApprovals(db),
    ...sqliteAuditEvents(db),
    pruneBefore: async (table, before, limit) =>
      Number(db.prepare(pruneSql[table]).run(before, limit).changes),
    shared: false,
    signal: async (signal) => listeners.tell(signal),
    listen: (onSignal) => listeners.add(onSignal),
    ping: async () => {
      db.prepare('SELECT 1').get();
    },
    close: async () => db.close(),
  };
}
