import { describe, expect, it } from 'vitest';
import type { ObjectRef } from '../reconciler/core/model.ts';
import type { ClusterAccess } from '../reconciler/kube/kube-cluster.ts';
import { guardAccess, guardAccessFactory, NotOwnerError } from './write-guard.ts';

const ref: ObjectRef = { cluster: 'prod', kind: 'ConfigMap', namespace: 'shop', name: 'app' };

/** recording is a ClusterAccess that notes which requests reached it. */
function recording(): { access: ClusterAccess; calls: string[] } {
  const calls: string[] = [];
  const note = (what: string) => async () => {
    calls.push(what);
    return undefined as never;
  };
  const access = {
    name: 'prod',
    listObjects: note('list'),
    listKind: note('listKind'),
    watchKind: note('watch'),
    read: note('read'),
    apply: async (_m: unknown, o: { dryRun: boolean }) => note(o.dryRun ? 'apply dry-run' : 'apply')(),
    removeKeys: async (_r: unknown, _p: unknown, _v: unknown, o: { dryRun: boolean }) =>
      note(o.dryRun ? 'removeKeys dry-run' : 'removeKeys')(),
    delete: async (_r: unknown, _p: unknown, o: { dryRun: boolean }) =>
      note(o.dryRun ? 'delete dry-run' : 'delete')(),
    recordEvent: note('event'),
  } as unknown as ClusterAccess;
  return { access, calls };
}

describe('guardAccess', () => {
  const manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'shop' } };
  const writes: [string, (a: ClusterAccess) => Promise<unknown>][] = [
    ['apply', (a) => a.apply(manifest as never, { dryRun: false, force: true })],
    ['removeKeys', (a) => a.removeKeys(ref, ['data.x'], '1', { dryRun: false })],
    ['delete', (a) => a.delete(ref, { uid: 'u', resourceVersion: '1' }, { dryRun: false })],
    ['event', (a) => a.recordEvent(ref, 'u', { type: 'Normal', reason: 'DriftRemediated', message: 'm' })],
  ];

  it.each(writes)(
    'refuses %s, before any request, once the replica does not own the cluster',
    async (_name, write) => {
      const { access, calls } = recording();
      let owner = true;
      const guarded = guardAccess(access, () => (owner ? undefined : 'not the leader (leader: b)'));
      await write(guarded);
      owner = false;
      const err = await write(guarded).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotOwnerError);
      expect(err).toMatchObject({
        message: 'cluster prod: not written: not the leader (leader: b)',
        statusCode: 409,
        code: 'TRUEUP_NOT_OWNER',
      });
      expect(calls).toHaveLength(1);
    },
  );

  it('lets reads and server dry-runs through whoever owns the cluster', async () => {
    const { access, calls } = recording();
    const guarded = guardAccess(access, () => 'not the leader');
    await guarded.read(ref);
    await guarded.listObjects();
    await guarded.apply(manifest as never, { dryRun: true, force: true });
    await guarded.removeKeys(ref, ['data.x'], '1', { dryRun: true });
    expect(calls).toEqual(['read', 'list', 'apply dry-run', 'removeKeys dry-run']);
  });

  it('refuses early, when asked, to hand out a cluster this replica does not own', () => {
    const { access } = recording();
    const factory = guardAccessFactory(
      () => access,
      () => 'owned by b',
      { refuseEarly: true },
    );
    expect(() => factory({ name: 'prod' } as never)).toThrow(NotOwnerError);
    expect(() =>
      guardAccessFactory(
        () => access,
        () => 'owned by b',
      )({ name: 'prod' } as never),
    ).not.toThrow();
  });
});
