/**
 * Incidents on PostgreSQL, shared by every replica: at most one firing incident per alert group
 * fleet-wide (a unique partial index), so the same group posted to two replicas opens one incident
 * and one investigation; the replica whose insert lost reads the winner's and updates that one.
 */
import type pg from 'pg';
import type { IncidentRowQuery, IncidentRows } from '../store.ts';

// PostgreSQL's unique_violation: here, a second firing incident of one group.
const UNIQUE_VIOLATION = '23505';

/** incidentWhere is the WHERE clause (possibly empty) and parameters of a row query. */
export function incidentWhere(query: IncidentRowQuery): { sql: string; params: (string | number)[] } {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: string, param: string | number) => {
    params.push(param);
    clauses.push(clause.replace('?', `$${params.length}`));
  };
  const contains = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  if (query.status) add('status = ?', query.status);
  if (query.cluster) add('strpos(clusters, ?) > 0', `,${query.cluster},`);
  if (query.namespace) add('strpos(namespaces, ?) > 0', `,${query.namespace},`);
  if (query.q) add("search LIKE ? ESCAPE '\\'", contains(query.q));
  if (query.before !== undefined) add('seq < ?', query.before);
  if (query.since) add('opened >= ?', query.since);
  if (query.until) add('opened <= ?', query.until);
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** pgIncidentRows keeps incidents in the shared store. */
export function pgIncidentRows(pool: pg.Pool): IncidentRows {
  const one = async (sql: string, params: unknown[]) =>
    (await pool.query<{ record: string }>(sql, params)).rows[0]?.record;
  return {
    nextNumber: async () =>
      Number((await pool.query<{ n: string }>("SELECT nextval('incidents_seq') AS n")).rows[0]?.n),
    firing: (groupKey) =>
      one("SELECT record FROM incidents WHERE group_key = $1 AND status = 'firing'", [groupKey]),
    byId: (id) => one('SELECT record FROM incidents WHERE id = $1', [id]),
    async page(query, limit) {
      const w = incidentWhere({ ...query, since: undefined, until: undefined });
      const { rows } = await pool.query<{ seq: string; record: string }>(
        `SELECT seq, record FROM incidents ${w.sql} ORDER BY seq DESC LIMIT $${w.params.length + 1}`,
        [...w.params, limit + 1],
      );
      const shown = rows.slice(0, limit);
      const last = shown.at(-1);
      return {
        records: shown.map((r) => r.record),
        ...(rows.length > limit && last ? { next: Number(last.seq) } : {}),
      };
    },
    async openedTimes(query) {
      const w = incidentWhere({ ...query, before: undefined });
      const sql = `SELECT opened FROM incidents ${w.sql} ORDER BY opened LIMIT 50000`;
      return (await pool.query<{ opened: string }>(sql, w.params)).rows.map((r) => r.opened);
    },
    async save(row) {
      try {
        await pool.query(
          `INSERT INTO incidents (id, group_key, status, opened, updated, record, clusters, namespaces, search)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated = excluded.updated, record = excluded.record,
             clusters = excluded.clusters, namespaces = excluded.namespaces, search = excluded.search`,
          [
            row.id,
            row.groupKey,
            row.status,
            row.opened,
            row.updated,
            row.record,
            row.clusters,
            row.namespaces,
            row.search,
          ],
        );
        return true;
      } catch (err) {
        if ((err as { code?: string }).code === UNIQUE_VIOLATION) return false;
        throw err;
      }
    },
    pruneBefore: async (before, limit) =>
      (
        await pool.query(
          'DELETE FROM incidents WHERE id IN (SELECT id FROM incidents WHERE updated < $1 ORDER BY updated LIMIT $2)',
          [before, limit],
        )
      ).rowCount ?? 0,
  };
}
