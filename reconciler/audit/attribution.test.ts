import { describe, expect, it } from 'vitest';
import type { DriftedBy } from '../core/model.ts';
import { attributeUsers, describeWriter, toolOf } from './attribution.ts';
import type { AuditRecord } from './event.ts';

const edit: DriftedBy = {
  manager: 'kubectl-edit',
  operation: 'Update',
  time: '2026-12-03T10:31:07Z',
  paths: ['data.LOG_LEVEL'],
};

function write(over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    cluster: 'prod',
    kind: 'ConfigMap',
    namespace: 'shop',
    name: 'app',
    auditID: 'id-1',
    verb: 'patch',
    user: 'alice@corp',
    groups: ['platform'],
    userAgent: 'kubectl/v1.33.0 (linux/amd64) kubernetes/abcdef0',
    sourceIPs: ['10.0.0.5'],
    fieldManager: 'kubectl-edit',
    requestTime: '2026-12-03T10:31:07.120Z',
    stageTime: '2026-12-03T10:31:07.140Z',
    ...over,
  };
}

const alice = {
  user: 'alice@corp',
  groups: ['platform'],
  userAgent: 'kubectl/v1.33.0 (linux/amd64) kubernetes/abcdef0',
  sourceIPs: ['10.0.0.5'],
  auditID: 'id-1',
  requestTime: '2026-12-03T10:31:07.120Z',
};

describe('attributeUsers', () => {
  it.each<[string, DriftedBy, AuditRecord[], Partial<DriftedBy>]>([
    // The write at the entry's time by its manager.
    ['the one matching write', edit, [write()], alice],
    // A request received just before a second boundary, its entry stamped the next second.
    [
      'a write that straddles a second',
      { ...edit, time: '2026-12-03T10:31:08Z' },
      [write({ requestTime: '2026-12-03T10:31:07.990Z', stageTime: '2026-12-03T10:31:08.010Z' })],
      { ...alice, requestTime: '2026-12-03T10:31:07.990Z' },
    ],
    // No fieldManager parameter: the apiserver named the manager after the user agent.
    [
      'a manager taken from the user agent',
      { ...edit, manager: 'my-operator' },
      [write({ fieldManager: undefined, userAgent: 'my-operator/1.2 (go)' })],
      { ...alice, userAgent: 'my-operator/1.2 (go)' },
    ],
    // Two writes by the same person in the window: still that person (the latest write).
    [
      'two writes by one user',
      edit,
      [
        write({
          auditID: 'id-0',
          stageTime: '2026-12-03T10:31:06.900Z',
          requestTime: '2026-12-03T10:31:06.800Z',
        }),
        write(),
      ],
      alice,
    ],
    // Writes by different people in the same second: never a guess.
    [
      'writes by two users',
      edit,
      [write(), write({ auditID: 'id-2', user: 'bob' })],
      {
        user: null,
        userReason:
          'ambiguous: 2 writes by kubectl-edit at 2026-12-03T10:31:07Z from different users (alice@corp, bob)',
      },
    ],
    // Another manager's write is not this one.
    [
      'a write by another manager',
      edit,
      [write({ fieldManager: 'kubectl-patch' })],
      { user: null, userReason: 'no audit event of a write by kubectl-edit at 2026-12-03T10:31:07Z' },
    ],
    // Minutes away: another write.
    [
      'a write at another time',
      edit,
      [write({ requestTime: '2026-12-03T10:35:00.000Z', stageTime: '2026-12-03T10:35:00.010Z' })],
      { user: null, userReason: expect.any(String) },
    ],
    // A delete leaves nothing behind to drift.
    ['a delete', edit, [write({ verb: 'delete' })], { user: null, userReason: expect.any(String) }],
    // It read the live version: it came after that version existed.
    [
      'a write based on the live version',
      edit,
      [write({ resourceVersion: '42' })],
      { user: null, userReason: expect.any(String) },
    ],
    [
      'no audit event at all',
      edit,
      [],
      { user: null, userReason: expect.stringContaining('no audit event for this object') },
    ],
    [
      'an entry without time',
      { ...edit, time: undefined },
      [write()],
      { user: null, userReason: "kubectl-edit's managedFields entry has no time" },
    ],
  ])('%s', (_what, driftedBy, events, expected) => {
    const [joined] = attributeUsers([driftedBy], events, '42');
    expect(joined).toEqual({ ...driftedBy, ...expected });
  });

  it('replaces an earlier join instead of mixing two', () => {
    const [first] = attributeUsers([edit], [write()], '42');
    const [again] = attributeUsers([first as DriftedBy], [], '42');
    expect(again).toEqual({ ...edit, user: null, userReason: expect.any(String) });
  });
});

describe('describeWriter', () => {
  it.each<[string, DriftedBy, string]>([
    ['a matched user', { ...edit, ...alice }, 'alice@corp with kubectl edit from 10.0.0.5 at 10:31 UTC'],
    [
      'no match',
      { ...edit, user: null, userReason: 'no audit event of a write' },
      'kubectl-edit (user unknown: no audit event of a write)',
    ],
    ['audit attribution off', edit, 'kubectl-edit'],
  ])('%s', (_what, d, text) => {
    expect(describeWriter(d)).toBe(text);
  });

  it('names the tool from kubectl managers, else from the user agent', () => {
    expect(toolOf({ manager: 'kubectl-client-side-apply' })).toBe('kubectl client-side-apply');
    expect(toolOf({ manager: 'Go-http-client', userAgent: 'helm/v3.16.0' })).toBe('helm');
    expect(toolOf({ manager: 'argocd-controller' })).toBe('argocd-controller');
  });
});
