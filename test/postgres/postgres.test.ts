import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { freshDatabase } from './postgres.ts';

describe('the test PostgreSQL', () => {
  it('is a real server on loopback that hands each test a database of its own', async () => {
    const a = await freshDatabase(inject('postgresUrl'));
    const b = await freshDatabase(inject('postgresUrl'));
    expect(a).not.toBe(b);
    const client = new pg.Client({ connectionString: a });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string; v: string }>(
        'SELECT current_database() AS db, current_setting($1) AS v',
        ['server_version_num'],
      );
      expect(`postgres://trueup@127.0.0.1:${new URL(a).port}/${rows[0]?.db}`).toBe(a);
      expect(Number(rows[0]?.v)).toBeGreaterThanOrEqual(140000);
    } finally {
      await client.end();
    }
  });
});
