/**
 * Fleet: every cluster at a glance — status (in sync, drifted, pending approval, errors,
 * unreachable), the revision, the last reconcile, drifted and pending-approval counts — filterable by cluster
 * label, namespace and status. Two views: cards (the default up to 12 clusters) and a heat map of
 * clusters (or groups by a label) × namespaces (the default above), `?view=cards|map&group=<label>`.
 * Per-namespace counts come from `GET /api/v1/namespaces`.
 */

import type { ClusterHealth, ClusterStatus, Status } from '../../../contract/api.ts';
import type { NamespaceState, NamespaceStates } from '../../../contract/fleet.ts';
import { useResource } from '../context.ts';
import { heatMap, labelKeys } from '../heat.ts';
import { approvalsHref, driftsHref, fleetHref, timelineHref } from '../route.ts';
import { Badge, Labels, Loadable, PageTitle, RelTime, Sha } from '../ui/bits.tsx';
import { FilterSelect, Filters, uniqueSorted } from '../ui/filters.tsx';
import { navigate } from '../use-route.ts';
import { HeatLegend, HeatMapTable } from './heatmap.tsx';

/** cardLimit is the largest fleet shown as cards by default; larger fleets open on the heat map. */
export const cardLimit = 12;

const statuses: ClusterHealth[] = ['in-sync', 'drifted', 'held', 'errors', 'unreachable'];

interface FleetQuery {
  label?: string;
  namespace?: string;
  status?: string;
  view?: string;
  group?: string;
}

function matches(cluster: ClusterStatus, query: FleetQuery): boolean {
  if (query.status && cluster.status !== query.status) return false;
  if (query.label) {
    const cut = query.label.indexOf('=');
    const key = cut < 0 ? query.label : query.label.slice(0, cut);
    const value = cut < 0 ? undefined : query.label.slice(cut + 1);
    if (!(key in cluster.labels) || (value !== undefined && cluster.labels[key] !== value)) return false;
  }
  return true;
}

function ClusterCard(props: {
  cluster: ClusterStatus;
  revision?: string;
  drifted: number;
  namespace?: string;
}) {
  const { cluster, namespace } = props;
  return (
    <article class={`cluster cluster-${cluster.status}`} data-testid={`fleet-cluster-${cluster.name}`}>
      <header class="cluster-head">
        <h2>{cluster.name}</h2>
        <Badge value={cluster.status} testid={`cluster-status-${cluster.name}`} />
      </header>
      <Labels labels={cluster.labels} />
      <dl class="facts">
        <dt>Last reconcile</dt>
        <dd>
          <RelTime iso={cluster.lastSync} fallback="never" />
        </dd>
        <dt>Revision</dt>
        <dd>
          {props.revision ? <Sha commit={props.revision} /> : <span class="muted">none</span>}{' '}
          {!cluster.synced && <span class="muted">(not yet applied)</span>}
        </dd>
        <dt>Objects</dt>
        <dd>{cluster.objects}</dd>
        <dt>Drifted{namespace ? ` in ${namespace}` : ''}</dt>
        <dd>
          {props.drifted > 0 ? (
            <a href={driftsHref({ cluster: cluster.name, namespace })}>{props.drifted}</a>
          ) : (
            props.drifted
          )}
        </dd>
        <dt>Pending approval</dt>
        <dd>{cluster.pendingApprovals > 0 ? <a href={approvalsHref()}>{cluster.pendingApprovals}</a> : 0}</dd>
        <dt>Timeline</dt>
        <dd>
          <a href={timelineHref({ cluster: cluster.name, namespace })}>charts</a>
        </dd>
        {(cluster.flapping ?? 0) > 0 && (
          <>
            <dt>Flapping</dt>
            <dd>
              <Badge
                value="flapping"
                label={`${cluster.flapping} flapping`}
                testid={`cluster-flapping-${cluster.name}`}
              />
            </dd>
          </>
        )}
      </dl>
      {cluster.error && (
        <p class="error" role="note">
          {cluster.error}
        </p>
      )}
    </article>
  );
}

function RepoState(props: { status: Status }) {
  const { status } = props;
  return (
    <div class="repo-state">
      <p>
        Git revision{' '}
        {status.revision ? <Sha commit={status.revision} /> : <span class="muted">none yet</span>} ·{' '}
        <Badge value={status.ready ? 'in-sync' : 'pending'} label={status.ready ? 'ready' : 'not ready'} />
      </p>
      {status.gitError && (
        <p class="error" role="alert">
          Git: {status.gitError}
        </p>
      )}
      {status.errors.length > 0 && (
        <details class="error-list" open>
          <summary>{status.errors.length} repo error(s)</summary>
          <ul>
            {status.errors.map((error, index) => (
              <li key={index}>
                {error.file && <code>{`${error.file}${error.line ? `:${error.line}` : ''}`}</code>}{' '}
                {error.cluster && <strong>{error.cluster}: </strong>}
                {error.message}
                {error.code && <code class="muted"> {error.code}</code>}
                {error.holds && error.holds.length > 0 && (
                  <span class="muted">
                    {' '}
                    · holds {error.holds.length} object(s) whose desired state is unknown (not orphaned, never
                    pruned): {error.holds.join(', ')}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function ViewToggle(props: { view: 'cards' | 'map'; set: (change: Partial<FleetQuery>) => void }) {
  return (
    <fieldset class="view-toggle" aria-label="fleet view">
      {(['cards', 'map'] as const).map((view) => (
        <button
          key={view}
          type="button"
          class="outline small"
          aria-pressed={props.view === view ? 'true' : 'false'}
          data-testid={`fleet-view-${view}`}
          onClick={() => props.set({ view })}
        >
          {view === 'cards' ? 'Cards' : 'Heat map'}
        </button>
      ))}
    </fieldset>
  );
}

function FleetFilters(props: {
  status: Status;
  namespaces: string[];
  query: FleetQuery;
  view: 'cards' | 'map';
  group?: string;
  set: (change: Partial<FleetQuery>) => void;
}) {
  const { status, namespaces, query, view, group, set } = props;
  const labelOptions = uniqueSorted(
    status.clusters.flatMap((c) => Object.entries(c.labels).map(([k, v]) => `${k}=${v}`)),
  );
  return (
    <Filters label="Filter clusters" clearHref={Object.keys(query).length > 0 ? fleetHref() : undefined}>
      <FilterSelect
        label="Label"
        name="label"
        value={query.label}
        options={labelOptions}
        onChange={(label) => set({ label })}
      />
      <FilterSelect
        label="Namespace"
        name="namespace"
        value={query.namespace}
        options={namespaces}
        onChange={(namespace) => set({ namespace })}
      />
      <FilterSelect
        label="Status"
        name="status"
        value={query.status}
        options={statuses}
        onChange={(s) => set({ status: s })}
      />
      {view === 'map' && (
        <FilterSelect
          label="Group rows by"
          name="group"
          value={group}
          options={labelKeys(status.clusters)}
          emptyLabel="cluster"
          onChange={(g) => set({ group: g })}
        />
      )}
    </Filters>
  );
}

function FleetView(props: { status: Status; cells: NamespaceState[]; query: FleetQuery }) {
  const { status, cells, query } = props;
  const set = (change: Partial<FleetQuery>) => navigate(fleetHref({ ...query, ...change }), true);
  const namespaces = uniqueSorted(cells.map((cell) => cell.namespace));
  const shown = status.clusters.filter((cluster) => matches(cluster, query));
  const shownNames = new Set(shown.map((c) => c.name));
  const driftedIn = (cluster: ClusterStatus) =>
    query.namespace
      ? (cells.find((c) => c.cluster === cluster.name && c.namespace === query.namespace)?.drifted ?? 0)
      : cluster.drifted;
  const counts = statuses.map((s) => [s, status.clusters.filter((c) => c.status === s).length] as const);
  const view =
    query.view === 'cards' || query.view === 'map'
      ? query.view
      : status.clusters.length > cardLimit
        ? 'map'
        : 'cards';
  const group = query.group && labelKeys(status.clusters).includes(query.group) ? query.group : undefined;
  const map =
    view === 'map'
      ? heatMap(
          shown,
          cells.filter(
            (c) => shownNames.has(c.cluster) && (!query.namespace || c.namespace === query.namespace),
          ),
          group,
        )
      : undefined;
  return (
    <>
      <RepoState status={status} />
      <ul class="status-counts" aria-label="clusters by status">
        {counts.map(([value, count]) => (
          <li key={value}>
            <button
              type="button"
              class="outline small"
              aria-pressed={query.status === value ? 'true' : 'false'}
              onClick={() => set({ status: query.status === value ? undefined : value })}
            >
              <Badge value={value} /> {count}
            </button>
          </li>
        ))}
      </ul>
      <FleetFilters
        status={status}
        namespaces={namespaces}
        query={query}
        view={view}
        group={group}
        set={set}
      />
      <div class="fleet-bar">
        <p class="muted" aria-live="polite">
          {shown.length} of {status.clusters.length} cluster(s)
        </p>
        <ViewToggle view={view} set={set} />
      </div>
      {map ? (
        <>
          <HeatLegend />
          <HeatMapTable map={map} groupBy={group} />
        </>
      ) : (
        <div class="cluster-grid">
          {shown.map((cluster) => (
            <ClusterCard
              key={cluster.name}
              cluster={cluster}
              revision={status.revision}
              drifted={driftedIn(cluster)}
              namespace={query.namespace}
            />
          ))}
        </div>
      )}
    </>
  );
}

/** FleetPage is the console's home: `#/` (`?label=k=v&namespace=&status=&view=cards|map&group=`). */
export function FleetPage(props: { query: Record<string, string> }) {
  const status = useResource<Status>('status');
  const cells = useResource<NamespaceStates>('namespaces');
  return (
    <>
      <PageTitle>Fleet</PageTitle>
      <Loadable resource={status}>
        {(data) => <FleetView status={data} cells={cells.data?.namespaces ?? []} query={props.query} />}
      </Loadable>
    </>
  );
}
