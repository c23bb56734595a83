import { describe, expect, it } from 'vitest';
import type { Drift } from '../reconciler/core/model.ts';
import { incident } from '../test/fixtures/chat-fixtures.ts';
import { topCauseFacts } from './cause-facts.ts';
import type { ConfigEvidence, Diagnosis, EvidenceBundle, WorkloadEvidence } from './model.ts';

const alertAt = '2026-11-23T03:00:00Z';
const podUid = '5f0c2b1e-0d6a-4a53-9d0e-3a7c1b2d4e6f';
const commit = '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b';

const drifted: Drift = {
  cluster: 'c1',
  kind: 'ConfigMap',
  namespace: 'pay',
  name: 'api-config',
  status: 'modified',
  changes: [{ path: 'data.DB_HOST', type: 'changed', desired: 'db.internal', live: 'db.wrong' }],
  driftedBy: [
    {
      manager: 'kubectl-edit',
      operation: 'Update',
      time: '2026-11-23T02:58:00Z',
      paths: ['data.DB_HOST'],
      user: 'alice@corp',
    },
  ],
  resourceVersion: '193',
};

function config(fields: Partial<ConfigEvidence> = {}): ConfigEvidence {
  return {
    cluster: 'c1',
    kind: 'ConfigMap',
    namespace: 'pay',
    name: 'api-config',
    usedBy: [{ workload: 'Deployment/api', keys: ['DB_HOST'], via: ['env'] }],
    managed: true,
    drifts: [],
    remediations: [],
    provenance: { 'data.DB_HOST': { file: 'pay/api.yaml', line: 4, commit } },
    commits: [],
    events: [],
    live: { resourceVersion: '180', data: {}, labels: {} },
    ...fields,
  };
}

const api: WorkloadEvidence = {
  subject: { cluster: 'c1', kind: 'Deployment', namespace: 'pay', name: 'api' },
  found: true,
  pods: [{ name: 'api-7d9-abcde', namespace: 'pay', uid: podUid, phase: 'Running', containers: [] }],
  references: [
    {
      kind: 'ConfigMap',
      namespace: 'pay',
      name: 'api-config',
      keys: ['DB_HOST'],
      via: ['env'],
      containers: ['app'],
      optional: false,
    },
  ],
  events: [],
};

function bundle(configs: ConfigEvidence[], workloads: WorkloadEvidence[] = [api]): EvidenceBundle {
  return {
    gatheredAt: '2026-11-23T03:05:00Z',
    revision: '1111111111111111111111111111111111111111',
    subjects: [api.subject],
    workloads,
    configs,
    notes: [],
  };
}

const firing = (evidence: EvidenceBundle, diagnosis?: Diagnosis) =>
  incident({
    updated: '2026-11-23T03:05:00Z',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'ApiDown' },
        annotations: {},
        startsAt: alertAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: 'f1',
      },
    ],
    evidence,
    ...(diagnosis ? { diagnosis } : {}),
  });

const llm = (evidence: string[]): Diagnosis => ({
  source: 'llm',
  model: 'm',
  answer: { summary: 's', rootCause: 'r', confidence: 0.8, evidence, risk: 'low' },
  durationMs: 1,
});

describe('topCauseFacts', () => {
  it.each([
    {
      name: 'a drifted ConfigMap names its resourceVersion, the commit that set the key, the user and the pod UID',
      incident: firing(bundle([config({ drift: drifted })])),
      want: {
        object: 'ConfigMap pay/api-config on c1',
        resourceVersion: '193',
        commit,
        users: ['alice@corp'],
        pods: [{ name: 'api-7d9-abcde', uid: podUid }],
      },
    },
    {
      name: 'an unmatched audit event says the user is unknown (null), never a guess',
      incident: firing(
        bundle([
          config({
            drift: {
              ...drifted,
              driftedBy: [{ ...(drifted.driftedBy[0] as Drift['driftedBy'][0]), user: null }],
            },
          }),
        ]),
      ),
      want: {
        object: 'ConfigMap pay/api-config on c1',
        resourceVersion: '193',
        commit,
        users: [null],
        pods: [{ name: 'api-7d9-abcde', uid: podUid }],
      },
    },
    {
      name: 'an LLM diagnosis cites the cause: its live resourceVersion, the cited commit, no workload pod',
      incident: firing(
        bundle([config({ name: 'other' }), config({ provenance: {} })], []),
        llm(['config:c1/pay/ConfigMap/api-config#data.DB_HOST', 'commit:abcdef0123456789']),
      ),
      want: {
        object: 'ConfigMap pay/api-config on c1',
        resourceVersion: '180',
        commit: 'abcdef0123456789',
        users: [],
        pods: [],
      },
    },
  ])('$name', ({ incident, want }) => {
    expect(topCauseFacts(incident)).toEqual(want);
  });

  it('names nothing when nothing is blamed or nothing was gathered', () => {
    expect(topCauseFacts(firing(bundle([config()])))).toBeUndefined();
    expect(topCauseFacts(incident())).toBeUndefined();
  });
});
