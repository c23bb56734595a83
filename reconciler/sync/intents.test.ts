import { describe, expect, it } from 'vitest';
import type { LiveObject } from '../core/model.ts';
import { openAuditStore } from '../store/store.ts';
import type { ChangeSetEntry } from './cycle.ts';
import { expectationOf, outcomeOf } from './intents.ts';
import type { Plan } from './plan.ts';
import { recoverIntents } from './recovery.ts';

const ref = { cluster: 'c1', kind: 'ConfigMap' as const, namespace: 'ns', name: 'app' };
const live = (over: Partial<LiveObject> = {}): LiveObject => ({
  ...ref,
  uid: 'u1',
  resourceVersion: '7',
  data: { color: 'red', extra: 'x' },
  binaryData: {},
  labels: {},
  annotations: {},
  managedFields: [],
  ...over,
});
const manifest = {
  apiVersion: 'v1' as const,
  kind: 'ConfigMap' as const,
  metadata: { name: 'app', namespace: 'ns' },
  data: { color: 'blue' },
};
const configure: Plan = {
  ref,
  action: 'configured',
  reasons: [],
  removeKeys: { paths: ['data.extra'], resourceVersion: '7' },
  apply: manifest,
  force: true,
};
const create: Plan = { ref, action: 'created', reasons: [], apply: manifest, force: true };
const prune: Plan = {
  ref,
  action: 'deleted',
  reasons: [],
  delete: { uid: 'u1', resourceVersion: '7' },
  force: true,
};
const replace: Plan = {
  ref,
  action: 'replaced',
  reasons: [],
  delete: { uid: 'u1', resourceVersion: '7' },
  apply: manifest,
  force: true,
};

describe('outcomeOf', () => {
  it.each([
    // the apply and the key removal both reached the object
    ['configured', configure, live(), live({ resourceVersion: '9', data: { color: 'blue' } }), 'applied'],
    // nothing reached it: same resourceVersion
    ['configured', configure, live(), live(), 'not-applied'],
    // the key removal went through, the apply did not
    ['configured', configure, live(), live({ resourceVersion: '8', data: { color: 'red' } }), 'partial'],
    // a create that never arrived
    ['created', create, undefined, undefined, 'not-applied'],
    // a create that arrived (other keys, e.g. another manager's, do not matter)
    ['created', create, undefined, live({ data: { color: 'blue', other: '1' } }), 'applied'],
    // a prune that went through
    ['deleted', prune, live(), undefined, 'applied'],
    // a prune that did not
    ['deleted', prune, live(), live(), 'not-applied'],
    // a replacement stopped between its delete and its create: the object is missing
    ['replaced', replace, live({ immutable: true }), undefined, 'partial'],
    // a replacement that never started
    ['replaced', replace, live({ immutable: true }), live({ immutable: true }), 'not-applied'],
    // a replacement done: a new object with the new content
    [
      'replaced',
      replace,
      live(),
      live({ uid: 'u2', resourceVersion: '12', data: { color: 'blue' } }),
      'applied',
    ],
  ])('%s: %s', (_name, plan, before, now, outcome) => {
    expect(outcomeOf(expectationOf(plan, before), now).outcome).toBe(outcome);
  });

  it('stores key names and a digest, never a Secret value', async () => {
    const secret = {
      ...manifest,
      kind: 'Secret' as const,
      data: { token: Buffer.from('hunter2-canary').toString('base64') },
    };
    const expectation = expectationOf({ ...create, apply: secret }, undefined);
    const text = JSON.stringify(expectation);
    expect(text).not.toContain('hunter2-canary');
    expect(text).not.toContain(secret.data.token);
    expect(expectation.apply?.fields.data).toEqual(['token']);
  });
});

describe('recoverIntents', () => {
  const entry = (intent?: string): ChangeSetEntry => ({
    ...ref,
    action: 'configured',
    reasons: [],
    decision: { mode: 'auto', reasons: [], ruleRefs: [] },
    ...(intent ? { intent } : {}),
  });

  it('leaves no intent open once its audit record is written', async () => {
    const store = openAuditStore(':memory:');
    const id = await store.beginIntent({ ...ref, revision: 'r1', actor: 'trueup' });
    expect((await store.openIntents()).map((i) => i.id)).toEqual([id]);
    await store.recordRemediation('r1', entry(id), 'trueup');
    expect(await store.openIntents()).toEqual([]);
  });

  it("leaves this process's own open intents alone (a write still in flight)", async () => {
    const store = openAuditStore(':memory:');
    await store.beginIntent({
      ...ref,
      revision: 'r1',
      actor: 'trueup',
      expectation: expectationOf(create, undefined),
    });
    const recovered = await recoverIntents({ store, clusters: [], access: () => ({}) as never });
    expect(recovered).toEqual([]);
    expect(await store.openIntents()).toHaveLength(1);
  });

  it("on a shared store, leaves another host's young intent alone (its write may be in flight there) and settles an old one", async () => {
    const shared = openAuditStore(':memory:');
    await shared.beginIntent({ ...ref, revision: 'r1', actor: 'trueup' }, new Date('2026-01-01T10:00:00Z'));
    const store = openAuditStoreWithOwner(shared, 'other-pod:7:abcd1234');
    const deps = { store, clusters: [], access: () => ({}) as never, sharedGraceMs: 10 * 60_000 };
    expect(await recoverIntents({ ...deps, now: new Date('2026-01-01T10:05:00Z') })).toEqual([]);
    expect(await shared.openIntents()).toHaveLength(1);
    const later = await recoverIntents({ ...deps, now: new Date('2026-01-01T10:11:00Z') });
    expect(later.map((r) => r.outcome)).toEqual(['not-applied']);
    expect(await shared.openIntents()).toEqual([]);
  });

  it('puts an approval left applying with no intent back to pending', async () => {
    const store = openAuditStore(':memory:');
    const pending: ChangeSetEntry = { ...entry(), pending: { action: 'configured', resourceVersion: '7' } };
    const drift = { ...ref, status: 'modified' as const, changes: [], driftedBy: [] };
    const a = await store.queueApproval('r1', pending, drift);
    await store.decideApproval(a.id, 'applying', { actor: 'alice', channel: 'cli' });
    await recoverIntents({ store, clusters: [], access: () => ({}) as never });
    expect(await store.approval(a.id)).toMatchObject({
      state: 'pending',
      note: expect.stringContaining('interrupted before any write'),
    });
  });

  it('settles an intent of a process that is gone from the object as it is now', async () => {
    const store = openAuditStore(':memory:');
    // Owned by a process on another host: gone, as far as this one can tell.
    await store.beginIntent({
      ...ref,
      revision: 'r1',
      actor: 'trueup',
      expectation: expectationOf(create, undefined),
    });
    const row = (await store.openIntents())[0];
    expect(row).toBeDefined();
    const other = openAuditStoreWithOwner(store, 'elsewhere:1:dead');
    const recovered = await recoverIntents({
      store: other,
      clusters: [{ name: 'c1', labels: {} }],
      access: () => ({ read: async () => live({ data: { color: 'blue' } }) }) as never,
    });
    expect(recovered.map((r) => [r.outcome, r.why])).toEqual([
      ['applied', 'the object carries the applied content'],
    ]);
    expect(await store.openIntents()).toEqual([]);
    expect((await store.remediations()).map((r) => [r.actor, r.entry.error])).toEqual([
      ['trueup (recovered at start)', undefined],
    ]);
  });
});

/** openAuditStoreWithOwner shows a store's open intents as if another process had recorded them. */
function openAuditStoreWithOwner(
  store: ReturnType<typeof openAuditStore>,
  owner: string,
): ReturnType<typeof openAuditStore> {
  return { ...store, openIntents: async () => (await store.openIntents()).map((i) => ({ ...i, owner })) };
}
