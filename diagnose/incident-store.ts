/**
 * The incident store: incidents with their alerts, evidence bundle and diagnosis, in SQLite
 * (node:sqlite) beside the audit store in the state dir, so they survive restarts; or, when the
 * replicas share a PostgreSQL store, in it (one firing incident per alert group fleet-wide). Every
 * call is asynchronous, so either may back it. Evidence and diagnoses hold key names and digests
 * only, never a Secret value.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { newIncidentId } from '../reconciler/store/ids.ts';
import type { IncidentRows } from '../reconciler/store/store.ts';
import type { Incident } from './incident.ts';

/** IncidentQuery filters the incident list. */
export interface IncidentQuery {
  status?: Incident['status'];
  limit?: number;
  /** cluster and namespace match an incident about them (its subjects, else its common labels). */
  cluster?: string;
  namespace?: string;
  /** q matches the id, alert name or an object name of the incident, ignoring case. */
  q?: string;
  /** before is a page cursor: only incidents stored before that one (newest first). */
  before?: number;
}

/** IncidentPage is one page of incidents, newest first, and the cursor of the next when there is one. */
export interface IncidentPage {
  incidents: Incident[];
  next?: number;
}

/** OpenedQuery filters openedTimes: the list's filters and an opening-time window (ISO 8601). */
export type OpenedQuery = Omit<IncidentQuery, 'before' | 'limit'> & { since?: string; until?: string };

/** IncidentStore reads and writes incidents. */
export interface IncidentStore {
  /**
   * nextId is a new incident id, `i<n>-<tag>` (reconciler/ids.ts): unique even when two processes
   * share the store or two stores meet, so one never overwrites another's incident.
   */
  nextId(): Promise<string>;
  /** openIncident is the firing incident of a group, if any. */
  openIncident(groupKey: string): Promise<Incident | undefined>;
  incident(id: string): Promise<Incident | undefined>;
  incidents(query?: IncidentQuery): Promise<Incident[]>;
  /** page is one page of the filtered list; next is set when more incidents match. */
  page(query?: IncidentQuery): Promise<IncidentPage>;
  /** openedTimes are when the matching incidents opened (ISO 8601), oldest first, for timelines. */
  openedTimes(query: OpenedQuery): Promise<string[]>;
  /**
   * save inserts or updates an incident; false (nothing saved) when it would be a second firing
   * incident of its group, which only a store replicas share can see (another replica opened one).
   */
  save(incident: Incident): Promise<boolean>;
  /**
   * pruneBefore deletes up to `limit` of the incidents last updated before `before` (ISO 8601),
   * oldest first, with their evidence and diagnosis; returns how many (retention, in batches).
   */
  pruneBefore(before: string, limit: number): Promise<number>;
  close(): void;
}

/** openSharedIncidentStore keeps incidents in the store replicas share (PostgreSQL). */
export function openSharedIncidentStore(rows: IncidentRows): IncidentStore {
  const parse = (record: string | undefined) => (record ? (JSON.parse(record) as Incident) : undefined);
  const page = async ({ limit, ...query }: IncidentQuery = {}): Promise<IncidentPage> => {
    const found = await rows.page(query, limit ?? 100);
    return {
      incidents: found.records.map((r) => JSON.parse(r) as Incident),
      ...(found.next !== undefined ? { next: found.next } : {}),
    };
  };
  return {
    nextId: async () => newIncidentId(await rows.nextNumber()),
    openIncident: async (groupKey) => parse(await rows.firing(groupKey)),
    incident: async (id) => parse(await rows.byId(id)),
    incidents: async (query) => (await page(query)).incidents,
    page,
    openedTimes: (query) => rows.openedTimes(query),
    save: (incident) => {
      const [clusters, namespaces, search] = searchValues(incident);
      return rows.save({
        id: incident.id,
        groupKey: incident.groupKey,
        status: incident.status,
        opened: incident.opened,
        updated: incident.updated,
        clusters,
        namespaces,
        search,
        record: JSON.stringify(incident),
      });
    },
    pruneBefore: (before, limit) => rows.pruneBefore(before, limit),
    close: () => {},
  };
}

const schema = `
CREATE TABLE IF NOT EXISTS incidents (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, group_key TEXT NOT NULL,
  status TEXT NOT NULL, opened TEXT NOT NULL, updated TEXT NOT NULL, record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_group ON incidents (group_key, status);
CREATE INDEX IF NOT EXISTS incidents_updated ON incidents (updated);
`;

// Version 1 (PRAGMA user_version) adds what the list filters on without parsing records:
// `,a,b,` lists of clusters and namespaces, and the searchable words (id, alert name, object names).
const searchColumns = `
ALTER TABLE incidents ADD COLUMN clusters TEXT NOT NULL DEFAULT ',';
ALTER TABLE incidents ADD COLUMN namespaces TEXT NOT NULL DEFAULT ',';
ALTER TABLE incidents ADD COLUMN search TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS incidents_status_seq ON incidents (status, seq);
`;

/** openIncidentStore opens (creating if needed) the store in stateDir; ':memory:' for tests. */
export function openIncidentStore(stateDir: string | ':memory:'): IncidentStore {
  let path = ':memory:';
  if (stateDir !== ':memory:') {
    mkdirSync(stateDir, { recursive: true });
    path = join(stateDir, 'incidents.db');
  }
  const db = new DatabaseSync(path);
  // WAL with synchronous=NORMAL: durable across a process crash, no fsync per webhook (the bench
  // measured 0.15 ms vs 0.03 ms per write).
  // busy_timeout first: switching to WAL takes a lock, and another process opening the file at the
  // same moment must wait for it rather than fail with "database is locked".
  db.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  db.exec(schema);
  migrateIncidents(db);
  const lastSeq = db.prepare('SELECT MAX(seq) AS seq FROM incidents');
  // The readable number: the store's next row, or past what this process already handed out.
  let handedOut = 0;
  const parse = (row: unknown) => JSON.parse((row as { record: string }).record) as Incident;
  const upsert = db.prepare(
    `INSERT INTO incidents (id, group_key, status, opened, updated, record, clusters, namespaces, search)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET status = excluded.status, updated = excluded.updated, record = excluded.record,
       clusters = excluded.clusters, namespaces = excluded.namespaces, search = excluded.search`,
  );
  const page = (query: IncidentQuery) => pageOf(db, query);
  return {
    async nextId() {
      const stored = Number((lastSeq.get() as { seq: number | null }).seq ?? 0);
      handedOut = Math.max(handedOut, stored) + 1;
      return newIncidentId(handedOut);
    },
    async openIncident(groupKey) {
      const row = db
        .prepare(
          "SELECT record FROM incidents WHERE group_key = ? AND status = 'firing' ORDER BY seq DESC LIMIT 1",
        )
        .get(groupKey);
      return row ? parse(row) : undefined;
    },
    async incident(id) {
      const row = db.prepare('SELECT record FROM incidents WHERE id = ?').get(id);
      return row ? parse(row) : undefined;
    },
    incidents: async (query = {}) => page(query).incidents,
    page: async (query = {}) => page(query),
    openedTimes: async (query) => openedTimesOf(db, query),
    async save(incident) {
      // seq is the row's order (SQLite assigns it on insert), not parsed from the id.
      upsert.run(
        incident.id,
        incident.groupKey,
        incident.status,
        incident.opened,
        incident.updated,
        JSON.stringify(incident),
        ...searchValues(incident),
      );
      return true;
    },
    async pruneBefore(before, limit) {
      const sql =
        'DELETE FROM incidents WHERE seq IN (SELECT seq FROM incidents WHERE updated < ? ORDER BY updated LIMIT ?)';
      return Number(db.prepare(sql).run(before, limit).changes);
    },
    close() {
      db.close();
    },
  };
}

function migrateIncidents(db: DatabaseSync): void {
  const version = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
  if (version >= 1) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(searchColumns);
    const rows = db.prepare('SELECT seq, record FROM incidents').all() as { seq: number; record: string }[];
    const update = db.prepare('UPDATE incidents SET clusters = ?, namespaces = ?, search = ? WHERE seq = ?');
    for (const row of rows) update.run(...searchValues(JSON.parse(row.record) as Incident), row.seq);
    db.exec('PRAGMA user_version = 1');
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/**
 * searchValues are an incident's filter columns: the clusters and namespaces it is about (its
 * evidence's subjects, else its common labels) as `,a,b,` lists, and its lower-cased search words.
 */
export function searchValues(incident: Incident): [clusters: string, namespaces: string, search: string] {
  const subjects = incident.evidence?.subjects ?? [];
  const labels = incident.commonLabels;
  const clusters = new Set(subjects.map((s) => s.cluster));
  const namespaces = new Set(subjects.map((s) => s.namespace));
  if (clusters.size === 0 && labels.cluster) clusters.add(labels.cluster);
  if (namespaces.size === 0 && labels.namespace) namespaces.add(labels.namespace);
  const words = [incident.id, labels.alertname ?? '', ...subjects.map((s) => s.name)];
  const list = (values: Set<string>) => `,${[...values].join(',')},`;
  return [list(clusters), list(namespaces), words.join(' ').toLowerCase()];
}

function incidentWhere(query: IncidentQuery): { sql: string; params: (string | number)[] } {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: string, param: string | number) => {
    clauses.push(clause);
    params.push(param);
  };
  const contains = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  if (query.status) add('status = ?', query.status);
  if (query.cluster) add('instr(clusters, ?) > 0', `,${query.cluster},`);
  if (query.namespace) add('instr(namespaces, ?) > 0', `,${query.namespace},`);
  if (query.q) add("search LIKE ? ESCAPE '\\'", contains(query.q));
  if (query.before !== undefined) add('seq < ?', query.before);
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

function pageOf(db: DatabaseSync, query: IncidentQuery): IncidentPage {
  const limit = query.limit ?? 100;
  const w = incidentWhere(query);
  const rows = db
    .prepare(`SELECT seq, record FROM incidents ${w.sql} ORDER BY seq DESC LIMIT ?`)
    .all(...w.params, limit + 1) as { seq: number; record: string }[];
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return {
    incidents: shown.map((row) => JSON.parse(row.record) as Incident),
    ...(rows.length > limit && last ? { next: Number(last.seq) } : {}),
  };
}

function openedTimesOf(db: DatabaseSync, { since, until, ...query }: OpenedQuery): string[] {
  const w = incidentWhere(query);
  const clauses = [w.sql.replace(/^WHERE /, ''), since ? 'opened >= ?' : '', until ? 'opened <= ?' : ''];
  const where = clauses.filter((c) => c !== '').join(' AND ');
  const params = [...w.params, ...(since ? [since] : []), ...(until ? [until] : [])];
  const sql = `SELECT opened FROM incidents ${where ? `WHERE ${where}` : ''} ORDER BY opened LIMIT 50000`;
  return (db.prepare(sql).all(...params) as { opened: string }[]).map((r) => r.opened);
}
