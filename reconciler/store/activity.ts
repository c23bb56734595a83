/**
 * The timeline reads both backends share: the SQL of an activity query (the few columns a timeline
 * counts, no record parsed) and pending approvals per namespace, and the rows read back. Each
 * backend runs the statements with its own driver and placeholders.
 */
import type { ManagedKind } from '../core/model.ts';
import type { SqlValue } from './rows.ts';
import { likeContaining, resultClauses, whereOf } from './sqlite/query.ts';
import {
  type Activity,
  type ActivityQuery,
  type ActivityRecord,
  type ApprovalState,
  defaultActivityLimit,
} from './store.ts';

/** Statement is one SQL text with `?` placeholders and its parameters. */
export interface Statement {
  sql: string;
  params: SqlValue[];
}

/** ActivityStatements are the three reads of one activity query. */
export interface ActivityStatements {
  drifts: Statement;
  remediations: Statement;
  approvals: Statement;
}

const resultCase = `CASE WHEN ${resultClauses.failed} THEN 'failed' WHEN ${resultClauses.skipped} THEN 'skipped' ELSE 'applied' END`;

/** activityStatements turns an activity query into its three reads (newest `limit` each, by id or seq). */
export function activityStatements(query: ActivityQuery): ActivityStatements {
  const limit = query.limit ?? defaultActivityLimit;
  const search: [string, SqlValue][] = query.q
    ? [["LOWER(name) LIKE ? ESCAPE '\\'", likeContaining(query.q)]]
    : [];
  const records = (table: string, extra: string) => {
    const w = whereOf({ ...query, q: undefined }, search);
    return {
      sql: `SELECT time, cluster, namespace, kind, name${extra} FROM ${table} ${w.sql} ORDER BY id DESC LIMIT ?`,
      params: [...w.params, limit],
    };
  };
  // An approval counts when it was queued or decided within the range.
  const objectOnly = whereOf({ cluster: query.cluster, namespace: query.namespace }, search);
  const clauses = objectOnly.sql ? [objectOnly.sql.replace(/^WHERE /, '')] : [];
  const params: SqlValue[] = [...objectOnly.params];
  if (query.since) {
    clauses.push('(created >= ? OR decided_at >= ?)');
    params.push(query.since, query.since);
  }
  if (query.until) {
    clauses.push('created <= ?');
    params.push(query.until);
  }
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
  return {
    drifts: records('drifts', ''),
    remediations: records('remediations', `, ${resultCase} AS result`),
    approvals: {
      sql: `SELECT created AS time, cluster, namespace, kind, name, state, decided_at FROM approvals ${where} ORDER BY seq DESC LIMIT ?`,
      params: [...params, limit],
    },
  };
}

type Row = Record<string, unknown>;

function toRecord(row: Row): ActivityRecord {
  return {
    time: String(row.time),
    cluster: String(row.cluster),
    namespace: String(row.namespace),
    kind: row.kind as ManagedKind,
    name: String(row.name),
    ...(row.result ? { result: row.result as ActivityRecord['result'] } : {}),
  };
}

/** toActivity reads the three reads' rows back, oldest first. */
export function toActivity(rows: { drifts: Row[]; remediations: Row[]; approvals: Row[] }): Activity {
  return {
    drifts: rows.drifts.map(toRecord).reverse(),
    remediations: rows.remediations.map(toRecord).reverse(),
    approvals: rows.approvals
      .map((row) => ({
        ...toRecord(row),
        state: row.state as ApprovalState,
        ...(row.decided_at ? { decidedAt: String(row.decided_at) } : {}),
      }))
      .reverse(),
  };
}

/** pendingByNamespaceSql counts pending approvals per cluster and namespace. */
export const pendingByNamespaceSql =
  "SELECT cluster, namespace, COUNT(*) AS n FROM approvals WHERE state = 'pending' GROUP BY cluster, namespace";

/** pendingByNamespaceOf keys the counts `cluster/namespace`. */
export function pendingByNamespaceOf(rows: Row[]): Map<string, number> {
  return new Map(rows.map((r) => [`${String(r.cluster)}/${String(r.namespace)}`, Number(r.n)]));
}
