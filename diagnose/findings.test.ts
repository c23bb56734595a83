import { describe, expect, it } from 'vitest';
import type { RemediationRecord } from '../reconciler/store/store.ts';
import { findingsOf } from './findings.ts';
import type { ConfigEvidence } from './model.ts';

const ref = { cluster: 'c1', kind: 'ConfigMap' as const, namespace: 'pay', name: 'api-config' };

function config(fields: Partial<ConfigEvidence> = {}): ConfigEvidence {
  return {
    ...ref,
    usedBy: [{ workload: 'Deployment/api', keys: ['DB_HOST'], via: ['env'] }],
    managed: true,
    drifts: [],
    remediations: [],
    provenance: {},
    commits: [],
    events: [],
    live: { resourceVersion: '1', data: {}, labels: {} },
    ...fields,
  };
}

function remediation(
  id: number,
  time: string,
  entry: Partial<RemediationRecord['entry']>,
): RemediationRecord {
  return {
    id,
    time,
    revision: 'abc1234',
    actor: 'trueup',
    entry: {
      ...ref,
      action: 'configured',
      reasons: [],
      decision: { mode: 'auto', reasons: [], ruleRefs: [] },
      ...entry,
    },
  };
}

/** gitAhead is the drift of an object git changed and trueup could not (or may not) roll out. */
const gitAhead = {
  ...ref,
  status: 'modified' as const,
  changes: [{ path: 'data.DB_HOST', type: 'changed' as const, desired: 'new', live: 'old' }],
  driftedBy: [],
};

describe('findings', () => {
  it('tells a change git made and trueup has not rolled out (no other field manager) from an out-of-band drift', () => {
    const changes = [{ path: 'data.DB_HOST', type: 'changed' as const, desired: 'new', live: 'old' }];
    const pending = config({ drift: { ...ref, status: 'modified', changes, driftedBy: [] } });
    expect(findingsOf(pending)).toMatchObject([{ kind: 'pending-rollout', touchesUsedKey: false }]);
    const edited = config({
      drift: {
        ...ref,
        status: 'modified',
        changes,
        driftedBy: [
          {
            manager: 'kubectl-edit',
            operation: 'Update',
            time: '2026-11-23T02:58:00Z',
            paths: ['data.DB_HOST'],
          },
        ],
      },
    });
    expect(findingsOf(edited)).toMatchObject([
      {
        kind: 'live-drift',
        touchesUsedKey: true,
        timeSource: 'managedFields',
        at: Date.parse('2026-11-23T02:58:00Z'),
      },
    ]);
  });

  it('names the person behind a live drift when audit attribution found one', () => {
    const byAlice = config({
      drift: {
        ...ref,
        status: 'modified',
        changes: [{ path: 'data.DB_HOST', type: 'changed' }],
        driftedBy: [
          {
            manager: 'kubectl-edit',
            operation: 'Update',
            time: '2026-11-23T02:58:00Z',
            paths: ['data.DB_HOST'],
            user: 'alice@corp',
            sourceIPs: ['10.0.0.5'],
            requestTime: '2026-11-23T02:58:00.120Z',
          },
        ],
      },
    });
    expect(findingsOf(byAlice)[0]?.what).toContain(
      '(by kubectl-edit at 2026-11-23T02:58:00Z; changed by alice@corp with kubectl edit from 10.0.0.5 at 02:58 UTC)',
    );
  });

  it('names a failing remediation and when it started failing', () => {
    const error =
      'ConfigMap "api-config" is invalid: data: Forbidden: field is immutable when `immutable` is set';
    const failing = config({
      drift: gitAhead,
      remediations: [
        remediation(12, '2026-11-23T02:59:00.100Z', { error }),
        remediation(11, '2026-11-23T02:54:00.100Z', { error }),
        remediation(10, '2026-11-22T10:00:00.000Z', {}),
      ],
    });
    const [, f] = findingsOf(failing);
    expect(f).toMatchObject({
      kind: 'failed-remediation',
      at: Date.parse('2026-11-23T02:54:00.100Z'),
      timeSource: 'audit',
    });
    expect(f?.what).toContain('remediation 12');
    expect(f?.what).toContain('has failed since 2026-11-23T02:54:00.100Z');
    expect(f?.what).toContain('field is immutable');
    expect(f?.evidence).toContain('remediation:12');
  });

  it('names a remediation held for approval, with the approval and the reason', () => {
    const held = config({
      drift: gitAhead,
      remediations: [
        remediation(5, '2026-11-23T02:50:00.000Z', {
          action: 'skipped',
          pending: { action: 'configured', resourceVersion: '7' },
          approval: 'ap-1',
          reasons: ['rule prod: mode approve'],
          decision: { mode: 'approve', reasons: ['rule prod: mode approve'], ruleRefs: [] },
        }),
      ],
    });
    const [, f] = findingsOf(held);
    expect(f).toMatchObject({ kind: 'held-remediation', timeSource: 'audit' });
    expect(f?.what).toContain('held (approval ap-1) since 2026-11-23T02:50:00.000Z: rule prod: mode approve');
    // In sync since (created by hand, say): the old hold stands between nothing and the pods.
    expect(findingsOf({ ...held, drift: undefined })).toEqual([]);
  });

  it('names the commit, author, file:line and key of a change trueup rolled out, timed by the rollout', () => {
    const rolled = config({
      provenance: {
        'data.DB_HOST': {
          file: 'base/api.yaml',
          line: 7,
          commit: 'c0ffee00aa11',
          time: '2026-11-23T02:40:00Z',
          author: 'Rita Ops',
          summary: 'api: new database',
        },
      },
      remediations: [{ ...remediation(3, '2026-11-23T02:41:10.500Z', {}), revision: 'c0ffee00aa11' }],
    });
    const [f] = findingsOf(rolled);
    expect(f).toMatchObject({
      kind: 'commit-rollout',
      at: Date.parse('2026-11-23T02:41:10.500Z'),
      timeSource: 'audit',
    });
    expect(f?.what).toContain('commit c0ffee00aa11 by Rita Ops ("api: new database"');
    expect(f?.what).toContain('base/api.yaml:7 (DB_HOST)');
    expect(f?.what).not.toContain('drift');
  });

  it('proposes the revert patch of the commit as a repo change when the evidence has one, else manual steps', () => {
    const origin = {
      file: 'base/api.yaml',
      line: 7,
      commit: 'c0ffee00aa11',
      time: '2026-11-23T02:40:00Z',
      author: 'Rita Ops',
      summary: 'api: new database',
    };
    const rolled = config({ provenance: { 'data.DB_HOST': origin } });
    const patch =
      '--- a/base/api.yaml\n+++ b/base/api.yaml\n@@ -7,1 +7,1 @@\n-  DB_HOST: new\n+  DB_HOST: old\n';
    const keys = [{ path: 'data.DB_HOST', line: 7, action: 'restore' as const }];
    const revert = { commit: 'c0ffee00aa11', file: 'base/api.yaml', patch, keys };
    expect(findingsOf({ ...rolled, revert })[0]?.fix).toMatchObject({
      type: 'repo-change',
      file: 'base/api.yaml',
      patch,
    });
    // A patch of another commit is not this commit's revert.
    expect(findingsOf({ ...rolled, revert: { ...revert, commit: 'beef' } })[0]?.fix).toMatchObject({
      type: 'manual',
      steps: [
        'revert commit c0ffee00aa11 in base/api.yaml (lines base/api.yaml:7 (DB_HOST))',
        'let trueup roll the revert out',
      ],
    });
  });
});
