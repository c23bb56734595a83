/**
 * Drifts: every object that is not in sync, filterable by cluster, namespace, status and kind
 * (`#/drifts?cluster=&namespace=&status=&kind=`), each row saying what changed, who changed it and
 * what the policy will do; the object link opens the diff.
 */

import type { Drift } from '../../../contract/drift.ts';
import { useResource } from '../context.ts';
import { driftsHref } from '../route.ts';
import { Badge, FlapBadge, Loadable, ObjectLink, PageTitle, RelTime, TableScroll } from '../ui/bits.tsx';
import { FilterSelect, Filters, uniqueSorted } from '../ui/filters.tsx';
import { navigate } from '../use-route.ts';

type DriftQuery = { cluster?: string; namespace?: string; status?: string; kind?: string };

const maxPaths = 3;

function DriftRow(props: { drift: Drift }) {
  const { drift } = props;
  const paths = drift.changes.map((change) => change.path);
  const latest = drift.driftedBy.reduce<string | undefined>(
    (max, writer) => (writer.time && (!max || writer.time > max) ? writer.time : max),
    undefined,
  );
  return (
    <tr data-testid={`drift-row-${drift.cluster}-${drift.namespace}-${drift.kind}-${drift.name}`}>
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

function matches(drift: Drift, query: DriftQuery): boolean {
  return (
    (!query.cluster || drift.cluster === query.cluster) &&
    (!query.namespace || drift.namespace === query.namespace) &&
    (!query.status || drift.status === query.status) &&
    (!query.kind || drift.kind === query.kind)
  );
}

function DriftTable(props: { drifts: Drift[]; query: DriftQuery }) {
  const { drifts, query } = props;
  const set = (change: DriftQuery) => navigate(driftsHref({ ...query, ...change }), true);
  const shown = drifts.filter((drift) => matches(drift, query));
  return (
    <>
      <Filters label="Filter drifts" clearHref={Object.keys(query).length > 0 ? driftsHref() : undefined}>
        <FilterSelect
          label="Cluster"
          name="cluster"
          value={query.cluster}
          options={uniqueSorted(drifts.map((d) => d.cluster))}
          onChange={(cluster) => set({ cluster })}
        />
        <FilterSelect
          label="Namespace"
          name="namespace"
          value={query.namespace}
          options={uniqueSorted(drifts.map((d) => d.namespace))}
          onChange={(namespace) => set({ namespace })}
        />
        <FilterSelect
          label="Status"
          name="status"
          value={query.status}
          options={['modified', 'missing', 'orphaned', 'unknown']}
          onChange={(status) => set({ status })}
        />
        <FilterSelect
          label="Kind"
          name="kind"
          value={query.kind}
          options={['ConfigMap', 'Secret']}
          onChange={(kind) => set({ kind })}
        />
      </Filters>
      <p class="muted" aria-live="polite">
        {shown.length} of {drifts.length} drifted object(s)
      </p>
      {shown.length === 0 ? (
        <p class="all-good">
          Nothing drifted{Object.keys(query).length > 0 ? ' matches these filters' : ''}.
        </p>
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
              {shown.map((drift) => (
                <DriftRow
                  key={`${drift.cluster}/${drift.namespace}/${drift.kind}/${drift.name}`}
                  drift={drift}
                />
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}

/** DriftsPage lists drifted objects: `#/drifts`. */
export function DriftsPage(props: { query: DriftQuery }) {
  const drifts = useResource<{ revision?: string; drifts: Drift[] }>('drifts');
  return (
    <>
      <PageTitle>Drifts</PageTitle>
      <Loadable resource={drifts}>
        {(data) => <DriftTable drifts={data.drifts} query={props.query} />}
      </Loadable>
    </>
  );
}
