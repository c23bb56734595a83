import { describe, expect, it } from 'vitest';
import type { Drift } from '../reconciler/core/model.ts';
import type { AlertGroup } from './alert.ts';
import { heuristicAnswer, orderFindings, rankCauses } from './heuristic.ts';
import type { ConfigEvidence, EvidenceBundle } from './model.ts';

const alertAt = '2026-11-23T03:00:00Z';
const now = new Date('2026-11-23T03:05:00Z');
const group: AlertGroup = {
  version: '4',
  groupKey: 'g',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'trueup',
  groupLabels: {},
  commonLabels: {},
  commonAnnotations: {},
  externalURL: '',
  alerts: [
    {
      status: 'firing',
      labels: { cluster: 'c1', namespace: 'pay', pod: 'api-1' },
      annotations: {},
      startsAt: alertAt,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: 'f1',
    },
  ],
};

function config(name: string, fields: Partial<ConfigEvidence> = {}): ConfigEvidence {
  return {
    cluster: 'c1',
    kind: 'ConfigMap',
    namespace: 'pay',
    name,
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

function drift(path: string, time: string): Drift {
  return {
    cluster: 'c1',
    kind: 'ConfigMap',
    namespace: 'pay',
    name: 'api-config',
    status: 'modified',
    changes: [{ path, type: 'changed', desired: 'db.internal', live: 'db.wrong' }],
    driftedBy: [{ manager: 'kubectl-edit', operation: 'Update', time, paths: [path] }],
  };
}

function bundle(...configs: ConfigEvidence[]): EvidenceBundle {
  return {
    gatheredAt: now.toISOString(),
    subjects: [{ cluster: 'c1', kind: 'Pod', namespace: 'pay', name: 'api-1' }],
    workloads: [],
    configs,
    notes: [],
  };
}

describe('the offline diagnoser', () => {
  it('blames a used key drifted by kubectl shortly before the alert, and proposes reverting it', () => {
    const answer = heuristicAnswer(
      group,
      bundle(config('api-config', { drift: drift('data.DB_HOST', '2026-11-23T02:58:00Z') })),
      now,
    );
    expect(answer.summary).toMatch(/^Heuristic/);
    expect(answer.summary).toContain(
      'ConfigMap pay/api-config on c1 drifted from git: data.DB_HOST (by kubectl-edit',
    );
    expect(answer.summary).toContain('shortly before the alert');
    expect(answer.confidence).toBe(0.9);
    expect(answer.evidence).toContain('config:c1/pay/ConfigMap/api-config#data.DB_HOST');
    expect(answer.fix).toEqual({
      type: 'revert-drift',
      target: 'c1/pay/ConfigMap/api-config',
      description: expect.any(String),
    });
  });

  it.each([
    // A drift on a key the workload does not use is below the blame threshold: 0.5 - 0.4 + 0.15.
    [config('api-config', { drift: drift('data.UNUSED', '2026-11-23T02:58:00Z') }), 0.25],
    // A drift an hour after the alert started is no cause at all (listed after the alert).
    [config('api-config', { drift: drift('data.DB_HOST', '2026-11-23T04:00:00Z') }), undefined],
    // A failed remediation of a used config a minute before, git still ahead: 0.5 + 0.25 + 0.15.
    [
      config('api-config', {
        drift: { ...drift('data.DB_HOST', ''), driftedBy: [] },
        remediations: [
          {
            id: 7,
            time: '2026-11-23T02:59:00Z',
            revision: 'abc',
            actor: 'trueup',
            entry: {
              cluster: 'c1',
              kind: 'ConfigMap',
              namespace: 'pay',
              name: 'api-config',
              action: 'configured',
              reasons: [],
              decision: { mode: 'auto', reasons: [], ruleRefs: [] },
              error: 'dry-run failed, nothing applied: admission webhook denied',
            },
          },
        ],
      }),
      0.9,
    ],
    // A commit that changed a used key an hour before the alert: 0.45 + 0.25 + 0.15.
    [
      config('api-config', {
        provenance: {
          'data.DB_HOST': {
            file: 'base/api.yaml',
            line: 7,
            commit: 'c0ffee00',
            time: '2026-11-23T02:00:00Z',
          },
        },
      }),
      0.85,
    ],
    // Drifted before the alert and remediated since, pods may still hold the bad value: 0.3 + 0.25 + 0.15.
    [
      config('api-config', {
        drifts: [
          {
            id: 3,
            time: '2026-11-23T02:59:00Z',
            revision: 'abc',
            status: 'modified',
            paths: ['data.DB_HOST'],
          },
        ],
      }),
      0.7,
    ],
    // A used Secret that exists nowhere (no time known): 0.5 + 0.25.
    [config('api-creds', { kind: 'Secret', managed: false, live: undefined, liveError: 'not found' }), 0.75],
  ])('ranks candidate %# with score %s', (c, score) => {
    expect(rankCauses(group, bundle(c), now)[0]?.score).toBe(score);
  });

  it('blames nothing when no used config drifted, failed or changed: no false blame', () => {
    const answer = heuristicAnswer(group, bundle(config('api-config'), config('other')), now);
    expect(answer.fix).toBeUndefined();
    expect(answer.confidence).toBeLessThan(0.2);
    expect(answer.summary).toContain('configuration is not implicated');
  });

  it('does not blame the commit that created the file: it set the value, it did not change it', () => {
    const created = config('api-config', {
      provenance: {
        'data.DB_HOST': { file: 'base/api.yaml', line: 7, commit: 'c0ffee00', time: '2026-11-23T02:00:00Z' },
      },
      commits: [{ commit: 'c0ffee00', time: '2026-11-23T02:00:00Z', file: 'base/api.yaml' }],
    });
    expect(rankCauses(group, bundle(created), now)).toEqual([]);
  });

  it('does not blame a missing config that every user marks optional', () => {
    const optional = config('opt', {
      managed: false,
      live: undefined,
      liveError: 'not found',
      usedBy: [{ workload: 'Deployment/api', keys: [], via: ['envFrom'], optional: true }],
    });
    expect(rankCauses(group, bundle(optional), now)).toEqual([]);
  });

  describe('time order', () => {
    it('never blames a change made after the alert started, and lists it after the alert', () => {
      // managedFields says 03:00:05, five seconds after startsAt: the old diagnoser blamed it at 0.9.
      const late = bundle(config('api-config', { drift: drift('data.DB_HOST', '2026-11-23T03:00:05Z') }));
      expect(rankCauses(group, late, now)).toEqual([]);
      const answer = heuristicAnswer(group, late, now);
      expect(answer.fix).toBeUndefined();
      expect(answer.confidence).toBeLessThan(0.3);
      expect(answer.rootCause).toContain('After the alert (not causes)');
      expect(orderFindings(group, late, now).afterAlert[0]).toMatch(
        /drifted from git: data.DB_HOST .* after the alert started/,
      );
    });

    it('counts a change within the grace window after startsAt (clock skew) as before it', () => {
      const skewed = bundle(config('api-config', { drift: drift('data.DB_HOST', '2026-11-23T03:00:01Z') }));
      expect(rankCauses(group, skewed, now)[0]?.score).toBe(0.9);
    });

    it("orders by trueup's own millisecond detection time from the audit store", () => {
      // A deleted object has no managedFields: only trueup's detection says when it went missing.
      const missing = (time: string) =>
        config('api-config', {
          drift: { ...drift('data.DB_HOST', ''), status: 'missing', changes: [], driftedBy: [] },
          drifts: [{ id: 9, time, revision: 'abc', status: 'missing', paths: [] }],
        });
      expect(rankCauses(group, bundle(missing('2026-11-23T03:00:04.250Z')), now)).toEqual([]);
      const [cause] = rankCauses(group, bundle(missing('2026-11-23T02:59:59.250Z')), now);
      expect(cause).toMatchObject({ kind: 'missing', at: '2026-11-23T02:59:59.250Z', score: 1 });
    });

    it('blames the change before the alert, not the one after it', () => {
      const before = config('api-flags', {
        drift: { ...drift('data.DB_HOST', '2026-11-23T02:59:00Z'), name: 'api-flags' },
      });
      const after = config('api-config', { drift: drift('data.DB_HOST', '2026-11-23T03:00:09Z') });
      const answer = heuristicAnswer(group, bundle(after, before), now);
      expect(answer.fix).toMatchObject({ target: 'c1/pay/ConfigMap/api-flags' });
      expect(answer.rootCause).toContain('api-config on c1 drifted from git');
    });
  });
});
