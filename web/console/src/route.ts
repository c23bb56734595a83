/**
 * Hash routes of the console and the links to them. Deep links (chat messages, alert annotations)
 * point at these, so the shapes are part of the contract: `#/`, `#/drifts?cluster=&namespace=&status=`,
 * `#/objects/<cluster>/<namespace>/<kind>/<name>`, `#/approvals`, `#/incidents`, `#/incidents/<id>`,
 * `#/history?cluster=&namespace=&name=&actor=&user=&since=&until=`, `#/preview?head=&base=`,
 * `#/timeline?cluster=&namespace=&q=&range=`. List pages also carry `q` (name search) and `cursor`
 * (the page). Pure: no DOM.
 */

/** Page names one screen of the console. */
export type Page =
  | 'fleet'
  | 'drifts'
  | 'object'
  | 'approvals'
  | 'incidents'
  | 'incident'
  | 'history'
  | 'preview'
  | 'timeline'
  | 'not-found';

/** Route is a parsed location hash: the page, its path parameters and its query. */
export interface Route {
  page: Page;
  params: Record<string, string>;
  query: Record<string, string>;
}

/** isRouteHash tells whether a hash is a console route (`#/…`) rather than an in-page anchor. */
export function isRouteHash(hash: string): boolean {
  return hash === '' || hash === '#' || hash.startsWith('#/');
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function queryOf(search: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(search)) if (value !== '') query[key] = value;
  return query;
}

/** parseRoute turns a location hash into a Route; unknown paths give page `not-found`. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const cut = raw.indexOf('?');
  const path = cut < 0 ? raw : raw.slice(0, cut);
  const query = queryOf(cut < 0 ? '' : raw.slice(cut + 1));
  const parts = path.split('/').filter((part) => part !== '');
  const segments = parts.map(decodeSegment);
  const notFound: Route = { page: 'not-found', params: { path }, query };
  if (segments.some((segment) => segment === undefined)) return notFound;
  const [head, ...rest] = segments as string[];
  if (head === undefined) return { page: 'fleet', params: {}, query };
  if (
    rest.length === 0 &&
    (head === 'drifts' ||
      head === 'approvals' ||
      head === 'history' ||
      head === 'preview' ||
      head === 'timeline')
  )
    return { page: head, params: {}, query };
  if (head === 'incidents' && rest.length === 0) return { page: 'incidents', params: {}, query };
  if (head === 'incidents' && rest.length === 1)
    return { page: 'incident', params: { id: rest[0] as string }, query };
  if (head === 'objects' && rest.length === 4) {
    const [cluster, namespace, kind, name] = rest as [string, string, string, string];
    return { page: 'object', params: { cluster, namespace, kind, name }, query };
  }
  return notFound;
}

function withQuery(path: string, query: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

/** fleetHref links the fleet page, with its optional filters. */
export function fleetHref(query: Record<string, string | undefined> = {}): string {
  return withQuery('#/', query);
}

/** DriftsQuery is the drift list's filters and page. */
export interface DriftsQuery {
  cluster?: string;
  /** label filters by cluster label (`key=value`). */
  label?: string;
  namespace?: string;
  status?: string;
  kind?: string;
  q?: string;
  cursor?: string;
}

/** driftsHref links the drift list with optional filters. */
export function driftsHref(query: DriftsQuery = {}): string {
  return withQuery('#/drifts', { ...query });
}

/** TimelineQuery is the timeline page's scope and range (`1h`, `24h`, `7d`, `30d`). */
export interface TimelineQuery {
  cluster?: string;
  namespace?: string;
  q?: string;
  range?: string;
}

/** timelineHref links the timeline charts of a cluster or namespace. */
export function timelineHref(query: TimelineQuery = {}): string {
  return withQuery('#/timeline', { ...query });
}

/** apiQuery is an API path with the query's non-empty values. */
export function apiQuery(path: string, query: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

/** objectHref links one object's detail page. */
export function objectHref(ref: { cluster: string; namespace: string; kind: string; name: string }): string {
  const parts = [ref.cluster, ref.namespace, ref.kind, ref.name].map(encodeURIComponent);
  return `#/objects/${parts.join('/')}`;
}

/** incidentHref links one incident. */
export function incidentHref(id: string): string {
  return `#/incidents/${encodeURIComponent(id)}`;
}

/** HistoryQuery is the history page's search. */
export interface HistoryQuery {
  cluster?: string;
  namespace?: string;
  name?: string;
  q?: string;
  actor?: string;
  result?: string;
  /** user: the drifts a user made (Kubernetes audit attribution) and their writes. */
  user?: string;
  since?: string;
  until?: string;
  /** only and cursor page one of the two lists. */
  only?: string;
  cursor?: string;
}

/** historyHref links a history search. */
export function historyHref(query: HistoryQuery = {}): string {
  return withQuery('#/history', { ...query });
}

/** approvalsHref links the approvals page (optionally another state than pending). */
export function approvalsHref(state?: string): string {
  return withQuery('#/approvals', { state });
}

/** objectApiPath is the API path of one object, relative to `/api/v1/`. */
export function objectApiPath(ref: {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
}): string {
  return `objects/${[ref.cluster, ref.namespace, ref.kind, ref.name].map(encodeURIComponent).join('/')}`;
}

/** previewHref links the preview page for a head (and base). */
export function previewHref(query: { head?: string; base?: string } = {}): string {
  return withQuery('#/preview', query);
}
