import { describe, expect, it } from 'vitest';
import type { Drift } from '../core/model.ts';
import { driftEventMessage } from './drift-event.ts';

const base: Drift = {
  cluster: 'prod-eu',
  kind: 'ConfigMap',
  namespace: 'shop',
  name: 'app',
  status: 'modified',
  changes: [{ path: 'data.LOG_LEVEL', type: 'changed', live: 'debug', desired: 'info' }],
  driftedBy: [],
};
const alice = {
  manager: 'kubectl-edit',
  operation: 'Update',
  paths: ['data.LOG_LEVEL'],
  user: 'alice@corp',
  sourceIPs: ['10.0.0.5'],
  requestTime: '2026-12-03T10:31:02Z',
};
const observe = { mode: 'observe' as const, reasons: ['policy says observe'] };

describe('driftEventMessage', () => {
  it.each([
    {
      name: 'names the git commit (short), the paths, the resourceVersion and the user',
      drift: { ...base, driftedBy: [alice] },
      want: 'drift from git 5954a35d4161: modified (data.LOG_LEVEL) at resourceVersion 193; changed by alice@corp with kubectl edit from 10.0.0.5 at 10:31 UTC; decision observe: policy says observe',
    },
    {
      name: 'says a user is unknown, and why, when no audit event matched',
      drift: {
        ...base,
        driftedBy: [{ ...alice, user: null, userReason: 'no audit event for this object yet' }],
      },
      want: 'drift from git 5954a35d4161: modified (data.LOG_LEVEL) at resourceVersion 193; changed by kubectl-edit (user unknown: no audit event for this object yet); decision observe: policy says observe',
    },
    {
      name: 'leaves the writers out when nobody but trueup wrote the object',
      drift: { ...base, status: 'missing' as const, changes: [] },
      want: 'drift from git 5954a35d4161: missing at resourceVersion 193; decision observe: policy says observe',
    },
  ])('$name', ({ drift, want }) => {
    expect(driftEventMessage('5954a35d4161f00dfeedbeef', drift, '193', observe)).toBe(want);
  });

  it('never carries a Secret value: changes of a Secret are named by path only', () => {
    const secret: Drift = {
      ...base,
      kind: 'Secret',
      changes: [
        {
          path: 'data.password',
          type: 'changed',
          live: 'hmac-sha256:aaaaaaaaaaaa',
          desired: 'hmac-sha256:bbbbbbbbbbbb',
        },
      ],
      driftedBy: [alice],
    };
    const message = driftEventMessage('5954a35d4161', secret, '7', observe);
    expect(message).toContain('(data.password)');
    expect(message).not.toContain('hmac-sha256');
  });
});
