/**
 * Incidents: alert groups received from Alertmanager
 * (`#/incidents?status=firing|resolved&cluster=&namespace=&q=&cursor=`, 100 a page), with their
 * investigation state and, once diagnosed, the one-line summary. A row opens the incident.
 */

import type { Status } from '../../../contract/api.ts';
import type { IncidentList, IncidentSummary } from '../../../contract/incidents.ts';
import { useResource } from '../context.ts';
import { apiQuery, incidentHref } from '../route.ts';
import { Badge, Loadable, Pager, PageTitle, RelTime, TableScroll } from '../ui/bits.tsx';
import { FilterSelect, Filters } from '../ui/filters.tsx';
import { SearchBox } from '../ui/search.tsx';
import { navigate } from '../use-route.ts';

type IncidentsQuery = { status?: string; cluster?: string; namespace?: string; q?: string; cursor?: string };

const incidentsHref = (query: IncidentsQuery) => apiQuery('#/incidents', query);

/** incidentTitle names an incident by its alert name, else its id. */
export function incidentTitle(incident: IncidentSummary): string {
  return incident.commonLabels.alertname ?? incident.alerts[0]?.labels.alertname ?? incident.id;
}

function IncidentRow(props: { incident: IncidentSummary }) {
  const { incident } = props;
  const summary = incident.commonAnnotations.summary ?? incident.commonAnnotations.description ?? '';
  return (
    <tr data-nav-row data-testid={`incident-${incident.id}`}>
      <td>
        <a href={incidentHref(incident.id)}>
          {incident.id} · {incidentTitle(incident)}
        </a>
        {summary && <div class="muted clamp">{summary}</div>}
      </td>
      <td>
        <Badge value={incident.status} />
      </td>
      <td>
        <RelTime iso={incident.opened} />
      </td>
      <td>
        <RelTime iso={incident.updated} />
      </td>
      <td>
        <Badge value={incident.investigation} />
      </td>
      <td>
        {incident.diagnosis ? (
          <>
            <span class="muted">{incident.diagnosis.source === 'llm' ? 'LLM' : 'Heuristic'}:</span>{' '}
            <span class="clamp">{incident.diagnosis.answer.summary}</span>
          </>
        ) : (
          <span class="muted">—</span>
        )}
      </td>
    </tr>
  );
}

/** IncidentsPage lists incidents: `#/incidents`. */
export function IncidentsPage(props: { query: IncidentsQuery }) {
  const { query } = props;
  const status = query.status;
  const incidents = useResource<IncidentList>(apiQuery('incidents', { ...query, limit: 100 }));
  const fleet = useResource<Status>('status');
  const set = (change: IncidentsQuery) =>
    navigate(incidentsHref({ ...query, cursor: undefined, ...change }), true);
  return (
    <>
      <PageTitle>Incidents</PageTitle>
      <Filters label="Filter incidents" clearHref={Object.keys(query).length > 0 ? '#/incidents' : undefined}>
        <SearchBox value={query.q} label="Alert or object" onSearch={(q) => set({ q })} />
        <FilterSelect
          label="Status"
          name="status"
          value={status}
          options={['firing', 'resolved']}
          onChange={(value) => set({ status: value })}
        />
        <FilterSelect
          label="Cluster"
          name="cluster"
          value={query.cluster}
          options={(fleet.data?.clusters ?? []).map((c) => c.name)}
          onChange={(cluster) => set({ cluster })}
        />
      </Filters>
      <Loadable resource={incidents}>
        {(data) =>
          data.incidents.length === 0 ? (
            <p class="all-good">No incidents{status ? ` ${status}` : ''}.</p>
          ) : (
            <TableScroll label="incidents">
              <table class="striped">
                <thead>
                  <tr>
                    <th scope="col">Incident</th>
                    <th scope="col">Status</th>
                    <th scope="col">Opened</th>
                    <th scope="col">Updated</th>
                    <th scope="col">Investigation</th>
                    <th scope="col">Diagnosis</th>
                  </tr>
                </thead>
                <tbody>
                  {data.incidents.map((incident) => (
                    <IncidentRow key={incident.id} incident={incident} />
                  ))}
                </tbody>
              </table>
              <Pager
                first={query.cursor ? incidentsHref({ ...query, cursor: undefined }) : undefined}
                next={data.next ? incidentsHref({ ...query, cursor: data.next }) : undefined}
              />
            </TableScroll>
          )
        }
      </Loadable>
    </>
  );
}
