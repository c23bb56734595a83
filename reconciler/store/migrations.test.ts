import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { storeBackends } from '../../test/fixtures/store-backends.ts';
import { freshDatabase } from '../../test/postgres/postgres.ts';
import { redactUrl } from './postgres/database.ts';
import { openStore } from './store.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** bumpSchema sets a store's schema version past what this code knows, as a newer trueup would. */
async function bumpSchema(backend: string, where: string): Promise<void> {
  if (backend === 'SQLite') {
    const db = new DatabaseSync(`${where}/trueup.db`);
    db.exec('PRAGMA user_version = 99');
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: where });
  await client.connect();
  await client.query('UPDATE trueup_schema SET version = 99');
  await client.end();
}

describe.each(storeBackends)('migrations on %s', (name, backend) => {
  it('migrates an empty store once, opens it again as it is, and refuses a schema newer than this code', async () => {
    const location = await backend();
    cleanups.push(() => location.remove());
    // Two replicas starting together: each migration runs once (a transaction / an advisory lock).
    const [a, b] = await Promise.all([location.open(), location.open()]);
    await a.recordDrift('rev', {
      cluster: 'c',
      kind: 'ConfigMap',
      namespace: 'n',
      name: 'x',
      status: 'modified',
      changes: [],
      driftedBy: [],
    } as never);
    await Promise.all([a.close(), b.close()]);
    const again = await location.open();
    expect(await again.drifts()).toHaveLength(1);
    await again.close();
    await bumpSchema(name, location.where);
    await expect(location.open()).rejects.toThrow(
      // PostgreSQL has one more version: the incidents replicas share (SQLite keeps them in incidents.db).
      new RegExp(
        `the ${name} store's schema is at version 99, newer than this trueup knows \\(${name === 'PostgreSQL' ? 4 : 3}\\)`,
      ),
    );
  });
});

describe('the PostgreSQL store URL', () => {
  it('is selected by --store or TRUEUP_DATABASE_URL, and anything else than postgres:// is refused', async () => {
    const url = await freshDatabase(inject('postgresUrl'), 'select');
    const viaEnv = await openStore({ stateDir: ':memory:' }, { TRUEUP_DATABASE_URL: url });
    await viaEnv.queueApproval(
      'rev',
      {
        cluster: 'c',
        kind: 'ConfigMap',
        namespace: 'n',
        name: 'x',
        action: 'skipped',
        reasons: [],
        decision: { mode: 'approve', reasons: [], ruleRefs: [] },
      } as never,
      {
        cluster: 'c',
        kind: 'ConfigMap',
        namespace: 'n',
        name: 'x',
        status: 'modified',
        changes: [],
        driftedBy: [],
      } as never,
    );
    const viaFlag = await openStore({ store: url, stateDir: ':memory:' }, {});
    expect(await viaFlag.approvals()).toHaveLength(1);
    await Promise.all([viaEnv.close(), viaFlag.close()]);
    await expect(openStore({ store: 'mysql://x@y/z', stateDir: ':memory:' }, {})).rejects.toThrow(
      'expected a postgres:// or postgresql:// URL',
    );
  });

  it('never shows its password: not in a connection error, not in the redacted form', async () => {
    const server = new URL(inject('postgresUrl'));
    const secret = 'pa55-w0rd-never-shown';
    const missing = `postgres://trueup:${secret}@127.0.0.1:${server.port}/no_such_database?sslpassword=${secret}`;
    const err = await openStore({ store: missing, stateDir: ':memory:' }, {}).then(
      () => new Error('opened'),
      (e: Error) => e,
    );
    expect(err.message).toContain('does not exist');
    expect(err.message).toContain(`postgres://trueup:***@127.0.0.1:${server.port}/no_such_database`);
    expect(`${err.message} ${err.stack}`).not.toContain(secret);
    const closed = `postgres://trueup:${secret}@127.0.0.1:1/x`;
    const refused = await openStore({ store: closed, stateDir: ':memory:' }, {}).catch((e: Error) => e);
    expect(String((refused as Error).message)).not.toContain(secret);
    expect(redactUrl(missing)).not.toContain(secret);
  });
});
