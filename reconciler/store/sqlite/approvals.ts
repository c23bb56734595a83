/**
 * Approvals: changes waiting for (or past) a human decision. A state moves only from the one it is
 * expected in (`WHERE state = ...`), so two deciders cannot both win.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Drift } from '../../core/model.ts';
import type { ChangeSetEntry } from '../../sync/cycle.ts';
import { pendingByNamespaceOf, pendingByNamespaceSql } from '../activity.ts';
import { newApprovalId } from '../ids.ts';
import type { Approval, ApprovalState, AuditStore, DecidableState } from '../store.ts';
import { inTransaction } from './database.ts';
import { whereOf } from './query.ts';

/** ApprovalsPart is the part of AuditStore that approvals serve. */
export type ApprovalsPart = Pick<
  AuditStore,
  | 'queueApproval'
  | 'approval'
  | 'pendingApprovals'
  | 'pendingCounts'
  | 'pendingByNamespace'
  | 'approvals'
  | 'decideApproval'
  | 'releaseApproval'
  | 'finishApproval'
>;

type Row = Record<string, string>;

/** sqliteApprovals serves approvals from db. */
export function sqliteApprovals(db: DatabaseSync): ApprovalsPart {
  const pendingOf = db.prepare(
    `SELECT * FROM approvals WHERE cluster = ? AND kind = ? AND namespace = ? AND name = ? AND state = 'pending' ORDER BY seq`,
  );
  const byId = (id: string): Approval | undefined => {
    const row = db.prepare('SELECT * FROM approvals WHERE id = ?').get(id) as Row | undefined;
    return row ? toApproval(row) : undefined;
  };
  // Moves an approval from `from` to a decided state, recording who decided, when and why.
  const decide =
    (from: DecidableState | 'applying') => (id: string, state: string, by: Decider, time: Date) =>
      Number(
        db
          .prepare(
            `UPDATE approvals SET state = ?, decided_by = ?, decided_at = ?, channel = ?, note = ? WHERE id = ? AND state = '${from}'`,
          )
          .run(state, by.actor, time.toISOString(), by.channel, by.note ?? null, id).changes,
      ) === 1;
  const from = { pending: decide('pending'), accepted: decide('accepted'), applying: decide('applying') };
  return {
    // One write transaction: two processes on one store cannot both read the same number or both
    // queue the same change; the id's random tag keeps it unique beyond this store.
    queueApproval: async (revision, entry, drift, time = new Date()) =>
      byId(inTransaction(db, () => queueInTransaction(db, revision, entry, drift, time))) as Approval,
    approval: async (id) => byId(id),
    pendingApprovals: async (ref) =>
      (pendingOf.all(ref.cluster, ref.kind, ref.namespace, ref.name) as Row[]).map(toApproval),
    async pendingCounts() {
      const rows = db
        .prepare("SELECT cluster, COUNT(*) AS n FROM approvals WHERE state = 'pending' GROUP BY cluster")
        .all() as { cluster: string; n: number }[];
      return new Map(rows.map((r) => [r.cluster, Number(r.n)]));
    },
    pendingByNamespace: async () =>
      pendingByNamespaceOf(db.prepare(pendingByNamespaceSql).all() as Record<string, unknown>[]),
    async approvals(q = {}) {
      const w = whereOf(q, q.state ? [['state = ?', q.state]] : [], 'created');
      const sql = `SELECT * FROM approvals ${w.sql} ORDER BY seq DESC LIMIT ?`;
      return (db.prepare(sql).all(...w.params, q.limit ?? 100) as Row[]).map(toApproval);
    },
    decideApproval: async (id, state, by, time = new Date(), was = 'pending') =>
      from[was](id, state, by, time),
    finishApproval: async (id, state, by, time = new Date()) => from.applying(id, state, by, time),
    async releaseApproval(id, note, time = new Date()) {
      const result = db
        .prepare(
          `UPDATE approvals SET state = 'pending', decided_by = NULL, decided_at = ?, channel = NULL, note = ? WHERE id = ? AND state = 'applying'`,
        )
        .run(time.toISOString(), note, id);
      return Number(result.changes) === 1;
    },
  };
}

type Decider = { actor: string; channel: string; note?: string };

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
    .all(entry.cluster, entry.kind, entry.namespace, entry.name) as Row[];
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

/** toApproval reads an approvals row (both backends store the same columns). */
export function toApproval(row: Row): Approval {
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
