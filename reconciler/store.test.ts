import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Drift } from './model.ts';
import { openAuditStore } from './store.ts';

const drift = (name: string): Drift => ({
  cluster: 'c1',
  kind: 'ConfigMap',
  namespace: 'ns',
  name,
  status: 'modified',
  changes: [{ path: 'data.a', type: 'changed', desired: '1', live: '2' }],
  driftedBy: [],
});

describe('openAuditStore', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps drifts and remediations across a restart, newest first, filtered by object', async () => {
    dir = await mkdtemp(join(tmpdir(), 'trueup-store-'));
    const store = openAuditStore(dir);
    store.recordDrift('rev1', drift('a'));
    store.recordDrift('rev1', drift('b'));
    store.recordRemediation(
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
    store.close();

    const reopened = openAuditStore(dir);
    expect(reopened.drifts().map((r) => r.drift.name)).toEqual(['b', 'a']);
    expect(reopened.drifts({ name: 'a' })).toEqual([
      expect.objectContaining({ revision: 'rev1', drift: drift('a') }),
    ]);
    expect(reopened.remediations()).toEqual([
      expect.objectContaining({
        actor: 'trueup',
        entry: expect.objectContaining({ action: 'configured', before: 'sha256:1', after: 'sha256:2' }),
      }),
    ]);
    expect(reopened.remediations({ cluster: 'other' })).toEqual([]);
    reopened.close();
  });
});
