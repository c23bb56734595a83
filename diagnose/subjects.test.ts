import { describe, expect, it } from 'vitest';
import type { AlertGroup } from './alert.ts';
import { subjectsOf } from './subjects.ts';

function group(...labelSets: Record<string, string>[]): AlertGroup {
  return {
    version: '4',
    groupKey: '{}:{}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'trueup',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: '',
    alerts: labelSets.map((labels, i) => ({
      status: 'firing',
      labels,
      annotations: {},
      startsAt: '2026-11-23T03:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: `f${i}`,
    })),
  };
}

const options = { clusterLabel: 'cluster', fleetClusters: ['prod-eu', 'prod-us'] };

describe('subjectsOf', () => {
  it.each([
    // A kube-state-metrics pod alert names the pod and its container.
    [
      group({ cluster: 'prod-eu', namespace: 'pay', pod: 'api-1', container: 'api' }),
      ['prod-eu/Pod/pay/api-1'],
    ],
    // No cluster label: every fleet cluster is a candidate.
    [
      group({ namespace: 'pay', deployment: 'api' }),
      ['prod-eu/Deployment/pay/api', 'prod-us/Deployment/pay/api'],
    ],
    // A ConfigMap named directly.
    [
      group({ cluster: 'prod-us', namespace: 'pay', configmap: 'api-config' }),
      ['prod-us/ConfigMap/pay/api-config'],
    ],
    // The same pod in two alerts is one subject.
    [
      group(
        { cluster: 'prod-eu', namespace: 'pay', pod: 'a' },
        { cluster: 'prod-eu', namespace: 'pay', pod: 'a' },
      ),
      ['prod-eu/Pod/pay/a'],
    ],
    // A cluster outside the fleet is not guessed at.
    [group({ cluster: 'elsewhere', namespace: 'pay', pod: 'a' }), []],
    // No namespace: nothing to look at.
    [group({ cluster: 'prod-eu', pod: 'a' }), []],
  ])('%# finds the named objects', (g, expected) => {
    expect(
      subjectsOf(g, options).subjects.map((s) => `${s.cluster}/${s.kind}/${s.namespace}/${s.name}`),
    ).toEqual(expected);
  });

  it('notes why an alert gave no subject', () => {
    const { notes } = subjectsOf(group({ cluster: 'elsewhere', namespace: 'pay', pod: 'a' }), options);
    expect(notes).toEqual(['cluster "elsewhere" of alert f0 is not in the fleet']);
  });

  it('reads the cluster from a configured label', () => {
    const g = group({ k8s_cluster: 'prod-us', namespace: 'pay', pod: 'a' });
    expect(subjectsOf(g, { ...options, clusterLabel: 'k8s_cluster' }).subjects[0]?.cluster).toBe('prod-us');
  });
});
