import { describe, expect, it } from 'vitest';
import {
  clusterLeaseName,
  goneReplicas,
  liveReplicas,
  planShards,
  rankClusters,
  replicaLeaseName,
  type ShardInput,
} from './shards.ts';

const six = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
const input = (fields: Partial<ShardInput>): ShardInput => ({
  identity: 'a',
  clusters: six,
  replicas: ['a', 'b', 'c'],
  holders: {},
  held: [],
  ...fields,
});
const sorted = (xs: string[]) => [...xs].sort();

describe('planShards', () => {
  it.each([
    // alone: the whole fleet is this replica's share
    [
      'a lone replica takes every free cluster',
      input({ replicas: [] }),
      { share: 6, keep: 0, release: 0, acquire: 6 },
    ],
    // three replicas, nothing held yet: a fair share of two
    ['three replicas: a share of two', input({}), { share: 2, keep: 0, release: 0, acquire: 2 }],
    // b and c joined while a held everything: a gives four up
    [
      'above the share after others joined',
      input({ held: six }),
      { share: 2, keep: 2, release: 4, acquire: 0 },
    ],
    // a replica died: the share grows to three, a takes one more of the free ones
    [
      'a replica died: the share grows',
      input({ replicas: ['a', 'b'], held: ['c1', 'c2'], holders: { c1: 'a', c2: 'a', c3: 'b', c4: 'b' } }),
      { share: 3, keep: 2, release: 0, acquire: 1 },
    ],
    // 7 clusters over 3 replicas: ceil gives 3, so every cluster can be owned
    [
      'uneven: ceil(7 / 3) = 3',
      input({ clusters: [...six, 'c7'], held: ['c1', 'c2', 'c3'] }),
      { share: 3, keep: 3, release: 0, acquire: 0 },
    ],
    // an empty fleet: nothing to own, everything held is given up
    ['an empty fleet', input({ clusters: [], held: ['c1'] }), { share: 0, keep: 0, release: 1, acquire: 0 }],
  ])('%s', (_name, shard, expected) => {
    const plan = planShards(shard);
    expect({
      share: plan.share,
      keep: plan.keep.length,
      release: plan.release.length,
      acquire: plan.acquire.length,
    }).toEqual(expected);
  });

  it('never reaches for a cluster another replica holds, even when it has room', () => {
    const plan = planShards(input({ replicas: ['a'], holders: { c1: 'b', c2: 'dead-but-unexpired' } }));
    expect(sorted(plan.acquire)).toEqual(['c3', 'c4', 'c5', 'c6']);
  });

  it('takes back a lease the record says is its own (a restart under the same identity)', () => {
    const plan = planShards(input({ replicas: ['a'], clusters: ['c1'], holders: { c1: 'a' } }));
    expect(plan.acquire).toEqual(['c1']);
  });

  it('gives up clusters the fleet no longer has', () => {
    const plan = planShards(input({ clusters: ['c1', 'c2'], held: ['c1', 'gone'] }));
    expect(plan).toMatchObject({ keep: ['c1'], release: ['gone'] });
  });

  it('keeps its most preferred clusters and releases the least preferred', () => {
    const plan = planShards(input({ held: six }));
    const ranked = rankClusters('a', six);
    expect(plan.keep).toEqual(ranked.slice(0, 2));
    expect(sorted(plan.release)).toEqual(sorted(ranked.slice(2)));
  });

  it('lets every cluster be owned once each replica takes its share from what is free', () => {
    // Replicas take turns, each seeing what the others took: the fleet ends fully and singly owned.
    const holders: Record<string, string> = {};
    for (const id of ['a', 'b', 'c']) {
      const plan = planShards({ identity: id, clusters: six, replicas: ['a', 'b', 'c'], holders, held: [] });
      for (const c of plan.acquire) holders[c] = id;
    }
    expect(sorted(Object.keys(holders))).toEqual(six);
    for (const id of ['a', 'b', 'c']) expect(Object.values(holders).filter((h) => h === id)).toHaveLength(2);
  });
});

describe('rankClusters', () => {
  it('is stable for one replica and differs between replicas', () => {
    expect(rankClusters('a', six)).toEqual(rankClusters('a', [...six].reverse()));
    const firsts = new Set(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => rankClusters(id, six)[0]));
    expect(firsts.size).toBeGreaterThan(1);
  });
});

describe('liveReplicas', () => {
  const now = 100_000;
  it.each([
    ['renewed within its duration', { holder: 'a', renewTime: now - 3000, durationSeconds: 4 }, ['a']],
    ['renewed exactly one duration ago', { holder: 'a', renewTime: now - 4000, durationSeconds: 4 }, []],
    ['released (no holder)', { renewTime: now, durationSeconds: 4 }, []],
    ['no duration: the fallback (15 s) counts', { holder: 'a', renewTime: now - 10_000 }, ['a']],
  ])('a heartbeat %s', (_name, beat, live) => {
    expect(liveReplicas([beat], now, 15)).toEqual(live);
  });
});

describe('goneReplicas', () => {
  const now = 1_000_000;
  const durationMs = 15_000;
  it.each([
    // Ten durations and a little more without a renewal: the replica died.
    ['another replica silent for over ten durations', { holder: 'b', renewTime: now - 150_001 }, true],
    ['another replica silent for exactly ten durations', { holder: 'b', renewTime: now - 150_000 }, false],
    // Its own heartbeat is never collected, however stale it looks.
    ['its own heartbeat, however old', { holder: 'a', renewTime: 0 }, false],
    ['a record never renewed', { holder: 'b' }, true],
  ])('%s', (_name, beat, gone) => {
    expect(goneReplicas([beat], 'a', now, durationMs)).toEqual(gone ? [beat] : []);
  });
});

describe('lease names', () => {
  it.each([
    ['trueup-0', 'trueup-replica-trueup-0'],
    ['pod-7d9f-x2', 'trueup-replica-pod-7d9f-x2'],
    // not a valid name as is: cleaned, and a hash keeps it apart from the identity it now resembles
    ['Host.Example_42', expect.stringMatching(/^trueup-replica-host-example-42-[0-9a-f]{8}$/)],
    ['x'.repeat(300), expect.stringMatching(/^trueup-replica-x+-[0-9a-f]{8}$/)],
  ])('replica %s has heartbeat lease %s', (identity, name) => {
    const got = replicaLeaseName('trueup', identity);
    expect(got).toEqual(name);
    expect(got.length).toBeLessThanOrEqual(253);
  });

  it('differ for identities that clean up alike', () => {
    expect(replicaLeaseName('t', 'A_b')).not.toBe(replicaLeaseName('t', 'a.b'));
  });

  it('name a cluster lease after the cluster', () => {
    expect(clusterLeaseName('trueup', 'prod-eu')).toBe('trueup-cluster-prod-eu');
  });
});
