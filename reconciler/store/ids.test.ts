/**
 * Approval ids are unique across processes sharing one store and across stores (replicas,
 * installations): an id one hands out never names another's change.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { heldEntry, modifiedDrift } from '../../test/fixtures/store-fixtures.ts';
import type { Drift } from '../core/model.ts';
import type { ChangeSetEntry } from '../sync/cycle.ts';
import { APPROVAL_ID, INCIDENT_ID, isUniqueId, newApprovalId } from './ids.ts';
import { openAuditStore } from './store.ts';

const held = (name: string): [Drift, ChangeSetEntry] => [modifiedDrift(name), heldEntry(name, '7')];

/** queueMany runs a separate node process that queues n approvals (objects prefix-0..n-1) on dir. */
function queueMany(dir: string, prefix: string, n: number): Promise<string> {
  const script = `
    const { openAuditStore } = await import(${JSON.stringify(new URL('./store.ts', import.meta.url).href)});
    const store = openAuditStore(${JSON.stringify(dir)});
    const ids = [];
    for (let i = 0; i < ${n}; i++) {
      const drift = { cluster: 'c1', kind: 'ConfigMap', namespace: 'ns', name: '${prefix}-' + i,
        status: 'modified', changes: [], driftedBy: [] };
      const entry = { ...drift, action: 'skipped', reasons: [], pending: { resourceVersion: '1' },
        decision: { mode: 'approve', reasons: [], ruleRefs: [] } };
      ids.push((await store.queueApproval('rev', entry, drift)).id);
    }
    await store.close();
    process.stdout.write(JSON.stringify(ids));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
  });
}

describe('approval and incident ids', () => {
  let dir = '';
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it.each([
    // new ids: a readable number and a random tag
    ['a12-7kq3x9md', APPROVAL_ID, true, true],
    ['i3-0pz8k2ra', INCIDENT_ID, true, true],
    // legacy ids are still read, but are unique only within one store
    ['a12', APPROVAL_ID, true, false],
    ['i3', INCIDENT_ID, true, false],
    // a tag with a letter Crockford base32 leaves out, or the wrong length
    ['a12-7kq3x9mu', APPROVAL_ID, false, false],
    ['a12-7kq3', APPROVAL_ID, false, false],
    // the other kind's prefix
    ['i12-7kq3x9md', APPROVAL_ID, false, true],
  ])('reads %s as an id: %s -> %s (unique: %s)', (id, pattern, matches, unique) => {
    expect(pattern.test(id)).toBe(matches);
    expect(isUniqueId(id)).toBe(unique);
  });

  it('gives two stores (two replicas or installations) different ids for their first approval', async () => {
    const [one, other] = [openAuditStore(':memory:'), openAuditStore(':memory:')];
    const [drift, entry] = held('app');
    const a = await one.queueApproval('rev', entry, drift);
    const b = await other.queueApproval('rev', entry, drift);
    expect(a.id).toMatch(/^a1-[0-9a-z]{8}$/);
    expect(b.id).toMatch(/^a1-[0-9a-z]{8}$/);
    expect(a.id).not.toBe(b.id);
    // What one store handed out names nothing in the other.
    expect(await other.approval(a.id)).toBeUndefined();
    expect(newApprovalId(1)).not.toBe(newApprovalId(1));
  });

  it('queues every approval of two processes sharing one state dir, under distinct ids', async () => {
    dir = await mkdtemp(join(tmpdir(), 'trueup-ids-'));
    openAuditStore(dir).close();
    const outputs = await Promise.all([queueMany(dir, 'x', 150), queueMany(dir, 'y', 150)]);
    const ids = outputs.flatMap((o) => JSON.parse(o) as string[]);
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
    const store = openAuditStore(dir);
    expect(await store.approvals({ state: 'pending', limit: 1000 })).toHaveLength(300);
    // Within the store, the readable numbers are distinct too.
    expect(new Set(ids.map((id) => id.split('-')[0])).size).toBe(300);
    await store.close();
    // Two node processes start and import the store: seconds on a loaded machine (5 s timed out at load 22).
  }, 30_000);
});
