/**
 * One page of the current drifts: filtered by cluster (or cluster label), namespace, status, kind
 * and a name search, sorted by cluster, namespace, kind and name, and cut after a keyset cursor
 * (the last row's `cluster/namespace/kind/name`), so a page stays put while other objects drift or
 * return to sync. Pure.
 */
import type { Drift } from '../contract/drift.ts';

/** DriftFilter is what `GET /api/v1/drifts` filters by. */
export interface DriftFilter {
  cluster?: string;
  namespace?: string;
  status?: Drift['status'];
  kind?: Drift['kind'];
  /** q matches names containing it, ignoring case. */
  q?: string;
  /** clusters, from a `label=k=v` filter: only drifts on these clusters. */
  clusters?: ReadonlySet<string>;
}

/** DriftPage is a page and what the answer says about the rest. */
export interface DriftPage {
  drifts: Drift[];
  total: number;
  next?: string;
}

/** cursorOf is a drift's position: `cluster/namespace/kind/name` (each part URI-encoded). */
export function cursorOf(d: Pick<Drift, 'cluster' | 'namespace' | 'kind' | 'name'>): string {
  return [d.cluster, d.namespace, d.kind, d.name].map(encodeURIComponent).join('/');
}

const order = (a: Drift, b: Drift) =>
  compare(a.cluster, b.cluster) ||
  compare(a.namespace, b.namespace) ||
  compare(a.kind, b.kind) ||
  compare(a.name, b.name);

// Code-unit order, the same on every platform and locale (cursors compare with it too).
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function matches(d: Drift, f: DriftFilter): boolean {
  return (
    (f.cluster === undefined || d.cluster === f.cluster) &&
    (f.clusters === undefined || f.clusters.has(d.cluster)) &&
    (f.namespace === undefined || d.namespace === f.namespace) &&
    (f.status === undefined || d.status === f.status) &&
    (f.kind === undefined || d.kind === f.kind) &&
    (f.q === undefined || d.name.toLowerCase().includes(f.q.toLowerCase()))
  );
}

function afterCursor(d: Drift, cursor: string): boolean {
  const [cluster = '', namespace = '', kind = '', name = ''] = cursor.split('/').map(decodeURIComponent);
  return order(d, { cluster, namespace, kind, name } as Drift) > 0;
}

/** driftPage filters, sorts and cuts the drifts; no limit returns every match (the answer before paging existed). */
export function driftPage(
  drifts: Drift[],
  filter: DriftFilter,
  page: { limit?: number; cursor?: string } = {},
): DriftPage {
  const matching = drifts.filter((d) => matches(d, filter)).sort(order);
  const rest =
    page.cursor === undefined ? matching : matching.filter((d) => afterCursor(d, page.cursor as string));
  if (page.limit === undefined || rest.length <= page.limit) return { drifts: rest, total: matching.length };
  const shown = rest.slice(0, page.limit);
  return { drifts: shown, total: matching.length, next: cursorOf(shown.at(-1) as Drift) };
}

/** clustersWithLabel are the clusters whose labels have `key` (`key=value`: that value). */
export function clustersWithLabel(
  clusters: { name: string; labels: Record<string, string> }[],
  label: string,
): Set<string> {
  const cut = label.indexOf('=');
  const key = cut < 0 ? label : label.slice(0, cut);
  const value = cut < 0 ? undefined : label.slice(cut + 1);
  return new Set(
    clusters
      .filter((c) => key in c.labels && (value === undefined || c.labels[key] === value))
      .map((c) => c.name),
  );
}
