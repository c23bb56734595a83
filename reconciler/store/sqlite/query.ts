/** The history filters of a RecordQuery as SQL, shared by drift, remediation and approval queries. */
import type { RecordQuery } from '../store.ts';

/** Where is a WHERE clause (empty for none) and its parameters. */
export interface Where {
  sql: string;
  params: string[];
}

/** whereOf turns a query's object and time filters into SQL (actor and state are the tables' own). */
export function whereOf(q: RecordQuery, extra: [clause: string, param: string][] = []): Where {
  const clauses: string[] = [];
  const params: string[] = [];
  for (const key of ['cluster', 'kind', 'namespace', 'name'] as const) {
    const value = q[key];
    if (value !== undefined) {
      clauses.push(`${key} = ?`);
      params.push(value);
    }
  }
  // ISO 8601 times in UTC compare as text.
  if (q.since !== undefined) {
    clauses.push('time >= ?');
    params.push(q.since);
  }
  if (q.until !== undefined) {
    clauses.push('time <= ?');
    params.push(q.until);
  }
  for (const [clause, param] of extra) {
    clauses.push(clause);
    params.push(param);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
