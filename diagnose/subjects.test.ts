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

  it.each<[string, Record<string, string>, string[]]>([
    // A blackbox alert names a Service.
    ['service', { cluster: 'prod-eu', namespace: 'pay', service: 'api' }, ['service=api']],
    // app and the recommended labels as Prometheus writes them.
    ['app', { cluster: 'prod-eu', namespace: 'pay', app: 'api' }, ['app=api']],
    [
      'name',
      { cluster: 'prod-eu', namespace: 'pay', app_kubernetes_io_name: 'api' },
      ['app.kubernetes.io/name=api'],
    ],
    [
      'instance',
      { cluster: 'prod-eu', namespace: 'pay', app_kubernetes_io_instance: 'api-1' },
      ['app.kubernetes.io/instance=api-1'],
    ],
    // A job label: a Job subject and a scrape-job hint.
    ['job', { cluster: 'prod-eu', namespace: 'pay', job: 'api' }, ['job=api']],
    // A CronJob (kube-state-metrics' kube_cronjob_* metrics).
    ['cronjob', { cluster: 'prod-eu', namespace: 'pay', cronjob: 'report' }, ['cronjob=report']],
    // A Job's name as kube-state-metrics writes it on kube_job_* metrics: a Job subject, no hint.
    ['job_name', { cluster: 'prod-eu', namespace: 'pay', job_name: 'report-29001' }, []],
    // Only a container.
    ['container', { cluster: 'prod-eu', namespace: 'pay', container: 'api' }, ['container=api']],
    // Nothing but the namespace.
    ['namespace', { cluster: 'prod-eu', namespace: 'pay', alertname: 'SLOBurn' }, ['namespace=']],
    // A pod is named: its container label is no hint.
    ['pod', { cluster: 'prod-eu', namespace: 'pay', pod: 'a', container: 'api' }, []],
  ])('turns a %s label into a workload hint', (_, labels, hints) => {
    const found = subjectsOf(group(labels), options);
    expect(found.hints.map((h) => `${h.key ?? h.by}=${h.value}`)).toEqual(hints);
    expect(found.hints.every((h) => h.cluster === 'prod-eu' && h.namespace === 'pay')).toBe(true);
  });

  it('looks in the default cluster when the alert has no cluster label', () => {
    const found = subjectsOf(group({ namespace: 'pay', pod: 'a' }), {
      ...options,
      defaultCluster: 'prod-us',
    });
    expect(found.subjects.map((s) => s.cluster)).toEqual(['prod-us']);
    expect(found.notes).toEqual(['alert f0 has no cluster label: looked in the default cluster prod-us']);
  });
});
