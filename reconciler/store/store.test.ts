import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { heldEntry, modifiedDrift } from '../../test/fixtures/store-fixtures.ts';
import { openAuditStore } from './store.ts';

const drift = modifiedDrift;

describe('openAuditStore', () => {
  let dir = '';
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('keeps drifts and remediations across a restart, newest first, filtered by object', async () => {
    dir = await mkdtemp(join(tmpdir(), 'trueup-store-'));
    const store = openAuditStore(dir);
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

    const reopened = openAuditStore(dir);
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
    const store = openAuditStore(':memory:');
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
    const store = openAuditStore(':memory:');
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

  it('tells when an object was last remediated for real: not by a dry run, a failure, or another object', async () => {
    const store = openAuditStore(':memory:');
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
});
