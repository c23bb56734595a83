/**
 * Drifts: every object that is not in sync, filtered, searched and paged by the server
 * (`#/drifts?cluster=&label=&namespace=&status=&kind=&q=&cursor=`, 100 a page), each row saying what
 * changed, who changed it and what the policy will do; the object link opens the diff. Rows are
 * keyboard rows (j/k, Enter).
 */

import type { DriftList, Status } from '../../../contract/api.ts';
import type { Drift } from '../../../contract/drift.ts';
import type { NamespaceStates } from '../../../contract/fleet.ts';
import { useResource } from '../context.ts';
import { apiQuery, type DriftsQuery, driftsHref } from '../route.ts';
import {
  Badge,
  FlapBadge,
  Loadable,
  ObjectLink,
  Pager,
  PageTitle,
  RelTime,
  TableScroll,
} from '../ui/bits.tsx';
import { FilterSelect, Filters, uniqueSorted } from '../ui/filters.tsx';
import { SearchBox } from '../ui/search.tsx';
import { navigate } from '../use-route.ts';

type DriftQuery = DriftsQuery;

const pageSize = 100;

const maxPaths = 3;

function DriftRow(props: { drift: Drift }) {
  const { drift } = props;
  const paths = drift.changes.map((change) => change.path);
  const latest = drift.driftedBy.reduce<string | undefined>(
    (max, writer) => (writer.time && (!max || writer.time > max) ? writer.time : max),
    undefined,
  );
  return (
    <tr
      data-nav-row
      data-testid={`drift-row-${drift.cluster}-${drift.namespace}-${drift.kind}-${drift.name}`}
    >
      <td class="nowrap">{drift.cluster}</td>
      <td>
        <ObjectLink object={drift} />
      </td>
      <td>
        <Badge value={drift.status} />
        <FlapBadge
          flap={drift.flap}
          testid={`drift-flap-${drift.cluster}-${drift.namespace}-${drift.kind}-${drift.name}`}
        />
      </td>
      <td>
        {paths.slice(0, maxPaths).map((path) => (
          <code key={path} class="path">
            {path}
          </code>
        ))}
        {paths.length > maxPaths && <span class="muted"> +{paths.length - maxPaths} more</span>}
      </td>
      <td>
        {drift.driftedBy.length === 0 ? (
          <span class="muted">unknown</span>
        ) : (
          <>
            {uniqueSorted(drift.driftedBy.map((writer) => writer.manager)).join(', ')}{' '}
            <RelTime iso={latest} />
          </>
        )}
      </td>
      <td>
        {drift.decision ? <Badge value={drift.decision.mode} /> : <span class="muted">—</span>}
        {drift.decision?.hold && <span class="muted"> (held: {drift.decision.hold})</span>}
      </td>
    </tr>
  );
}

function DriftFilters(props: { query: DriftQuery }) {
  const { query } = props;
  const status = useResource<Status>('status');
  const cells = useResource<NamespaceStates>('namespaces');
  // A new filter starts again at the first page.
  const set = (change: DriftQuery) => navigate(driftsHref({ ...query, cursor: undefined, ...change }), true);
  const clusters = status.data?.clusters ?? [];
  return (
    <Filters label="Filter drifts" clearHref={Object.keys(query).length > 0 ? driftsHref() : undefined}>
      <SearchBox value={query.q} onSearch={(q) => set({ q })} />
      <FilterSelect
        label="Cluster"
        name="cluster"
        value={query.cluster}
        options={uniqueSorted(clusters.map((c) => c.name))}
        onChange={(cluster) => set({ cluster })}
      />
      <FilterSelect
        label="Cluster label"
        name="label"
        value={query.label}
        options={uniqueSorted(clusters.flatMap((c) => Object.entries(c.labels).map(([k, v]) => `${k}=${v}`)))}
        onChange={(label) => set({ label })}
      />
      <FilterSelect
        label="Namespace"
        name="namespace"
        value={query.namespace}
        options={uniqueSorted((cells.data?.namespaces ?? []).map((c) => c.namespace))}
        onChange={(namespace) => set({ namespace })}
      />
      <FilterSelect
        label="Status"
        name="status"
        value={query.status}
        options={['modified', 'missing', 'orphaned', 'unknown']}
        onChange={(s) => set({ status: s })}
      />
      <FilterSelect
        label="Kind"
        name="kind"
        value={query.kind}
        options={['ConfigMap', 'Secret']}
        onChange={(kind) => set({ kind })}
      />
    </Filters>
  );
}

function DriftTable(props: { list: DriftList; query: DriftQuery }) {
  const { list, query } = props;
  const filtered = Object.keys(query).some((k) => k !== 'cursor');
  const total = list.total ?? list.drifts.length;
  return (
    <>
      <p class="muted" aria-live="polite" data-testid="drift-count">
        {list.drifts.length} of {total} drifted object(s){filtered ? ' matching' : ''}
        {query.cursor ? ' (a later page)' : ''}
      </p>
      {list.drifts.length === 0 ? (
        <p class="all-good">Nothing drifted{filtered ? ' matches these filters' : ''}.</p>
      ) : (
        <TableScroll label="drifted objects">
          <table class="striped">
            <thead>
              <tr>
                <th scope="col">Cluster</th>
                <th scope="col">Object</th>
                <th scope="col">Status</th>
                <th scope="col">Changed</th>
                <th scope="col">Drifted by</th>
                <th scope="col">Policy</th>
              </tr>
            </thead>
            <tbody>
              {list.drifts.map((drift) => (
                <DriftRow
                  key={`${drift.cluster}/${drift.namespace}/${drift.kind}/${drift.name}`}
                  drift={drift}
                />
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <Pager
        first={query.cursor ? driftsHref({ ...query, cursor: undefined }) : undefined}
        next={list.next ? driftsHref({ ...query, cursor: list.next }) : undefined}
      />
    </>
  );
}

/** DriftsPage lists drifted objects: `#/drifts`. */
export function DriftsPage(props: { query: DriftQuery }) {
  const drifts = useResource<DriftList>(apiQuery('drifts', { ...props.query, limit: pageSize }));
  return (
    <>
      <PageTitle>Drifts</PageTitle>
      <DriftFilters query={props.query} />
      <Loadable resource={drifts}>{(data) => <DriftTable list={data} query={props.query} />}</Loadable>
    </>
  );
}
