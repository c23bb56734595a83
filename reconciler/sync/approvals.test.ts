import { describe, expect, it } from 'vitest';
import type { Drift, FieldChange } from '../core/model.ts';
import type { ClusterAccess } from '../kube/kube-cluster.ts';
import { buildFleetState } from '../repo/fleet-state.ts';
import { openAuditStore } from '../store/store.ts';
import {
  approveApproval,
  proposeApproval,
  supersedeApprovals,
  supersededBecause,
  supersedeObject,
} from './approvals.ts';
import { type ChangeSetEntry, defaultCycleOptions } from './cycle.ts';

const drift = (name: string, changes: FieldChange[], status: Drift['status'] = 'modified'): Drift => ({
  cluster: 'c1',
  kind: 'ConfigMap',
  namespace: 'ns',
  name,
  status,
  changes,
  driftedBy: [],
});
const red: FieldChange[] = [{ path: 'data.color', type: 'changed', desired: 'blue', live: 'red' }];
const green: FieldChange[] = [{ path: 'data.color', type: 'changed', desired: 'blue', live: 'green' }];
const held = (d: Drift, resourceVersion = '7'): ChangeSetEntry => ({
  cluster: d.cluster,
  kind: d.kind,
  namespace: d.namespace,
  name: d.name,
  action: 'skipped',
  reasons: ['rule r matched: mode approve', 'waiting for approval'],
  decision: { mode: 'approve', reasons: ['rule r matched: mode approve'], ruleRefs: ['r'] },
  dryRun: 'passed',
  pending: { action: 'configured', resourceVersion },
});
const by = { actor: 'trueup', channel: 'reconcile' };

describe('supersededBecause', () => {
  it.each([
    // the same drift: the approval still shows the change as it stands
    [{ drift: drift('app', red) }, undefined],
    // the object is in sync now: nothing left to approve
    [{ drift: drift('app', [], 'in-sync') }, 'superseded: the object is in sync now'],
    // the cycle fixed it (auto now, e.g. a window opened or a wave settled)
    [{ drift: drift('app', red), remediated: true }, 'superseded: remediated by a later cycle'],
    // someone changed the object again: the shown change is not the one that would apply
    [
      { drift: drift('app', green) },
      'superseded: the drift changed since it was shown (now modified: data.color)',
    ],
    [
      { drift: drift('app', [], 'missing') },
      'superseded: the drift changed since it was shown (now missing)',
    ],
    // no longer reported at all (a rule ignores it now, or it is not trueup's)
    [{}, 'superseded: the object is no longer drifted (not managed, or ignored, now)'],
  ])('%#: %s', (now, expected) => {
    expect(supersededBecause({ drift: drift('app', red) }, now)).toBe(expected);
  });
});

describe('supersedeApprovals', () => {
  it('marks stale, with the note, only the pending approvals a later evaluation superseded', async () => {
    const store = openAuditStore(':memory:');
    const a = await store.queueApproval('rev1', held(drift('a', red)), drift('a', red));
    const b = await store.queueApproval('rev1', held(drift('b', red)), drift('b', red));
    const done = await supersedeApprovals(
      store,
      await store.approvals({ state: 'pending' }),
      (x) => ({ drift: x.entry.name === 'a' ? drift('a', [], 'in-sync') : drift('b', red) }),
      by,
    );
    expect(done.map((x) => x.id)).toEqual([a.id]);
    expect(await store.approval(a.id)).toMatchObject({
      state: 'stale',
      decidedBy: 'trueup',
      channel: 'reconcile',
      note: 'superseded: the object is in sync now',
    });
    expect((await store.approval(b.id))?.state).toBe('pending');
    // A stale approval is not superseded twice.
    expect(await supersedeApprovals(store, [a], () => ({}), by)).toEqual([]);
    await store.close();
  });

  it('supersedes one object by cluster and objectKey, and leaves other objects alone', async () => {
    const store = openAuditStore(':memory:');
    const a = await store.queueApproval('rev1', held(drift('a', red)), drift('a', red));
    const b = await store.queueApproval('rev1', held(drift('b', red)), drift('b', red));
    expect(
      await store.pendingApprovals({ cluster: 'c1', kind: 'ConfigMap', namespace: 'ns', name: 'a' }),
    ).toEqual([expect.objectContaining({ id: a.id })]);
    await supersedeObject(store, 'c1', 'ConfigMap/ns/a', drift('a', green), {
      actor: 'trueup',
      channel: 'serve',
    });
    expect(await store.approval(a.id)).toMatchObject({
      state: 'stale',
      note: expect.stringContaining('drift changed'),
    });
    expect((await store.approval(b.id))?.state).toBe('pending');
    expect(await supersedeObject(store, 'c2', 'ConfigMap/ns/b', undefined, by)).toEqual([]);
    await store.close();
  });

  it('leaves an approval being applied alone: the object returning to sync does not make it stale', async () => {
    const store = openAuditStore(':memory:');
    const a = await store.queueApproval('rev1', held(drift('a', red)), drift('a', red));
    const alice = { actor: 'alice', channel: 'console' };
    expect(await store.decideApproval(a.id, 'applying', alice)).toBe(true);
    // A second approver cannot claim it again.
    expect(await store.decideApproval(a.id, 'applying', { actor: 'bob', channel: 'slack' })).toBe(false);
    // The daemon sees the object in sync while the approval applies.
    expect(await supersedeObject(store, 'c1', 'ConfigMap/ns/a', drift('a', [], 'in-sync'), by)).toEqual([]);
    expect(await store.finishApproval(a.id, 'approved', alice)).toBe(true);
    expect(await store.approval(a.id)).toMatchObject({
      state: 'approved',
      decidedBy: 'alice',
      channel: 'console',
    });
    await store.close();
  });

  it('counts pending approvals per cluster, leaving decided ones out', async () => {
    const store = openAuditStore(':memory:');
    const a = await store.queueApproval('rev1', held(drift('a', red)), drift('a', red));
    await store.queueApproval('rev1', held(drift('b', red)), drift('b', red));
    await store.decideApproval(a.id, 'rejected', by);
    expect(await store.pendingCounts()).toEqual(new Map([['c1', 1]]));
    await store.close();
  });
});

describe('approveApproval', () => {
  it('keeps an approval pending, naming the file, when the file declaring its object cannot be read here (as a SOPS file without its key), instead of calling it in sync', async () => {
    const files = new Map([
      [
        'fleet.yaml',
        'apiVersion: trueup.io/v1alpha1\nkind: Fleet\nclusters: [{name: c1}]\ntargets: [{path: base, namespace: ns}]\n',
      ],
      ['base/app.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {color: blue}\n'],
      // Unreadable here, but its kind and name can still be seen: it holds Secret/ns/db.
      ['base/db.yaml', 'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata: [unclosed\n'],
    ]);
    const state = await buildFleetState({ revision: 'r1', files });
    const store = openAuditStore(':memory:');
    const secretDrift: Drift = { ...drift('db', []), kind: 'Secret', status: 'missing' };
    const queued = await proposeApproval(
      store,
      'r1',
      { ...held(secretDrift), pending: { action: 'created', resourceVersion: '' } },
      secretDrift,
    );
    const read = async () => undefined;
    const outcome = await approveApproval(
      {
        store,
        loadState: async () => state,
        access: () => ({ read }) as unknown as ClusterAccess,
        options: defaultCycleOptions(),
      },
      queued.id,
      { actor: 'alice', channel: 'cli' },
    );
    expect(outcome).toMatchObject({
      ok: false,
      code: 'TRUEUP_APPROVAL_REFUSED',
      reason: expect.stringMatching(
        /stays pending: the repo cannot be read completely here \(base\/db\.yaml:5: /,
      ),
    });
    expect((await store.approval(queued.id))?.state).toBe('pending');
  });
});
