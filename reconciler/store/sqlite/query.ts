/** The history filters of a RecordQuery as SQL, shared by drift, remediation and approval queries. */
import type { SqlValue } from '../rows.ts';
import type { RecordQuery } from '../store.ts';

/** Where is a WHERE clause (empty for none) and its parameters. */
export interface Where {
  sql: string;
  params: SqlValue[];
}

/** Clause is one extra condition: its SQL and, when it has a `?`, its parameter. */
export type Clause = [clause: string, param?: SqlValue];

/**
 * whereOf turns a query's object and time filters into SQL (actor and state are the tables' own);
 * timeColumn is the table's time (`created` for approvals).
 */
export function whereOf(
  q: RecordQuery,
  extra: Clause[] = [],
  timeColumn: 'time' | 'created' = 'time',
): Where {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  for (const key of ['cluster', 'kind', 'namespace', 'name'] as const) {
    const value = q[key];
    if (value !== undefined) {
      clauses.push(`${key} = ?`);
      params.push(value);
    }
  }
  // ISO 8601 times in UTC compare as text.
  if (q.since !== undefined) {
    clauses.push(`${timeColumn} >= ?`);
    params.push(q.since);
  }
  if (q.until !== undefined) {
    clauses.push(`${timeColumn} <= ?`);
    params.push(q.until);
  }
  for (const [clause, ...param] of extra) {
    clauses.push(clause);
    for (const value of param) if (value !== undefined) params.push(value);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** likeContaining is a LIKE pattern matching text that contains `text` (its `%`, `_` and `\` taken literally). */
export function likeContaining(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** resultClauses say, in SQL over a remediation row, what each RemediationResult is. */
export const resultClauses = {
  failed: 'error IS NOT NULL',
  applied: "error IS NULL AND action IN ('created', 'configured', 'replaced', 'deleted')",
  skipped: "error IS NULL AND action IN ('skipped', 'unchanged')",
} as const;

/**
 * recordClauses are the filters of a drift or remediation query beyond whereOf's: the actor and
 * result (remediations only: drift records have neither), the name search `q` (case-insensitive
 * substring) and the cursor `before` (rows older than that id, for stable pages newest first).
 */
export function recordClauses(table: 'drifts' | 'remediations', q: RecordQuery): Clause[] {
  const clauses: Clause[] = [];
  if (table === 'remediations' && q.actor !== undefined) clauses.push(['actor LIKE ?', `%${q.actor}%`]);
  if (table === 'remediations' && q.result !== undefined) clauses.push([`(${resultClauses[q.result]})`]);
  if (q.q !== undefined && q.q !== '') clauses.push(["LOWER(name) LIKE ? ESCAPE '\\'", likeContaining(q.q)]);
  if (q.before !== undefined) clauses.push(['id < ?', q.before]);
  return clauses;
}
