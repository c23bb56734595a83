import { describe, expect, it } from 'vitest';
import type { Diagnosis, EvidenceBundle } from '../../diagnose/model.ts';
import { incident } from '../../test/fixtures/chat-fixtures.ts';
import { consoleLinks } from './blocks.ts';
import { causeSection, renderDiagnosis, renderIncident } from './render-incident.ts';

const links = consoleLinks(undefined);
const podUid = '5f0c2b1e-0d6a-4a53-9d0e-3a7c1b2d4e6f';
const canary = 'hmac-sha256:c0ffeec0ffee';

/** A Secret drifted by alice, used by the alerting Deployment's pod. */
const evidence: EvidenceBundle = {
  gatheredAt: '2026-11-23T03:05:00Z',
  revision: '1111111111111111111111111111111111111111',
  subjects: [{ cluster: 'c1', kind: 'Deployment', namespace: 'pay', name: 'api' }],
  workloads: [
    {
      subject: { cluster: 'c1', kind: 'Deployment', namespace: 'pay', name: 'api' },
      found: true,
      pods: [{ name: 'api-7d9-abcde', namespace: 'pay', uid: podUid, phase: 'Running', containers: [] }],
      references: [
        {
          kind: 'Secret',
          namespace: 'pay',
          name: 'db',
          keys: ['password'],
          via: ['env'],
          containers: ['app'],
          optional: false,
        },
      ],
      events: [],
    },
  ],
  configs: [
    {
      cluster: 'c1',
      kind: 'Secret',
      namespace: 'pay',
      name: 'db',
      usedBy: [{ workload: 'Deployment/api', keys: ['password'], via: ['env'] }],
      managed: true,
      live: { resourceVersion: '193', data: { password: canary }, labels: {} },
      drift: {
        cluster: 'c1',
        kind: 'Secret',
        namespace: 'pay',
        name: 'db',
        status: 'modified',
        changes: [
          { path: 'data.password', type: 'changed', live: canary, desired: 'hmac-sha256:0123456789ab' },
        ],
        driftedBy: [
          {
            manager: 'kubectl-edit',
            operation: 'Update',
            time: '2026-11-23T02:58:00Z',
            paths: ['data.password'],
            user: 'alice@corp',
          },
        ],
        resourceVersion: '193',
      },
      drifts: [],
      remediations: [],
      provenance: { 'data.password': { file: 'pay/db.yaml', line: 3, commit: '9a8b7c6d5e4f3a2b1c0d' } },
      commits: [],
      events: [],
    },
  ],
  notes: [],
};

const diagnosis: Diagnosis = {
  source: 'heuristic',
  answer: {
    summary: 's',
    rootCause: 'r',
    confidence: 0.9,
    evidence: ['config:c1/pay/Secret/db'],
    risk: 'low',
  },
  durationMs: 1,
};

const diagnosed = incident({
  updated: '2026-11-23T03:05:00Z',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'ApiDown' },
      annotations: {},
      startsAt: '2026-11-23T03:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: 'f1',
    },
  ],
  investigation: 'done',
  evidence,
  diagnosis,
});

describe('the incident messages name the top cause', () => {
  it('by object, resourceVersion, git commit, user and pod UID', () => {
    expect(causeSection(diagnosed)).toEqual([
      '*Top cause* Secret pay/db on c1 · resourceVersion `193` · git `9a8b7c6d5e4f` · changed by alice@corp · pod `api-7d9-abcde` uid `5f0c2b1e-0d6a-4a53-9d0e-3a7c1b2d4e6f`',
    ]);
  });

  it('in the diagnosis reply and in the answer to /trueup incident, without the Secret value', () => {
    for (const message of [renderDiagnosis(diagnosed, links), renderIncident(diagnosed, links, 'cluster')]) {
      expect(message.sections.some((s) => s.startsWith('*Top cause* Secret pay/db on c1'))).toBe(true);
      expect(JSON.stringify(message)).not.toContain(canary);
    }
  });

  it('says nothing of a cause before the evidence is gathered', () => {
    expect(causeSection(incident())).toEqual([]);
  });
});
