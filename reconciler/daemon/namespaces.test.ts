import { describe, expect, it } from 'vitest';
import type { RepoError } from '../core/model.ts';
import { namespaceStates } from './namespaces.ts';
import type { ClusterStatus } from './status.ts';

const cluster = (name: string, over: Partial<ClusterStatus> = {}): ClusterStatus => ({
  name,
  labels: {},
  status: 'in-sync',
  pendingApprovals: 0,
  held: 0,
  reachable: true,
  synced: true,
  objects: 1,
  drifted: 0,
  ...over,
});
const cell = (c: string, namespace: string, drifted = 0) => ({ cluster: c, namespace, objects: 2, drifted });

describe('namespaceStates', () => {
  it.each<[string, ClusterStatus[], RepoError[], Map<string, number>, number, string]>([
    // a cluster that cannot be reached outranks everything in it
    [
      'unreachable',
      [cluster('a', { reachable: false, error: 'down' })],
      [],
      new Map([['a/ns', 1]]),
      3,
      'unreachable',
    ],
    // a cluster's own error marks each of its namespaces
    ['cluster error', [cluster('a', { error: 'forbidden' })], [], new Map(), 0, 'errors'],
    // a repo error holding an object in the namespace marks it
    [
      'repo error held here',
      [cluster('a')],
      [{ message: 'bad', cluster: 'a', holds: ['ConfigMap/ns/x'] }],
      new Map(),
      0,
      'errors',
    ],
    // a repo error holding objects elsewhere does not
    [
      'repo error elsewhere',
      [cluster('a')],
      [{ message: 'bad', holds: ['ConfigMap/other/x'] }],
      new Map(),
      1,
      'drifted',
    ],
    // a repo error for another cluster does not either
    ['other cluster', [cluster('a')], [{ message: 'bad', cluster: 'b' }], new Map(), 0, 'in-sync'],
    // pending approval outranks drift
    ['pending', [cluster('a')], [], new Map([['a/ns', 2]]), 1, 'held'],
    ['drifted', [cluster('a')], [], new Map(), 1, 'drifted'],
    ['in sync', [cluster('a')], [], new Map(), 0, 'in-sync'],
  ])('gives a cell its worst state: %s', (_name, clusters, errors, pending, drifted, state) => {
    const [found] = namespaceStates({ clusters, errors }, [cell('a', 'ns', drifted)], pending);
    expect(found?.status).toBe(state);
  });

  it('adds a cell for a namespace with only a pending approval, and none for unknown clusters', () => {
    const cells = namespaceStates(
      { clusters: [cluster('a')], errors: [] },
      [cell('gone', 'ns')],
      new Map([
        ['a/orphans', 1],
        ['gone/ns', 1],
      ]),
    );
    expect(cells).toEqual([
      { cluster: 'a', namespace: 'orphans', objects: 0, drifted: 0, status: 'held', pendingApprovals: 1 },
    ]);
  });
});
