/**
 * The PostgreSQL database of the audit store (the `pg` driver): a connection pool, the versioned
 * schema (migrated under an advisory lock, so replicas starting together migrate once), transactions,
 * and the connection URL shown without its password (credentials are never logged or put in errors).
 */
import pg from 'pg';
import { fleetIndexes } from '../indexes.ts';
import { pendingMigrations } from '../migrations.ts';

/** pgMigrations are the PostgreSQL schema's versions, oldest first (see migrations.ts). */
export const pgMigrations: readonly string[] = [
  `
CREATE TABLE drifts (
  id BIGSERIAL PRIMARY KEY,
  time TEXT NOT NULL, revision TEXT NOT NULL,
  cluster TEXT NOT NULL, kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  status TEXT NOT NULL, record TEXT NOT NULL
);
CREATE INDEX drifts_object ON drifts (cluster, namespace, name, id);
CREATE INDEX drifts_time ON drifts (time);
CREATE TABLE remediations (
  id BIGSERIAL PRIMARY KEY,
  time TEXT NOT NULL, revision TEXT NOT NULL, actor TEXT NOT NULL,
  cluster TEXT NOT NULL, kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  action TEXT NOT NULL, dry_run TEXT, error TEXT, before TEXT, after TEXT, record TEXT NOT NULL
);
CREATE INDEX remediations_object ON remediations (cluster, namespace, name, id);
CREATE INDEX remediations_time ON remediations (time);
CREATE SEQUENCE approvals_seq;
CREATE TABLE approvals (
  id TEXT PRIMARY KEY, seq BIGINT NOT NULL UNIQUE,
  created TEXT NOT NULL, revision TEXT NOT NULL, resource_version TEXT NOT NULL,
  cluster TEXT NOT NULL, kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  state TEXT NOT NULL, entry TEXT NOT NULL, drift TEXT NOT NULL,
  decided_by TEXT, decided_at TEXT, channel TEXT, note TEXT
);
CREATE INDEX approvals_object ON approvals (cluster, kind, namespace, name, state);
CREATE TABLE intents (
  id TEXT PRIMARY KEY, started TEXT NOT NULL, owner TEXT NOT NULL,
  revision TEXT NOT NULL, actor TEXT NOT NULL,
  cluster TEXT NOT NULL, kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  approval TEXT, expectation TEXT
);
`,
  // 2: audit events (reconciler/audit), once per cluster and auditID.
  `
CREATE TABLE audit_events (
  id BIGSERIAL PRIMARY KEY,
  time TEXT NOT NULL, cluster TEXT NOT NULL, kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  audit_id TEXT NOT NULL, verb TEXT NOT NULL, username TEXT NOT NULL, record TEXT NOT NULL,
  UNIQUE (cluster, audit_id)
);
CREATE INDEX audit_events_object ON audit_events (cluster, namespace, name, time);
CREATE INDEX audit_events_time ON audit_events (time);
`,
  // 3: the same indexes as SQLite's migration 3 (paged, filtered history; per-namespace counts).
  fleetIndexes,
  // 4: incidents shared by the replicas, at most one firing per alert group; clusters, namespaces
  // and search are the list's filter columns (diagnose/incident-store.ts searchValues).
  `
CREATE SEQUENCE incidents_seq;
CREATE TABLE incidents (
  id TEXT PRIMARY KEY, group_key TEXT NOT NULL, status TEXT NOT NULL,
  opened TEXT NOT NULL, updated TEXT NOT NULL, record TEXT NOT NULL,
  clusters TEXT NOT NULL, namespaces TEXT NOT NULL, search TEXT NOT NULL,
  seq BIGSERIAL
);
CREATE UNIQUE INDEX incidents_one_firing ON incidents (group_key) WHERE status = 'firing';
CREATE INDEX incidents_updated ON incidents (updated);
CREATE INDEX incidents_seq_order ON incidents (seq);
CREATE INDEX incidents_status_seq ON incidents (status, seq);
CREATE INDEX incidents_opened ON incidents (opened);
`,
];

// One number for trueup's migration lock (pg_advisory_lock takes a bigint): "trueup" in ASCII.
const MIGRATION_LOCK = 0x747275657570;

/** redactUrl is a connection URL with its password replaced by `***` (the form logs and errors show). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of ['password', 'sslkey', 'sslpassword'])
      if (u.searchParams.has(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** Queryable is a pool or one client in a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/** openPool connects to url (one round trip, so a bad URL fails here) and migrates the schema. */
export async function openPool(url: string, migrations: readonly string[] = pgMigrations): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server (a restart) is dropped by the pool; without a listener it would crash us.
  pool.on('error', () => {});
  try {
    await migrate(pool, migrations);
  } catch (err) {
    await pool.end().catch(() => {});
    throw withoutSecrets(err as Error, url);
  }
  return pool;
}

/** withoutSecrets makes an error that names the database by its redacted URL and holds no password. */
export function withoutSecrets(err: Error, url: string): Error {
  const password = safePassword(url);
  let message = err.message;
  if (password) message = message.split(password).join('***');
  if (err.name === 'SchemaTooNewError') return Object.assign(new Error(message), { name: err.name });
  return new Error(`PostgreSQL store ${redactUrl(url)}: ${message}`);
}

function safePassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

/** migrate runs the migrations past the stored version, under an advisory lock, in one transaction. */
export async function migrate(pool: pg.Pool, migrations: readonly string[]): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS trueup_schema (version INTEGER NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM trueup_schema');
    const found = rows[0]?.version ?? 0;
    if (rows.length === 0) await client.query('INSERT INTO trueup_schema (version) VALUES (0)');
    const todo = pendingMigrations(migrations, found, 'PostgreSQL');
    for (const sql of todo) await client.query(sql);
    if (todo.length) await client.query('UPDATE trueup_schema SET version = $1', [found + todo.length]);
  });
}

/** inTransaction runs `run` on one client in a transaction; a throw rolls it back. */
export async function inTransaction<T>(
  pool: pg.Pool,
  run: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await run(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** numbered turns `?` placeholders into PostgreSQL's `$1, $2, …` (from `$first`). */
export function numbered(sql: string, first = 1): string {
  let n = first;
  return sql.replace(/\?/g, () => `$${n++}`);
}
