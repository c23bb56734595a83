/**
 * Approvals on PostgreSQL, shared by every replica: a state moves only from the one it is expected
 * in (`UPDATE … WHERE state = …`, one row changed or none), so of two replicas deciding the same
 * approval exactly one wins; queueing takes a transaction-scoped advisory lock on the object, so two
 * replicas queueing the same change keep one approval.
 */
import type pg from 'pg';
import type { Drift } from '../../core/model.ts';
import type { ChangeSetEntry } from '../../sync/cycle.ts';
import { pendingByNamespaceOf, pendingByNamespaceSql } from '../activity.ts';
import { newApprovalId } from '../ids.ts';
import { toApproval } from '../sqlite/approvals.ts';
import { whereOf } from '../sqlite/query.ts';
import type { Approval, AuditStore, DecidableState } from '../store.ts';
import { inTransaction, numbered } from './database.ts';

/** PgApprovalsPart is the part of AuditStore that approvals serve. */
export type PgApprovalsPart = Pick<
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
type Decider = { actor: string; channel: string; note?: string };

/** pgApprovals serves approvals from pool. */
export function pgApprovals(pool: pg.Pool): PgApprovalsPart {
  const byId = async (id: string) => {
    const { rows } = await pool.query<Row>('SELECT * FROM approvals WHERE id = $1', [id]);
    return rows[0] ? toApproval(rows[0]) : undefined;
  };
  // Moves an approval from `from` to a decided state, recording who decided, when and why.
  const decide =
    (from: DecidableState | 'applying') => async (id: string, state: string, by: Decider, time: Date) =>
      (
        await pool.query(
          `UPDATE approvals SET state = $1, decided_by = $2, decided_at = $3, channel = $4, note = $5 WHERE id = $6 AND state = '${from}'`,
          [state, by.actor, time.toISOString(), by.channel, by.note ?? null, id],
        )
      ).rowCount === 1;
  const from = { pending: decide('pending'), accepted: decide('accepted'), applying: decide('applying') };
  return {
    queueApproval: async (revision, entry, drift, time = new Date()) =>
      (await byId(await inTransaction(pool, (c) => queueIn(c, revision, entry, drift, time)))) as Approval,
    approval: byId,
    pendingApprovals: async (ref) =>
      (
        await pool.query<Row>(
          `SELECT * FROM approvals WHERE cluster = $1 AND kind = $2 AND namespace = $3 AND name = $4 AND state = 'pending' ORDER BY seq`,
          [ref.cluster, ref.kind, ref.namespace, ref.name],
        )
      ).rows.map(toApproval),
    async pendingCounts() {
      const { rows } = await pool.query<{ cluster: string; n: string }>(
        "SELECT cluster, COUNT(*) AS n FROM approvals WHERE state = 'pending' GROUP BY cluster",
      );
      return new Map(rows.map((r) => [r.cluster, Number(r.n)]));
    },
    pendingByNamespace: async () => pendingByNamespaceOf((await pool.query(pendingByNamespaceSql)).rows),
    async approvals(q = {}) {
      const w = whereOf(q, q.state ? [['state = ?', q.state]] : [], 'created');
      const sql = numbered(`SELECT * FROM approvals ${w.sql} ORDER BY seq DESC LIMIT ?`);
      return (await pool.query<Row>(sql, [...w.params, q.limit ?? 100])).rows.map(toApproval);
    },
    decideApproval: (id, state, by, time = new Date(), was = 'pending') => from[was](id, state, by, time),
    finishApproval: (id, state, by, time = new Date()) => from.applying(id, state, by, time),
    async releaseApproval(id, note, time = new Date()) {
      const result = await pool.query(
        `UPDATE approvals SET state = 'pending', decided_by = NULL, decided_at = $1, channel = NULL, note = $2 WHERE id = $3 AND state = 'applying'`,
        [time.toISOString(), note, id],
      );
      return result.rowCount === 1;
    },
  };
}

/** queueIn stales what else is pending for the object and inserts the change; returns its id. */
async function queueIn(
  c: pg.PoolClient,
  revision: string,
  entry: ChangeSetEntry,
  drift: Drift,
  time: Date,
): Promise<string> {
  const object = [entry.cluster, entry.kind, entry.namespace, entry.name];
  // One queuer per object at a time, fleet-wide: the check for the same change and the insert are one.
  await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`approval/${object.join('/')}`]);
  const open = (
    await c.query<Row>(
      `SELECT * FROM approvals WHERE cluster = $1 AND kind = $2 AND namespace = $3 AND name = $4 AND state = 'pending'`,
      object,
    )
  ).rows;
  const resourceVersion = entry.pending?.resourceVersion ?? '';
  const same = open.find((row) => row.revision === revision && row.resource_version === resourceVersion);
  if (same) return same.id as string;
  // Anything else pending for this object was planned against another state: it is stale now.
  for (const row of open) {
    await c.query(`UPDATE approvals SET state = 'stale', decided_at = $1, note = $2 WHERE id = $3`, [
      time.toISOString(),
      `superseded: planned at revision ${row.revision?.slice(0, 12)} / resourceVersion ${row.resource_version}`,
      row.id,
    ]);
  }
  const seq = Number((await c.query<{ n: string }>("SELECT nextval('approvals_seq') AS n")).rows[0]?.n);
  const id = newApprovalId(seq);
  await c.query(
    `INSERT INTO approvals (id, seq, created, revision, resource_version, cluster, kind, namespace, name, state, entry, drift)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11)`,
    [
      id,
      seq,
      time.toISOString(),
      revision,
      resourceVersion,
      ...object,
      JSON.stringify(entry),
      JSON.stringify(drift),
    ],
  );
  return id;
}
