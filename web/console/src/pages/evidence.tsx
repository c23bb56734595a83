/**
 * EvidenceView: what was gathered for an incident before any diagnosis — the workloads the alerts
 * name (pods with restarts and waiting reasons, the configs they use, events), each referenced
 * ConfigMap/Secret (drift, commits, who uses it), and notes on what could not be gathered.
 */
import type {
  ConfigEvidence,
  EventSummary,
  EvidenceBundle,
  WorkloadEvidence,
} from '../../../contract/incidents.ts';
import { objectHref } from '../route.ts';
import { Badge, List, ObjectLink, RelTime, Sha, TableScroll } from '../ui/bits.tsx';
import { DiffView, type RepoContext } from '../ui/diff.tsx';

function Events(props: { events: EventSummary[] }) {
  if (props.events.length === 0) return null;
  return (
    <TableScroll label="events">
      <table>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Reason</th>
            <th scope="col">Message</th>
            <th scope="col">Count</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {props.events.map((event, index) => (
            <tr key={index}>
              <td>{event.type}</td>
              <td>{event.reason}</td>
              <td class="prewrap">{event.message}</td>
              <td>{event.count}</td>
              <td>
                <RelTime iso={event.lastSeen} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function Pods(props: { workload: WorkloadEvidence }) {
  const rows = props.workload.pods.flatMap((pod) => pod.containers.map((container) => ({ pod, container })));
  if (rows.length === 0) return <p class="muted">No pods found.</p>;
  return (
    <TableScroll label="pods">
      <table>
        <thead>
          <tr>
            <th scope="col">Pod</th>
            <th scope="col">Phase</th>
            <th scope="col">Container</th>
            <th scope="col">Ready</th>
            <th scope="col">Restarts</th>
            <th scope="col">Waiting</th>
            <th scope="col">Last termination</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ pod, container }) => (
            <tr key={`${pod.name}/${container.name}`}>
              <td>{pod.name}</td>
              <td>{pod.phase}</td>
              <td>{container.name}</td>
              <td>{container.ready ? 'yes' : <strong>no</strong>}</td>
              <td>{container.restarts > 0 ? <strong>{container.restarts}</strong> : 0}</td>
              <td>
                {container.waiting && (
                  <>
                    <Badge value="failed" label={container.waiting.reason} />{' '}
                    <span class="prewrap">{container.waiting.message}</span>
                  </>
                )}
              </td>
              <td>
                {container.lastTermination && (
                  <>
                    {container.lastTermination.reason} exit {container.lastTermination.exitCode ?? '?'}{' '}
                    <RelTime iso={container.lastTermination.finishedAt} />
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function Workload(props: { workload: WorkloadEvidence }) {
  const { workload } = props;
  const { subject } = workload;
  return (
    <article class="evidence-item">
      <h4>
        {subject.cluster}: {subject.namespace}/{subject.kind}/{subject.name}
        {subject.container && <span class="muted"> (container {subject.container})</span>}
      </h4>
      {workload.error && <p class="error">Could not read it: {workload.error}</p>}
      {!workload.found && !workload.error && <p class="muted">Not found.</p>}
      <Pods workload={workload} />
      {workload.references.length > 0 && (
        <ul>
          {workload.references.map((ref) => (
            <li key={`${ref.kind}/${ref.namespace}/${ref.name}`}>
              uses{' '}
              <a
                href={objectHref({ cluster: subject.cluster, ...ref })}
              >{`${ref.kind} ${ref.namespace}/${ref.name}`}</a>{' '}
              <span class="muted">
                via {ref.via.join(', ')}
                {ref.keys.length > 0 && ` · keys ${ref.keys.join(', ')}`}
              </span>
            </li>
          ))}
        </ul>
      )}
      <Events events={workload.events} />
    </article>
  );
}

function Commits(props: { config: ConfigEvidence }) {
  if (props.config.commits.length === 0) return null;
  return (
    <ul class="commits">
      {props.config.commits.map((commit) => (
        <li key={`${commit.commit}/${commit.file}`}>
          <Sha commit={commit.commit} /> {commit.summary} <span class="muted">{commit.author}</span>{' '}
          <RelTime iso={commit.time} /> <code class="muted">{commit.file}</code>
        </li>
      ))}
    </ul>
  );
}

function Config(props: { config: ConfigEvidence; repo: RepoContext }) {
  const { config } = props;
  const drift = config.drift && { ...config.drift, provenance: config.drift.provenance ?? config.provenance };
  return (
    <article class="evidence-item">
      <h4>
        <ObjectLink object={config} showCluster />{' '}
        <Badge
          value={config.managed ? 'in-sync' : 'unknown'}
          label={config.managed ? 'managed by git' : 'not in git'}
        />
        {drift && drift.status !== 'in-sync' && (
          <>
            {' '}
            <Badge value={drift.status} />
          </>
        )}
      </h4>
      {config.usedBy.length > 0 && (
        <p class="muted">
          used by{' '}
          {config.usedBy
            .map((use) => `${use.workload}${use.keys.length ? ` (${use.keys.join(', ')})` : ''}`)
            .join('; ')}
        </p>
      )}
      {config.liveError && <p class="error">Live object: {config.liveError}</p>}
      {drift && drift.status !== 'in-sync' && <DiffView drift={drift} repo={props.repo} />}
      <p class="muted small">
        {config.drifts.length} recent drift detection(s) · {config.remediations.length} remediation(s)
      </p>
      <Commits config={config} />
      <Events events={config.events} />
    </article>
  );
}

/** EvidenceView renders an incident's evidence bundle. */
export function EvidenceView(props: { evidence: EvidenceBundle; repo: RepoContext }) {
  const { evidence } = props;
  return (
    <section class="evidence" aria-labelledby="evidence-title">
      <h2 id="evidence-title">Evidence</h2>
      {evidence.revision && (
        <p class="muted">
          Git revision at the time: <Sha commit={evidence.revision} />
        </p>
      )}
      <h3>Workloads</h3>
      {evidence.workloads.length === 0 && <p class="muted">The alerts name no workload.</p>}
      {evidence.workloads.map((workload) => (
        <Workload
          key={`${workload.subject.cluster}/${workload.subject.namespace}/${workload.subject.kind}/${workload.subject.name}`}
          workload={workload}
        />
      ))}
      <h3>Referenced configs</h3>
      {evidence.configs.length === 0 && <p class="muted">No ConfigMap or Secret involved.</p>}
      {evidence.configs.map((config) => (
        <Config
          key={`${config.cluster}/${config.namespace}/${config.kind}/${config.name}`}
          config={config}
          repo={props.repo}
        />
      ))}
      {evidence.notes.length > 0 && (
        <>
          <h3>Notes</h3>
          <List items={evidence.notes} />
        </>
      )}
    </section>
  );
}
