import { describe, expect, it } from 'vitest';
import { matchWorkloads, type WorkloadHint, type WorkloadSummary } from './workload-match.ts';

const workloads: WorkloadSummary[] = [
  {
    kind: 'Deployment',
    name: 'web',
    podLabels: { app: 'web', 'app.kubernetes.io/instance': 'web-prod' },
    containers: ['app', 'proxy'],
  },
  {
    kind: 'StatefulSet',
    name: 'db',
    podLabels: { 'app.kubernetes.io/name': 'postgres' },
    containers: ['postgres'],
  },
  {
    kind: 'Job',
    name: 'report-29001',
    podLabels: { app: 'report' },
    containers: ['report'],
    ownedBy: 'report',
  },
  {
    kind: 'Job',
    name: 'report-29002',
    podLabels: { app: 'report' },
    containers: ['report'],
    ownedBy: 'report',
  },
  { kind: 'Job', name: 'migrate', podLabels: { app: 'web-migrate' }, containers: ['app'] },
];

const hint = (h: Partial<WorkloadHint>): WorkloadHint => ({
  cluster: 'c1',
  namespace: 'shop',
  by: 'label',
  value: '',
  label: 'app',
  ...h,
});

describe('matchWorkloads', () => {
  it.each<[string, WorkloadHint, Record<string, string> | undefined, string[]]>([
    // A Service selects the pods of web.
    ['service', hint({ by: 'service', value: 'web' }), { app: 'web' }, ['web']],
    // No such Service: nothing.
    ['service without a Service', hint({ by: 'service', value: 'nope' }), undefined, []],
    // app=web is the pods' app label.
    ['app label', hint({ value: 'web' }), undefined, ['web']],
    // app also means app.kubernetes.io/name.
    ['app as app.kubernetes.io/name', hint({ value: 'postgres' }), undefined, ['db']],
    // app_kubernetes_io_instance is the instance label only.
    ['instance', hint({ key: 'app.kubernetes.io/instance', value: 'web-prod' }), undefined, ['web']],
    // A scrape job named after a Service: its selector.
    ['scrape job via a Service', hint({ by: 'job', value: 'web' }), { app: 'web' }, ['web']],
    // A job label that is a Job's name.
    ['a Job by name', hint({ by: 'job', value: 'migrate' }), undefined, ['migrate']],
    // A scrape job with no Service: the app label.
    [
      'scrape job via the app label',
      hint({ by: 'job', value: 'report' }),
      undefined,
      ['report-29001', 'report-29002'],
    ],
    // A CronJob: its newest Job (the owner chain Pod → Job → CronJob, read backwards).
    ['cronjob', hint({ by: 'cronjob', value: 'report' }), undefined, ['report-29002']],
    // A CronJob that has made no Job yet: nothing to look at.
    ['cronjob without Jobs', hint({ by: 'cronjob', value: 'nightly' }), undefined, []],
    // A container name.
    ['container', hint({ by: 'container', value: 'proxy' }), undefined, ['web']],
    // Only the namespace: every workload, one Job per CronJob.
    ['namespace', hint({ by: 'namespace' }), undefined, ['web', 'db', 'report-29001', 'migrate']],
  ])('%s', (_, h, selector, names) => {
    expect(matchWorkloads(h, workloads, selector).map((w) => w.name)).toEqual(names);
  });

  it('never matches everything through an empty Service selector', () => {
    expect(matchWorkloads(hint({ by: 'service', value: 'headless' }), workloads, {})).toEqual([]);
  });
});
