import { describe, expect, it } from 'vitest';
import { type Notice, type Route, routeSchema, severityOfLabel, targetsFor } from './routing.ts';

const routes: Route[] = [
  // prod on-call: held and failed changes and critical incidents on prod clusters
  {
    slack: 'C-PROD',
    match: { clusterLabels: { matchLabels: { env: 'prod' } } },
    events: ['held', 'failed', 'incident'],
  },
  // payments team: everything in its namespaces, also to Teams
  { slack: 'C-PAY', match: { namespaces: ['pay-*'] }, teams: true },
  // the noise channel wants the raw detections too
  { slack: 'C-NOISE', events: ['drift', 'in-sync'], mattermost: true },
  // pages only
  { slack: 'C-PAGE', match: { severities: ['critical'] }, events: ['incident', 'failed'] },
].map((r) => routeSchema.parse(r));

const notice = (n: Partial<Notice>): Notice => ({
  kind: 'held',
  severity: 'warning',
  cluster: 'prod-eu',
  clusterLabels: { env: 'prod' },
  namespace: 'shop',
  ...n,
});

describe('notification routing', () => {
  it.each([
    // a held change on prod goes to the prod channel only
    [notice({}), { slack: ['C-PROD'], mattermost: false, teams: false }],
    // a fix is routine: not for prod on-call (events), the payments team hears about its own
    [
      notice({ kind: 'remediated', severity: 'info', namespace: 'pay-eu' }),
      { slack: ['C-PAY'], mattermost: false, teams: true },
    ],
    // a failure on prod in payments: three routes, each channel once
    [
      notice({ kind: 'failed', severity: 'critical', namespace: 'pay-eu' }),
      { slack: ['C-PROD', 'C-PAY', 'C-PAGE'], mattermost: false, teams: true },
    ],
    // in-sync noise goes only where it was asked for
    [
      notice({ kind: 'in-sync', severity: 'info', clusterLabels: { env: 'staging' } }),
      { slack: ['C-NOISE'], mattermost: true, teams: false },
    ],
    // an incident without a cluster is not taken by routes that select clusters
    [
      notice({
        kind: 'incident',
        severity: 'critical',
        cluster: undefined,
        clusterLabels: {},
        namespace: undefined,
      }),
      { slack: ['C-PAGE'], mattermost: false, teams: false },
    ],
  ])('%j goes to %j', (n, targets) => {
    expect(targetsFor(routes, n)).toEqual(targets);
  });

  it('defaults a route to held, remediated, failed, flap and incident: quiet about drift and in-sync noise', () => {
    expect(routeSchema.parse({ slack: 'C1' }).events).toEqual([
      'held',
      'remediated',
      'failed',
      'flap',
      'incident',
    ]);
  });

  it.each([
    ['critical', 'critical'],
    ['page', 'critical'],
    ['warning', 'warning'],
    [undefined, 'warning'],
    ['info', 'info'],
  ])('reads the alert severity label %s as %s', (label, severity) => {
    expect(severityOfLabel(label)).toBe(severity);
  });
});
