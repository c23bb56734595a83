/**
 * `npm run bench:store`: the audit store on SQLite and on PostgreSQL, side by side in one run —
 * audit writes/s (drift records, one at a time and 16 in flight) and the approve→applied round trip
 * as the store sees it (queue, claim, record the remediation with its intent, finish, read back;
 * no cluster in it). PostgreSQL is a real server started for the run (Debian's package, as the
 * tests use; a loopback TCP connection, fsync off like the tests' server), or --pg-url.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openPostgresStore } from '../reconciler/store/postgres/postgres-store.ts';
import { type AuditStore, openAuditStore } from '../reconciler/store/store.ts';
import { heldEntry, modifiedDrift } from '../test/fixtures/store-fixtures.ts';
import { freshDatabase, startPostgres } from '../test/postgres/postgres.ts';

const { values } = parseArgs({
  options: {
    writes: { type: 'string', default: '2000' },
    approvals: { type: 'string', default: '300' },
    'pg-url': { type: 'string' },
  },
});
const writes = Number(values.writes);
const approvals = Number(values.approvals);

interface Figures {
  serialWritesPerSec: number;
  concurrentWritesPerSec: number;
  roundTripMs: { p50: number; p95: number };
}

async function measure(store: AuditStore): Promise<Figures> {
  let t = performance.now();
  for (let i = 0; i < writes; i++) await store.recordDrift('rev', modifiedDrift(`w${i}`));
  const serialWritesPerSec = writes / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let i = 0; i < writes; i += 16)
    await Promise.all(
      Array.from({ length: 16 }, (_, k) => store.recordDrift('rev', modifiedDrift(`c${i + k}`))),
    );
  const concurrentWritesPerSec = writes / ((performance.now() - t) / 1000);
  const times: number[] = [];
  const by = { actor: 'bench', channel: 'console' };
  for (let i = 0; i < approvals; i++) {
    const start = performance.now();
    const name = `a${i}`;
    const approval = await store.queueApproval('rev', heldEntry(name), modifiedDrift(name));
    if (!(await store.decideApproval(approval.id, 'applying', by))) throw new Error('claim refused');
    const ref = { cluster: 'c1', kind: 'ConfigMap' as const, namespace: 'ns', name };
    const intent = await store.beginIntent({
      ...ref,
      revision: 'rev',
      actor: 'bench',
      approval: approval.id,
    });
    await store.recordRemediation(
      'rev',
      { ...heldEntry(name), action: 'configured', after: 'sha256:x', intent },
      'bench',
    );
    await store.finishApproval(approval.id, 'approved', by);
    if ((await store.approval(approval.id))?.state !== 'approved') throw new Error('not approved');
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { serialWritesPerSec, concurrentWritesPerSec, roundTripMs: { p50: at(0.5), p95: at(0.95) } };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'trueup-bench-store-'));
  const server = values['pg-url'] ? undefined : await startPostgres();
  try {
    const sqlite = openAuditStore(dir);
    const sqliteFigures = await measure(sqlite);
    await sqlite.close();
    const pg = await openPostgresStore(
      await freshDatabase(values['pg-url'] ?? (server?.url as string), 'bench'),
    );
    const pgFigures = await measure(pg);
    await pg.close();
    const row = (label: string, f: (x: Figures) => string) =>
      `| ${label.padEnd(42)} | ${f(sqliteFigures).padStart(10)} | ${f(pgFigures).padStart(10)} |`;
    const lines = [
      `audit store: ${writes} drift records, ${approvals} approve→applied round trips (store only, no cluster)`,
      `| ${''.padEnd(42)} | ${'SQLite'.padStart(10)} | ${'PostgreSQL'.padStart(10)} |`,
      `| ${'-'.repeat(42)} | ${'-'.repeat(10)} | ${'-'.repeat(10)} |`,
      row('audit writes/s, one at a time', (x) => x.serialWritesPerSec.toFixed(0)),
      row('audit writes/s, 16 in flight', (x) => x.concurrentWritesPerSec.toFixed(0)),
      row('approve→applied round trip p50 (ms)', (x) => x.roundTripMs.p50.toFixed(2)),
      row('approve→applied round trip p95 (ms)', (x) => x.roundTripMs.p95.toFixed(2)),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
