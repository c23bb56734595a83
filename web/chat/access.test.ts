import { describe, expect, it } from 'vitest';
import { type Approvers, approversSchema, GroupCache, mayDecide } from './access.ts';

const approvers: Approvers = approversSchema.parse({
  users: ['UGLOBAL'],
  groups: ['SSRE'],
  scoped: [
    { clusterLabels: { matchLabels: { env: 'staging' } }, users: ['USTAGING'] },
    { clusters: ['prod-*'], rules: ['prod-secrets'], users: ['UPAY'] },
  ],
});
const groups: Record<string, string[]> = { SSRE: ['USRE1'] };
const members = async (g: string) => groups[g] ?? [];
const staging = { cluster: 'stg-1', clusterLabels: { env: 'staging' }, ruleRefs: [] };
const prod = {
  cluster: 'prod-eu',
  clusterLabels: { env: 'prod' },
  ruleRefs: ['prod-secrets (policies.yaml:5)'],
};
const prodOther = { ...prod, ruleRefs: ['careful (policies.yaml:12)'] };

describe('the approvers allow-list', () => {
  it.each([
    // the global list decides anything
    ['UGLOBAL', prod, true],
    // a member of a global user group
    ['USRE1', staging, true],
    // a scoped user on a cluster whose labels match
    ['USTAGING', staging, true],
    // ... but not elsewhere
    ['USTAGING', prod, false],
    // scoped by cluster name and policy rule: both must match
    ['UPAY', prod, true],
    ['UPAY', prodOther, false],
    // nobody else
    ['USTRANGER', staging, false],
  ])('%s on %j -> %s', async (user, target, ok) => {
    expect((await mayDecide(approvers, user, target, members)).ok).toBe(ok);
  });

  it('says why a user is refused, and that nobody is listed when nobody is', async () => {
    expect(await mayDecide(approvers, 'UX', prod, members)).toEqual({
      ok: false,
      reason: expect.stringContaining('not on the approvers list for changes on prod-eu'),
    });
    const empty = approversSchema.parse({});
    expect(await mayDecide(empty, 'UGLOBAL', prod, members)).toEqual({
      ok: false,
      reason: expect.stringContaining('lists no approvers'),
    });
  });

  it('treats a user group that cannot be read as having no members', async () => {
    const failing = async () => {
      throw new Error('missing_scope');
    };
    expect((await mayDecide(approvers, 'USRE1', staging, failing)).ok).toBe(false);
  });

  it('refuses user names in the config: only ids', () => {
    expect(approversSchema.safeParse({ users: ['alice'] }).success).toBe(false);
    expect(approversSchema.safeParse({ groups: ['U123'] }).success).toBe(false);
  });

  it('caches group members for a while, but not failures', async () => {
    let calls = 0;
    const cache = new GroupCache(async (g) => {
      calls++;
      if (g === 'SBAD') throw new Error('no');
      return ['U1'];
    }, 1000);
    await cache.members('SSRE', 0);
    await cache.members('SSRE', 500);
    expect(calls).toBe(1);
    await cache.members('SSRE', 1500);
    expect(calls).toBe(2);
    await expect(cache.members('SBAD', 0)).rejects.toThrow();
    await expect(cache.members('SBAD', 1)).rejects.toThrow();
    expect(calls).toBe(4);
  });
});
