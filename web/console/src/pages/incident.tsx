/**
 * Incident: one alert group (`#/incidents/<id>`) — its alerts, the diagnosis and proposed fix, and
 * the evidence behind them. Alert labels and annotations come from whoever can post alerts: they are
 * shown as text; only plain http(s) and console (`#/…`) links become links.
 */

import type { Status } from '../../../contract/api.ts';
import type { Alert, Incident } from '../../../contract/incidents.ts';
import { useResource } from '../context.ts';
import { Badge, Labels, Loadable, PageTitle, RelTime } from '../ui/bits.tsx';
import type { RepoContext } from '../ui/diff.tsx';
import { DiagnosisView, InjectionWarning } from './diagnosis.tsx';
import { EvidenceView } from './evidence.tsx';
import { incidentTitle } from './incidents.tsx';

function AnnotationValue(props: { value: string }) {
  const { value } = props;
  if (/^https?:\/\/\S+$/i.test(value) || /^#\/\S*$/.test(value))
    return (
      <a href={value} rel="noopener noreferrer" target={value.startsWith('#') ? undefined : '_blank'}>
        {value}
      </a>
    );
  return <span class="prewrap">{value}</span>;
}

function AlertItem(props: { alert: Alert }) {
  const { alert } = props;
  const annotations = Object.entries(alert.annotations);
  return (
    <li class="alert-item">
      <p>
        <Badge value={alert.status === 'firing' ? 'firing' : 'resolved'} label={alert.status} /> since{' '}
        <RelTime iso={alert.startsAt} />
        {alert.status !== 'firing' && alert.endsAt && (
          <>
            , ended <RelTime iso={alert.endsAt} />
          </>
        )}
      </p>
      <Labels labels={alert.labels} />
      {annotations.length > 0 && (
        <dl class="annotations">
          {annotations.map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd>
                <AnnotationValue value={value} />
              </dd>
            </div>
          ))}
        </dl>
      )}
    </li>
  );
}

function Investigation(props: { incident: Incident }) {
  const { incident } = props;
  if (incident.investigation === 'queued' || incident.investigation === 'running')
    return (
      <p aria-busy="true" class="investigating">
        Investigation {incident.investigation}… this page updates by itself.
      </p>
    );
  if (incident.investigation === 'failed')
    return (
      <p class="error" role="alert">
        Investigation failed: {incident.error ?? 'unknown error'}
      </p>
    );
  return null;
}

function IncidentView(props: { incident: Incident; repo: RepoContext }) {
  const { incident, repo } = props;
  return (
    <>
      <p>
        <Badge value={incident.status} /> · opened <RelTime iso={incident.opened} /> · updated{' '}
        <RelTime iso={incident.updated} />
        {incident.resolved && (
          <>
            {' '}
            · resolved <RelTime iso={incident.resolved} />
          </>
        )}{' '}
        · investigation <Badge value={incident.investigation} />
      </p>
      {incident.commonAnnotations.summary && <p class="summary">{incident.commonAnnotations.summary}</p>}
      <Investigation incident={incident} />
      <InjectionWarning injections={incident.evidence?.injections} />
      {incident.diagnosis && <DiagnosisView diagnosis={incident.diagnosis} repo={repo} />}
      <section aria-labelledby="alerts-title">
        <h2 id="alerts-title">Alerts ({incident.alerts.length})</h2>
        <ul class="alerts">
          {incident.alerts.map((alert, index) => (
            <AlertItem key={alert.fingerprint ?? index} alert={alert} />
          ))}
        </ul>
      </section>
      {incident.evidence && <EvidenceView evidence={incident.evidence} repo={repo} />}
    </>
  );
}

/** IncidentPage shows one incident: `#/incidents/<id>`. */
export function IncidentPage(props: { params: Record<string, string> }) {
  const id = props.params.id ?? '';
  const incident = useResource<Incident>(`incidents/${encodeURIComponent(id)}`);
  const status = useResource<Status>('status');
  const repo: RepoContext = { repoWebUrl: status.data?.repoWebUrl, revision: status.data?.revision };
  return (
    <>
      <PageTitle>
        Incident {id}
        {incident.data && ` · ${incidentTitle(incident.data)}`}
      </PageTitle>
      <Loadable resource={incident}>{(data) => <IncidentView incident={data} repo={repo} />}</Loadable>
    </>
  );
}
