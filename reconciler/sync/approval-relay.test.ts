import { describe, expect, it } from 'vitest';
import type { Drift } from '../core/model.ts';
import { openAuditStore } from '../store/store.ts';
import { outcomeOf } from './approval-relay.ts';
import { type ApprovalDeps, approveApproval } from './approvals.ts';
import type { ChangeSetEntry } from './cycle.ts';

const drift: Drift = {
  cluster: 'c1',
  kind: 'ConfigMap',
  namespace: 'ns',
  name: 'app',
  status: 'modified',
  changes: [{ path: 'data.color', type: 'changed', desired: 'blue', live: 'red' }],
  driftedBy: [],
};
const held: ChangeSetEntry = {
  cluster: 'c1',
  kind: 'ConfigMap',
  namespace: 'ns',
  name: 'app',
  action: 'skipped',
  reasons: ['waiting for approval'],
  decision: { mode: 'approve', reasons: ['rule r matched: mode approve'], ruleRefs: ['r'] },
  dryRun: 'passed',
  pending: { action: 'configured', resourceVersion: '7' },
};
const alice = { actor: 'alice', channel: 'console' };

// Deps of a replica that owns no cluster: nothing may be read or applied through it.
function standby(store: ReturnType<typeof openAuditStore>): ApprovalDeps {
  const fail = () => {
    throw new Error('a non-owner must not read or apply');
  };
  return {
    store,
    loadState: fail,
    access: fail,
    options: {} as ApprovalDeps['options'],
    relay: { owns: () => false, waitMs: 0 },
  };
}

describe('approving through a replica that does not own the cluster', () => {
  it('records the decision as accepted for the owner, tells it, and answers accepted while it waits', async () => {
    const store = openAuditStore(':memory:');
    const signals: unknown[] = [];
    store.listen((s) => signals.push(s));
    const a = await store.queueApproval('rev1', held, drift);
    const outcome = await approveApproval(standby(store), a.id, alice);
    expect(outcome).toMatchObject({
      ok: true,
      approval: { id: a.id, state: 'accepted', decidedBy: 'alice' },
    });
    expect(signals).toEqual([{ topic: 'approval', data: { id: a.id, state: 'accepted', cluster: 'c1' } }]);
    // Accepted once: a second approver through any replica is refused, the owner claims it from accepted.
    expect(await approveApproval(standby(store), a.id, { actor: 'bob', channel: 'slack' })).toMatchObject({
      ok: false,
      reason: `approval ${a.id} is accepted, not pending`,
    });
    expect(await store.decideApproval(a.id, 'applying', alice, undefined, 'accepted')).toBe(true);
    await store.close();
  });

  it.each([
    // applied by the owner: ok
    ['approved', undefined, { ok: true }],
    // the owner's apply failed: its error
    ['failed', 'dry-run refused', { ok: false, code: 'TRUEUP_APPROVAL_FAILED', reason: 'dry-run refused' }],
    // the owner found it stale: refused, nothing applied
    [
      'stale',
      'the object is in sync now',
      {
        ok: false,
        code: 'TRUEUP_APPROVAL_REFUSED',
        reason: expect.stringContaining('is stale: the object is in sync now; nothing was applied'),
      },
    ],
    // still being applied when the wait ended: accepted, no verdict yet
    ['applying', undefined, { ok: true, approval: expect.objectContaining({ state: 'applying' }) }],
  ] as const)('answers an approval the owner left %s', async (state, note, expected) => {
    const store = openAuditStore(':memory:');
    const a = await store.queueApproval('rev1', held, drift);
    const outcome = await outcomeOf(store, { ...a, state, ...(note ? { note } : {}) });
    expect(outcome).toMatchObject(expected);
    await store.close();
  });
});
