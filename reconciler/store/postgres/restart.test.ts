import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modifiedDrift } from '../../../test/fixtures/store-fixtures.ts';
import { type RunningPostgres, startPostgres } from '../../../test/postgres/postgres.ts';
import { StoreWriter } from '../../daemon/store-writer.ts';
import type { AuditStore } from '../store.ts';
import { openPostgresStore } from './postgres-store.ts';

// A server of its own: restarting the run's shared one would fail other files' tests.
describe('the PostgreSQL store across a server restart', () => {
  let server: RunningPostgres;
  let store: AuditStore;
  beforeAll(async () => {
    server = await startPostgres();
    store = await openPostgresStore(server.url);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  it('stops answering while the server is down, reconnects after, and loses no write queued meanwhile', async () => {
    await store.recordDrift('rev', modifiedDrift('before'));
    await store.ping();
    const writer = new StoreWriter(pino({ level: 'silent' }));
    const restarted = server.restart(1500);
    // The server is going down: a ping fails (readiness says not ready) and writes wait and retry.
    await new Promise((r) => setTimeout(r, 300));
    await expect(store.ping()).rejects.toThrow();
    for (const name of ['during-1', 'during-2'])
      writer.write('drift record', () => store.recordDrift('rev', modifiedDrift(name)));
    await restarted;
    await writer.idle();
    await store.ping();
    await store.recordDrift('rev', modifiedDrift('after'));
    expect((await store.drifts()).map((d) => d.drift.name)).toEqual([
      'after',
      'during-2',
      'during-1',
      'before',
    ]);
  }, 60_000);
});
