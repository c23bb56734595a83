/**
 * HistoryTables: the audit trail as two tables — remediations (who did what, with the dry-run
 * verdict) and drift detections (what changed, who changed it) — newest first. Used by History and
 * by each object's page.
 */
import type { History } from '../../../contract/api.ts';
import type { AuditRecord, DriftRecord, RemediationRecord } from '../../../contract/drift.ts';
import { Badge, ErrorCode, ObjectLink, RelTime, Sha, TableScroll } from '../ui/bits.tsx';

function RemediationRow(props: { record: RemediationRecord }) {
  const { record } = props;
  const { entry } = record;
  return (
    <tr data-testid={`remediation-${record.id}`}>
      <td>
        <RelTime iso={record.time} />
      </td>
      <td>{record.actor}</td>
      <td>
        <ObjectLink object={entry} showCluster />
      </td>
      <td>
        <code>{entry.action}</code> {entry.approval && <span class="muted">({entry.approval})</span>}
      </td>
      <td>{entry.dryRun ? <Badge value={entry.dryRun} /> : <span class="muted">—</span>}</td>
      <td>
        {entry.error ? <span class="error">{entry.error}</span> : entry.reasons.join('; ')}
        {entry.failure && <ErrorCode code={entry.failure.code} transient={entry.failure.transient} />}
        {entry.decision && <span class="muted"> · policy {entry.decision.mode}</span>}
      </td>
      <td>
        <Sha commit={record.revision} />
      </td>
    </tr>
  );
}

function DriftRow(props: { record: DriftRecord }) {
  const { record } = props;
  const { drift } = record;
  return (
    <tr data-testid={`drift-record-${record.id}`}>
      <td>
        <RelTime iso={record.time} />
      </td>
      <td>
        <ObjectLink object={drift} showCluster />
      </td>
      <td>
        <Badge value={drift.status} />
      </td>
      <td>
        {drift.changes.map((change) => (
          <code key={change.path} class="path">
            {change.path}
          </code>
        ))}
      </td>
      <td>
        {drift.driftedBy
          .map(
            (writer) => `${writer.user ? `${writer.user} with ` : ''}${writer.manager} (${writer.operation})`,
          )
          .join(', ') || '—'}
      </td>
      <td>
        <Sha commit={record.revision} />
      </td>
    </tr>
  );
}

/** HistoryTables renders history records; limit keeps an object page's excerpt short. */
export function HistoryTables(props: { history: History; limit?: number }) {
  const remediations = props.history.remediations.slice(0, props.limit);
  const drifts = props.history.drifts.slice(0, props.limit);
  return (
    <div class="history">
      <h3>Remediations ({props.history.remediations.length})</h3>
      {remediations.length === 0 ? (
        <p class="muted">None recorded.</p>
      ) : (
        <TableScroll label="remediations">
          <table class="striped">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Object</th>
                <th scope="col">Action</th>
                <th scope="col">Dry-run</th>
                <th scope="col">Result</th>
                <th scope="col">Revision</th>
              </tr>
            </thead>
            <tbody>
              {remediations.map((record) => (
                <RemediationRow key={record.id} record={record} />
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <h3>Drift detections ({props.history.drifts.length})</h3>
      {drifts.length === 0 ? (
        <p class="muted">None recorded.</p>
      ) : (
        <TableScroll label="drift detections">
          <table class="striped">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Object</th>
                <th scope="col">Status</th>
                <th scope="col">Changed</th>
                <th scope="col">Drifted by</th>
                <th scope="col">Revision</th>
              </tr>
            </thead>
            <tbody>
              {drifts.map((record) => (
                <DriftRow key={record.id} record={record} />
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {props.history.audit && <AuditTable records={props.history.audit} />}
    </div>
  );
}

/** AuditTable lists a user's writes from the Kubernetes audit log (a search by user). */
function AuditTable(props: { records: AuditRecord[] }) {
  return (
    <>
      <h3>Writes in the audit log ({props.records.length})</h3>
      <TableScroll label="audit log writes">
        <table class="striped">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">User</th>
              <th scope="col">Object</th>
              <th scope="col">Verb</th>
              <th scope="col">Manager</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {props.records.map((r) => (
              <tr key={`${r.cluster}/${r.auditID}`} data-testid="audit-record">
                <td>
                  <RelTime iso={r.requestTime} />
                </td>
                <td>{r.user}</td>
                <td>
                  <ObjectLink object={r} showCluster />
                </td>
                <td>{r.verb}</td>
                <td>{r.fieldManager ?? r.userAgent.split('/')[0]}</td>
                <td>{r.sourceIPs.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}
