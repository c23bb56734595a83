import { describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../../contract/api.ts';
import type { NamespaceState } from '../../contract/fleet.ts';
import { cellText, heatMap, labelKeys } from './heat.ts';

const cluster = (name: string, status: ClusterStatus['status'], labels: Record<string, string> = {}) =>
  ({ name, status, labels }) as ClusterStatus;
const cell = (
  c: string,
  namespace: string,
  status: NamespaceState['status'],
  drifted = 0,
  pendingApprovals = 0,
) => ({
  cluster: c,
  namespace,
  status,
  objects: 2,
  drifted,
  pendingApprovals,
});

describe('heatMap', () => {
  const clusters = [
    cluster('eu-1', 'drifted', { region: 'eu' }),
    cluster('eu-2', 'unreachable', { region: 'eu' }),
    cluster('us-1', 'in-sync', { region: 'us' }),
    cluster('lab', 'in-sync'),
  ];
  const cells = [
    cell('eu-1', 'shop', 'drifted', 2),
    cell('eu-2', 'shop', 'unreachable'),
    cell('us-1', 'shop', 'in-sync'),
    cell('us-1', 'auth', 'held', 0, 1),
  ];

  it('has one row per cluster and a column per namespace, sorted', () => {
    const map = heatMap(clusters, cells);
    expect(map.rows.map((r) => r.key)).toEqual(['eu-1', 'eu-2', 'lab', 'us-1']);
    expect(map.namespaces).toEqual(['auth', 'shop']);
    expect(map.rows[0]?.cells.get('shop')).toMatchObject({ status: 'drifted', drifted: 2 });
  });

  it('groups clusters by a label, each cell the worst of the group with summed counts', () => {
    const map = heatMap(clusters, [...cells, cell('eu-1', 'auth', 'drifted', 1)], 'region');
    expect(map.rows.map((r) => [r.title, r.clusters, r.status])).toEqual([
      ['no region', ['lab'], 'in-sync'],
      ['region=eu', ['eu-1', 'eu-2'], 'unreachable'],
      ['region=us', ['us-1'], 'in-sync'],
    ]);
    expect(map.rows[1]?.cells.get('shop')).toMatchObject({ status: 'unreachable', drifted: 2, objects: 4 });
  });

  it('lists label keys and marks cells for readers who cannot tell the colours apart', () => {
    expect(labelKeys(clusters)).toEqual(['region']);
    expect(cellText({ status: 'drifted', drifted: 3, objects: 3, pendingApprovals: 0 })).toBe('3');
    expect(cellText({ status: 'held', drifted: 3, objects: 3, pendingApprovals: 1 })).toBe('1');
    expect(cellText({ status: 'unreachable', drifted: 0, objects: 3, pendingApprovals: 0 })).toBe('×');
  });
});
