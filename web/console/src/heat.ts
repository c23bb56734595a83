/**
 * The fleet heat map's shape: rows (clusters, or cluster groups by a label's value), columns
 * (namespaces) and each cell's worst state with its counts. Pure: tested in heat.test.ts.
 */
import type { ClusterHealth, ClusterStatus } from '../../contract/api.ts';
import type { NamespaceState } from '../../contract/fleet.ts';

/** healthOrder is worst first. */
export const healthOrder: ClusterHealth[] = ['unreachable', 'errors', 'held', 'drifted', 'in-sync'];

/** worst is the worse of two states. */
export function worst(a: ClusterHealth, b: ClusterHealth): ClusterHealth {
  return healthOrder.indexOf(a) <= healthOrder.indexOf(b) ? a : b;
}

/** HeatCell is one row × namespace cell. */
export interface HeatCell {
  status: ClusterHealth;
  objects: number;
  drifted: number;
  pendingApprovals: number;
}

/** HeatRow is a cluster, or a group of clusters sharing a label value. */
export interface HeatRow {
  /** key: the cluster's name, or the group's `label=value` (`label` alone: clusters without it). */
  key: string;
  title: string;
  clusters: string[];
  /** status: the worst of the row's clusters. */
  status: ClusterHealth;
  cells: Map<string, HeatCell>;
}

/** HeatMap is the rows and the namespace columns, sorted. */
export interface HeatMap {
  rows: HeatRow[];
  namespaces: string[];
}

/** heatMap groups the clusters (by the label `groupBy`, else one row each) and folds their cells. */
export function heatMap(clusters: ClusterStatus[], cells: NamespaceState[], groupBy?: string): HeatMap {
  const rows = new Map<string, HeatRow>();
  const rowOf = new Map<string, HeatRow>();
  for (const c of clusters) {
    const value = groupBy === undefined ? undefined : c.labels[groupBy];
    const key = groupBy === undefined ? c.name : value === undefined ? groupBy : `${groupBy}=${value}`;
    const title =
      groupBy === undefined ? c.name : value === undefined ? `no ${groupBy}` : `${groupBy}=${value}`;
    let row = rows.get(key);
    if (!row) {
      row = { key, title, clusters: [], status: c.status, cells: new Map() };
      rows.set(key, row);
    }
    row.clusters.push(c.name);
    row.status = worst(row.status, c.status);
    rowOf.set(c.name, row);
  }
  const namespaces = new Set<string>();
  for (const cell of cells) {
    const row = rowOf.get(cell.cluster);
    if (!row) continue;
    namespaces.add(cell.namespace);
    const old = row.cells.get(cell.namespace);
    row.cells.set(
      cell.namespace,
      old
        ? {
            status: worst(old.status, cell.status),
            objects: old.objects + cell.objects,
            drifted: old.drifted + cell.drifted,
            pendingApprovals: old.pendingApprovals + cell.pendingApprovals,
          }
        : {
            status: cell.status,
            objects: cell.objects,
            drifted: cell.drifted,
            pendingApprovals: cell.pendingApprovals,
          },
    );
  }
  const byName = (a: string, b: string) => a.localeCompare(b);
  return {
    rows: [...rows.values()].sort((a, b) => byName(a.title, b.title)),
    namespaces: [...namespaces].sort(byName),
  };
}

/** labelKeys are the label keys any cluster has, sorted (the "group by" choices). */
export function labelKeys(clusters: ClusterStatus[]): string[] {
  return [...new Set(clusters.flatMap((c) => Object.keys(c.labels)))].sort((a, b) => a.localeCompare(b));
}

/** cellText is what a cell shows besides its colour: the count that made its state, or a mark. */
export function cellText(cell: HeatCell): string {
  switch (cell.status) {
    case 'unreachable':
      return '×';
    case 'errors':
      return '!';
    case 'held':
      return String(cell.pendingApprovals);
    case 'drifted':
      return String(cell.drifted);
    default:
      return '';
  }
}
