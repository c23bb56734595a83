/**
 * Drift and remediation records and write intents on PostgreSQL: the same rows and rules as the
 * SQLite backend (sqlite/records.ts, sqlite/intents.ts); a remediation completes its intent in the
 * same transaction as its record.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Drift } from '../../core/model.ts';
import type { ChangeSetEntry } from '../../sync/cycle.ts';
import { activityStatements, toActivity } from '../activity.ts';
import {
  intentColumns,
  intentValues,
  placeholders,
  remediationColumns,
  remediationValues,
  toIntent,
} from '../rows.ts';
import { recordClauses, whereOf } from '../sqlite/query.ts';
import { remediatedTimesOf } from '../sqlite/records.ts';
import type { AuditStore, RecordQuery } from '../store.ts';
import { inTransaction, numbered, type Queryable } from './database.ts';

/** PgRecordsPart is the part of AuditStore that records and intents serve. */
export type PgRecordsPart = Pick<
  AuditStore,
  | 'recordDrift'
  | 'recordRemediation'
  | 'drifts'
  | 'remediations'
  | 'remediatedTimes'
  | 'activity'
  | 'beginIntent'
  | 'expectIntent'
  | 'openIntents'
>;

type Row = Record<string, string | null>;

/** pgRecords serves drift and remediation records and write intents from pool. */
export function pgRecords(pool: pg.Pool): PgRecordsPart {
  const select = async (table: 'drifts' | 'remediations', q: RecordQuery) => {
    const w = whereOf(q, recordClauses(table, q));
    const sql = numbered(`SELECT * FROM ${table} ${w.sql} ORDER BY id DESC LIMIT ?`);
    return (await pool.query<Row>(sql, [...w.params, q.limit ?? 100])).rows;
  };
  return {
    async recordDrift(revision, drift, time = new Date()) {
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO drifts (time, revision, cluster, kind, namespace, name, status, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        [
          time.toISOString(),
          revision,
          drift.cluster,
          drift.kind,
          drift.namespace,
          drift.name,
          drift.status,
          JSON.stringify(drift),
        ],
      );
      return Number(rows[0]?.id);
    },
    async recordRemediation(revision, entry, actor, time = new Date()) {
      const intent = entry.intent;
      if (!intent) return insertRemediation(pool, revision, entry, actor, time);
      // The audit record and the completion of its intent are one: a crash leaves both or neither.
      return inTransaction(pool, async (client) => {
        const id = await insertRemediation(client, revision, entry, actor, time);
        await client.query('DELETE FROM intents WHERE id = $1', [intent]);
        return id;
      });
    },
    drifts: async (q = {}) =>
      (await select('drifts', q)).map((row) => ({
        id: Number(row.id),
        time: String(row.time),
        revision: String(row.revision),
        drift: JSON.parse(String(row.record)) as Drift,
      })),
    remediations: async (q = {}) =>
      (await select('remediations', q)).map((row) => ({
        id: Number(row.id),
        time: String(row.time),
        revision: String(row.revision),
        actor: String(row.actor),
        entry: JSON.parse(String(row.record)) as ChangeSetEntry,
      })),
    async activity(query) {
      const statements = activityStatements(query);
      const run = async (s: { sql: string; params: (string | number | null)[] }) =>
        (await pool.query<Row>(numbered(s.sql), s.params)).rows;
      const [drifts, remediations, approvals] = await Promise.all([
        run(statements.drifts),
        run(statements.remediations),
        run(statements.approvals),
      ]);
      return toActivity({ drifts, remediations, approvals });
    },
    async remediatedTimes(cluster) {
      // Only a confirmed apply records `after`; dry runs, failures and deletes do not.
      const { rows } = await pool.query(
        `SELECT kind, namespace, name, MAX(time) AS time FROM remediations
         WHERE cluster = $1 AND after IS NOT NULL AND error IS NULL GROUP BY kind, namespace, name`,
        [cluster],
      );
      return remediatedTimesOf(rows);
    },
    ...pgIntents(pool),
  };
}

function pgIntents(pool: pg.Pool): Pick<AuditStore, 'beginIntent' | 'expectIntent' | 'openIntents'> {
  return {
    async beginIntent(intent, time = new Date()) {
      const id = `i-${randomUUID()}`;
      await pool.query(
        numbered(`INSERT INTO intents (${intentColumns}) VALUES (${placeholders(11)})`),
        intentValues(id, intent, time),
      );
      return id;
    },
    async expectIntent(id, expectation) {
      await pool.query('UPDATE intents SET expectation = $1 WHERE id = $2', [
        JSON.stringify(expectation),
        id,
      ]);
    },
    openIntents: async () =>
      (await pool.query<Row>('SELECT * FROM intents ORDER BY started')).rows.map(toIntent),
  };
}

async function insertRemediation(
  db: Queryable,
  revision: string,
  entry: ChangeSetEntry,
  actor: string,
  time: Date,
): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    numbered(`INSERT INTO remediations (${remediationColumns}) VALUES (${placeholders(13)}) RETURNING id`),
    remediationValues(revision, entry, actor, time),
  );
  return Number(rows[0]?.id);
}
