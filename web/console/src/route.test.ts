import { describe, expect, it } from 'vitest';
import {
  driftsHref,
  historyHref,
  incidentHref,
  isRouteHash,
  objectHref,
  parseRoute,
  previewHref,
} from './route.ts';

describe('parseRoute', () => {
  it.each([
    ['', 'fleet', {}, {}],
    ['#/', 'fleet', {}, {}],
    ['#/?status=drifted', 'fleet', {}, { status: 'drifted' }],
    ['#/drifts?cluster=c1&namespace=&status=modified', 'drifts', {}, { cluster: 'c1', status: 'modified' }],
    [
      '#/objects/cluster-1/payments/ConfigMap/app-config',
      'object',
      { cluster: 'cluster-1', namespace: 'payments', kind: 'ConfigMap', name: 'app-config' },
      {},
    ],
    [
      '#/objects/c%2F1/ns/Secret/a%20b',
      'object',
      { cluster: 'c/1', namespace: 'ns', kind: 'Secret', name: 'a b' },
      {},
    ],
    ['#/approvals', 'approvals', {}, {}],
    ['#/incidents', 'incidents', {}, {}],
    ['#/incidents/i3', 'incident', { id: 'i3' }, {}],
    [
      '#/history?cluster=c1&actor=alice&since=2024-01-01T00:00:00.000Z',
      'history',
      {},
      { cluster: 'c1', actor: 'alice', since: '2024-01-01T00:00:00.000Z' },
    ],
    // the link chat's `/trueup preview` answers with
    ['#/preview?head=feature%2Fgreen&base=main', 'preview', {}, { head: 'feature/green', base: 'main' }],
  ])('reads %s as the %s page', (hash, page, params, query) => {
    expect(parseRoute(hash)).toEqual({ page, params, query });
  });

  it.each([
    ['#/objects/c1/ns/ConfigMap'],
    ['#/nowhere'],
    ['#/incidents/i3/extra'],
    ['#/objects/%E0%A4%A/ns/ConfigMap/x'],
  ])('gives not-found for %s instead of guessing', (hash) => {
    expect(parseRoute(hash).page).toBe('not-found');
  });
});

describe('links', () => {
  it('round-trips an object whose names need escaping', () => {
    const ref = { cluster: 'prod/eu', namespace: 'team a', kind: 'Secret', name: 'db#1?' };
    expect(parseRoute(objectHref(ref)).params).toEqual(ref);
  });

  it.each([
    [
      driftsHref({ cluster: 'c1', namespace: undefined, status: 'missing' }),
      '#/drifts?cluster=c1&status=missing',
    ],
    [driftsHref(), '#/drifts'],
    [
      historyHref({ name: 'app', until: '2024-01-02T00:00:00.000Z' }),
      '#/history?name=app&until=2024-01-02T00%3A00%3A00.000Z',
    ],
    [incidentHref('i 3'), '#/incidents/i%203'],
    [previewHref({ head: 'feature/green' }), '#/preview?head=feature%2Fgreen'],
  ])('builds %s', (href, expected) => {
    expect(href).toBe(expected);
  });

  it('round-trips a history search through the URL', () => {
    const query = { cluster: 'c1', actor: 'bob@example.com', since: '2024-01-01T00:00:00.000Z' };
    expect(parseRoute(historyHref(query)).query).toEqual(query);
  });
});

describe('isRouteHash', () => {
  it.each([
    ['', true],
    ['#/drifts', true],
    ['#main', false],
    ['#approval-a3', false],
  ])('%s is a route: %s', (hash, expected) => {
    expect(isRouteHash(hash)).toBe(expected);
  });
});
