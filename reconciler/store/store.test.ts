/**
 * The audit store's contract: the same tests on every backend (SQLite and PostgreSQL), so callers
 * can rely on either one alike.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type StoreLocation, storeBackends } from '../../test/fixtures/store-backends.ts';
import { heldEntry, modifiedDrift } from '../../test/fixtures/store-fixtures.ts';
import type { AuditRecord } from '../audit/event.ts';
import type { AuditStore } from './store.ts';

const drift = modifiedDrift;

describe.each(storeBackends)('the audit store on %s', (_name, backend) => {
  const locations: StoreLocation[] = [];
  const opened: AuditStore[] = [];
  const location = async () => {
    const l = await backend();
    locations.push(l);
    return l;
  };
  // A fresh, empty store; closed after the test.
  const freshStore = async () => {
    const store = await (await location()).open();
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close().catch(() => {});
    for (const l of locations.splice(0)) await l.remove();
  });

  it('keeps drifts and remediations across a restart, newest first, filtered by object', async () => {
    const where = await location();
    const store = await where.open();
    await store.recordDrift('rev1', drift('a'));
    await store.recordDrift('rev1', drift('b'));
    await store.recordRemediation(
      'rev1',
      {
        ...drift('a'),
        action: 'configured',
        reasons: ['r'],
        decision: { mode: 'auto', reasons: ['r'], ruleRefs: [] },
        dryRun: 'passed',
        before: 'sha256:1',
        after: 'sha256:2',
      },
      'trueup',
    );
    await store.close();

    const reopened = await where.open();
    expect((await reopened.drifts()).map((r) => r.drift.name)).toEqual(['b', 'a']);
    expect(await reopened.drifts({ name: 'a' })).toEqual([
      expect.objectContaining({ revision: 'rev1', drift: drift('a') }),
    ]);
    expect(await reopened.remediations()).toEqual([
      expect.objectContaining({
        actor: 'trueup',
        entry: expect.objectContaining({ action: 'configured', before: 'sha256:1', after: 'sha256:2' }),
      }),
    ]);
    expect(await reopened.remediations({ cluster: 'other' })).toEqual([]);
    await reopened.close();
  });

  it('searches history by actor and time', async () => {
    const store = await freshStore();
    const entry = {
      ...drift('a'),
      action: 'configured' as const,
      reasons: [],
      decision: { mode: 'auto' as const, reasons: [], ruleRefs: [] },
    };
    await store.recordDrift('rev1', drift('a'), new Date('2026-11-20T10:00:00Z'));
    await store.recordDrift('rev1', drift('b'), new Date('2026-11-22T10:00:00Z'));
    await store.recordRemediation('rev1', entry, 'trueup', new Date('2026-11-20T10:00:01Z'));
    await store.recordRemediation('rev1', entry, 'alice (console)', new Date('2026-11-22T10:00:01Z'));
    expect((await store.remediations({ actor: 'alice' })).map((r) => r.actor)).toEqual(['alice (console)']);
    expect((await store.drifts({ since: '2026-11-21T00:00:00.000Z' })).map((r) => r.drift.name)).toEqual([
      'b',
    ]);
    expect((await store.drifts({ until: '2026-11-21T00:00:00.000Z' })).map((r) => r.drift.name)).toEqual([
      'a',
    ]);
    expect(await store.remediations({ since: '2026-11-21T00:00:00.000Z', actor: 'trueup' })).toEqual([]);
  });

  it('filters history by object kind: a ConfigMap and a Secret of one name are told apart', async () => {
    const store = await freshStore();
    const secret = { ...drift('a'), kind: 'Secret' as const };
    await store.recordDrift('rev1', drift('a'));
    await store.recordDrift('rev1', secret);
    const entry = {
      ...secret,
      action: 'configured' as const,
      reasons: [],
      decision: { mode: 'auto' as const, reasons: [], ruleRefs: [] },
    };
    await store.recordRemediation('rev1', entry, 'trueup');
    await store.queueApproval('rev1', { ...heldEntry('a'), kind: 'Secret' }, secret);
    const query = { cluster: 'c1', namespace: 'ns', name: 'a' };
    expect((await store.drifts(query)).map((r) => r.drift.kind)).toEqual(['Secret', 'ConfigMap']);
    expect((await store.drifts({ ...query, kind: 'Secret' })).map((r) => r.drift.kind)).toEqual(['Secret']);
    expect((await store.drifts({ ...query, kind: 'ConfigMap' })).map((r) => r.drift.kind)).toEqual([
      'ConfigMap',
    ]);
    expect(await store.remediations({ ...query, kind: 'ConfigMap' })).toEqual([]);
    expect(await store.remediations({ ...query, kind: 'Secret' })).toHaveLength(1);
    expect(await store.approvals({ ...query, kind: 'ConfigMap' })).toEqual([]);
    expect((await store.approvals({ ...query, kind: 'Secret' })).map((a) => a.entry.kind)).toEqual([
      'Secret',
    ]);
    await store.close();
  });

  it('filters approvals by when they were queued (since, until)', async () => {
    const store = await freshStore();
    await store.queueApproval('rev1', heldEntry('old'), drift('old'), new Date('2026-01-01T00:00:00Z'));
    await store.queueApproval('rev1', heldEntry('new'), drift('new'), new Date('2026-02-01T00:00:00Z'));
    const names = async (q: { since?: string; until?: string }) =>
      (await store.approvals(q)).map((a) => a.entry.name);
    expect(await names({ since: '2026-01-15T00:00:00Z' })).toEqual(['new']);
    expect(await names({ until: '2026-01-15T00:00:00Z' })).toEqual(['old']);
    await store.close();
  });

  it('tells when an object was last remediated for real: not by a dry run, a failure, or another object', async () => {
    const store = await freshStore();
    const ref = { cluster: 'c1', kind: 'ConfigMap' as const, namespace: 'ns', name: 'a' };
    const entry = (extra: object) => ({
      ...ref,
      action: 'configured' as const,
      reasons: [],
      decision: { mode: 'auto' as const, reasons: [], ruleRefs: [] },
      ...extra,
    });
    expect(await store.remediatedTimes('c1')).toEqual(new Map());
    await store.recordRemediation(
      'r',
      entry({ after: 'sha256:1' }),
      'trueup',
      new Date('2026-03-01T10:00:00Z'),
    );
    // A dry run and a failed apply come later, but changed nothing.
    await store.recordRemediation(
      'r',
      entry({ dryRun: 'passed' }),
      'trueup',
      new Date('2026-03-01T11:00:00Z'),
    );
    await store.recordRemediation(
      'r',
      entry({ after: 'sha256:2', error: 'x' }),
      'trueup',
      new Date('2026-03-01T12:00:00Z'),
    );
    await store.recordRemediation(
      'r',
      entry({ name: 'b', after: 'sha256:3' }),
      'trueup',
      new Date('2026-03-01T13:00:00Z'),
    );
    expect(await store.remediatedTimes('c1')).toEqual(
      new Map([
        ['ConfigMap/ns/a', new Date('2026-03-01T10:00:00Z')],
        ['ConfigMap/ns/b', new Date('2026-03-01T13:00:00Z')],
      ]),
    );
    expect(await store.remediatedTimes('c2')).toEqual(new Map());
    await store.close();
  });

  it('lets exactly one of two replicas on one store decide an approval, and keeps one approval for a change both queue', async () => {
    const where = await location();
    const [a, b] = [await where.open(), await where.open()];
    opened.push(a, b);
    const [one, two] = await Promise.all([
      a.queueApproval('rev1', heldEntry('x'), drift('x')),
      b.queueApproval('rev1', heldEntry('x'), drift('x')),
    ]);
    expect(one.id).toBe(two.id);
    expect(await b.approvals({ state: 'pending' })).toHaveLength(1);
    const by = (actor: string) => ({ actor, channel: 'console' });
    const wins = await Promise.all([
      a.decideApproval(one.id, 'applying', by('alice')),
      b.decideApproval(one.id, 'applying', by('bob')),
    ]);
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect((await b.pendingCounts()).get('c1') ?? 0).toBe(0);
    expect(await a.finishApproval(one.id, 'approved', by('alice'))).toBe(true);
    expect((await b.approval(one.id))?.state).toBe('approved');
  });

  it('lets one replica accept an approval and exactly one claim it from accepted; an accepted approval is never pruned by age', async () => {
    const where = await location();
    const [a, b] = [await where.open(), await where.open()];
    opened.push(a, b);
    const item = await a.queueApproval('rev1', heldEntry('x'), drift('x'));
    const alice = { actor: 'alice', channel: 'console' };
    const old = new Date('2020-01-01T00:00:00Z');
    expect(await b.decideApproval(item.id, 'accepted', alice, old)).toBe(true);
    // Accepted is no longer pending: a second approver cannot accept or claim it from pending.
    expect(await a.decideApproval(item.id, 'accepted', { actor: 'bob', channel: 'slack' })).toBe(false);
    expect(await a.decideApproval(item.id, 'applying', alice)).toBe(false);
    expect(await a.pruneBefore('approvals', '2021-01-01T00:00:00.000Z', 10)).toBe(0);
    const claims = await Promise.all([
      a.decideApproval(item.id, 'applying', alice, undefined, 'accepted'),
      b.decideApproval(item.id, 'applying', alice, undefined, 'accepted'),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await a.approval(item.id)).toMatchObject({
      state: 'applying',
      decidedBy: 'alice',
      channel: 'console',
    });
  });

  it('tells a signal to its own listeners, and on a shared store to every replica listening', async () => {
    const where = await location();
    const [a, b] = [await where.open(), await where.open()];
    opened.push(a, b);
    const heard = (store: AuditStore) => {
      const got: string[] = [];
      store.listen((s) => {
        if (s.topic === 'approval') got.push(String(s.data.id));
      });
      return got;
    };
    const [byA, byB] = [heard(a), heard(b)];
    // PostgreSQL's listener connects in the background: send until it is heard.
    for (let i = 0; byA.length === 0 && i < 100; i++) {
      await a.signal({ topic: 'approval', data: { id: `s${i}` } });
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(byA.length).toBeGreaterThan(0);
    if (a.shared) {
      await new Promise((r) => setTimeout(r, 200));
      expect(byB).toContain(byA[0]);
    } else expect(byB).toEqual([]);
  });

  it('hands out unique, ordered approval ids and prunes decided approvals and old records by age', async () => {
    const store = await freshStore();
    const ids: string[] = [];
    for (const name of ['p', 'q', 'r'])
      ids.push((await store.queueApproval('rev', heldEntry(name), drift(name))).id);
    expect(ids.map((id) => id.split('-')[0])).toEqual(['a1', 'a2', 'a3']);
    expect(ids.every((id) => /^a\d+-[0-9a-z]{8}$/.test(id))).toBe(true);
    const old = new Date('2020-01-01T00:00:00Z');
    await store.decideApproval(ids[0] as string, 'rejected', { actor: 'a', channel: 'cli' }, old);
    await store.recordDrift('rev', drift('old'), old);
    await store.recordDrift('rev', drift('new'));
    const cutoff = '2021-01-01T00:00:00.000Z';
    expect(await store.pruneBefore('approvals', cutoff, 10)).toBe(1);
    expect(await store.pruneBefore('drifts', cutoff, 10)).toBe(1);
    expect((await store.drifts()).map((d) => d.drift.name)).toEqual(['new']);
    expect((await store.approvals()).map((a) => a.id)).toEqual([ids[2], ids[1]]);
  });

  it('keeps write intents open until the remediation record completes them', async () => {
    const store = await freshStore();
    const ref = { cluster: 'c1', kind: 'ConfigMap' as const, namespace: 'ns', name: 'a' };
    const id = await store.beginIntent({ ...ref, revision: 'rev', actor: 'trueup' });
    await store.expectIntent(id, { action: 'configured', after: 'sha256:1' } as never);
    expect((await store.openIntents()).map((i) => [i.id, i.expectation])).toEqual([
      [id, { action: 'configured', after: 'sha256:1' }],
    ]);
    const entry = { ...heldEntry('a'), action: 'configured' as const, intent: id };
    await store.recordRemediation('rev', entry, 'trueup');
    expect(await store.openIntents()).toEqual([]);
  });

  it('keeps each audit event once, newest first, filtered by object and user, and prunes old ones', async () => {
    const where = await location();
    const store = await where.open();
    const record = (auditID: string, name: string, user: string, stageTime: string): AuditRecord => ({
      cluster: 'c1',
      kind: 'Secret',
      namespace: 'ns',
      name,
      auditID,
      verb: 'patch',
      user,
      groups: ['dev'],
      userAgent: 'kubectl/v1.33.0',
      sourceIPs: ['10.0.0.5'],
      fieldManager: 'kubectl-patch',
      requestTime: stageTime,
      stageTime,
    });
    const a = record('id-a', 'db', 'alice', '2020-01-01T00:00:00.000Z');
    const b = record('id-b', 'db', 'bob', '2026-01-02T00:00:00.000Z');
    const c = record('id-c', 'other', 'alice', '2026-01-03T00:00:00.000Z');
    expect(await store.recordAuditEvents([a, b])).toBe(2);
    // A webhook retry, or a file ingested twice: nothing new.
    expect(await store.recordAuditEvents([b, c])).toBe(1);
    expect(await store.recordAuditEvents([])).toBe(0);
    await store.close();

    const reopened = await where.open();
    opened.push(reopened);
    expect((await reopened.auditEvents()).map((r) => r.auditID)).toEqual(['id-c', 'id-b', 'id-a']);
    expect(
      await reopened.auditEvents({ cluster: 'c1', kind: 'Secret', namespace: 'ns', name: 'db' }),
    ).toEqual([b, a]);
    expect((await reopened.auditEvents({ user: 'ali' })).map((r) => r.auditID)).toEqual(['id-c', 'id-a']);
    expect(
      (await reopened.auditEvents({ since: '2026-01-01T00:00:00Z', limit: 1 })).map((r) => r.auditID),
    ).toEqual(['id-c']);
    expect(await reopened.pruneBefore('audit_events', '2021-01-01T00:00:00.000Z', 10)).toBe(1);
    expect((await reopened.auditEvents()).map((r) => r.auditID)).toEqual(['id-c', 'id-b']);
  });
});
