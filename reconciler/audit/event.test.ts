import { describe, expect, it } from 'vitest';
import { auditEvent, eventList } from '../../test/fixtures/audit-events.ts';
import { eventsOf, fieldManagerOf, recordOf, sortEvents } from './event.ts';

const managed = () => true;

describe('recordOf', () => {
  it('keeps who, from where, with which manager and when, and nothing of the body', () => {
    const outcome = recordOf(
      'prod',
      auditEvent({
        objectRef: { resource: 'secrets', namespace: 'shop', name: 'db', resourceVersion: '41' },
        requestURI: '/api/v1/namespaces/shop/secrets/db?fieldManager=kubectl-edit',
        requestObject: { data: { password: 'aHVudGVyMg==' } },
        responseObject: { data: { password: 'aHVudGVyMg==' } },
      }),
      managed,
    );
    expect(outcome).toEqual({
      ok: true,
      record: {
        cluster: 'prod',
        kind: 'Secret',
        namespace: 'shop',
        name: 'db',
        auditID: 'a1b2c3d4-0000-4000-8000-000000000001',
        verb: 'patch',
        user: 'alice@corp',
        groups: ['platform', 'system:authenticated'],
        userAgent: 'kubectl/v1.33.0 (linux/amd64) kubernetes/abcdef0',
        sourceIPs: ['10.0.0.5'],
        fieldManager: 'kubectl-edit',
        resourceVersion: '41',
        requestTime: '2026-12-03T10:31:07.120Z',
        stageTime: '2026-12-03T10:31:07.140Z',
      },
    });
    expect(JSON.stringify(outcome)).not.toContain('aHVudGVyMg');
  });

  it('names the impersonated user, and who impersonated them', () => {
    const outcome = recordOf(
      'prod',
      auditEvent({ impersonatedUser: { username: 'bob', groups: ['ops'] } }),
      managed,
    );
    expect(outcome.ok && [outcome.record.user, outcome.record.groups, outcome.record.impersonator]).toEqual([
      'bob',
      ['ops'],
      'alice@corp',
    ]);
  });

  it.each([
    // Not valid audit events at all.
    ['a string', 'hello', 'invalid'],
    ['an event without auditID', auditEvent({ auditID: undefined }), 'invalid'],
    // The stages before completion repeat the same request.
    ['the RequestReceived stage', auditEvent({ stage: 'RequestReceived' }), 'not-complete'],
    // Reads change nothing.
    ['a get', auditEvent({ verb: 'get' }), 'not-a-write'],
    ['a watch', auditEvent({ verb: 'watch' }), 'not-a-write'],
    // Only core ConfigMaps and Secrets are trueup's.
    [
      'a Deployment',
      auditEvent({
        objectRef: { resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'app' },
      }),
      'not-configmap-or-secret',
    ],
    [
      'a subresource',
      auditEvent({
        objectRef: { resource: 'configmaps', namespace: 'shop', name: 'app', subresource: 'status' },
      }),
      'not-configmap-or-secret',
    ],
    [
      'a collection delete',
      auditEvent({ verb: 'delete', objectRef: { resource: 'configmaps', namespace: 'shop' } }),
      'not-configmap-or-secret',
    ],
    // A refused or failed write changed nothing.
    ['a 403', auditEvent({ responseStatus: { code: 403 } }), 'failed-request'],
    ['a 409 conflict', auditEvent({ responseStatus: { code: 409 } }), 'failed-request'],
  ])('skips %s', (_what, event, reason) => {
    expect(recordOf('prod', event, managed)).toEqual({ ok: false, reason });
  });

  it('skips an object trueup does not manage', () => {
    const isManaged = (ref: { name: string }) => ref.name === 'other';
    expect(recordOf('prod', auditEvent(), isManaged)).toEqual({ ok: false, reason: 'not-managed' });
  });
});

describe('eventsOf', () => {
  it.each([
    // The webhook posts EventLists.
    ['an EventList', eventList([auditEvent(), auditEvent()]), 2],
    // The log backend writes one Event per line.
    ['one Event', auditEvent(), 1],
    ['an array', [auditEvent()], 1],
    ['an empty EventList', eventList([]), 0],
  ])('reads %s', (_what, body, n) => {
    expect(eventsOf(body)).toHaveLength(n);
  });

  it('says undefined for anything else', () => {
    expect(eventsOf({ kind: 'ConfigMap' })).toBeUndefined();
    expect(eventsOf(42)).toBeUndefined();
  });
});

describe('sortEvents', () => {
  it('keeps one record per auditID and counts what it skipped by reason', () => {
    const sorted = sortEvents('prod', [auditEvent(), auditEvent(), auditEvent({ verb: 'get' }), 7], managed);
    expect(sorted.records).toHaveLength(1);
    expect(sorted.skipped).toEqual({ 'not-a-write': 1, invalid: 1 });
  });
});

describe('fieldManagerOf', () => {
  it.each([
    ['/api/v1/namespaces/a/configmaps/b?fieldManager=kubectl-edit', 'kubectl-edit'],
    ['/api/v1/namespaces/a/configmaps/b?dryRun=All&fieldManager=helm&force=true', 'helm'],
    ['/api/v1/namespaces/a/configmaps/b', undefined],
  ])('%s', (uri, manager) => {
    expect(fieldManagerOf(uri)).toBe(manager);
  });
});
