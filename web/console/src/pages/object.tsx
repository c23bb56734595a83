/**
 * Object: one ConfigMap or Secret on one cluster (`#/objects/<cluster>/<namespace>/<kind>/<name>`) —
 * the diff of its declared keys with who drifted each field, the policy decision, the pending
 * approvals to approve or reject, "Remediate now" when the policy and role allow it, where git sets
 * every key, and its recent history. Chat messages and alerts link here.
 */
import { useState } from 'preact/hooks';
import type { ObjectDetail, RemediateOutcome, Status } from '../../../contract/api.ts';
import type { ObjectRef } from '../../../contract/drift.ts';
import { errorText, postJson } from '../api.ts';
import { useAnnounce, useResource, useSession } from '../context.ts';
import { historyHref, objectApiPath } from '../route.ts';
import { ApprovalCard, Refusals, useRefusals } from '../ui/approval.tsx';
import { Badge, FlapBadge, Loadable, PageTitle, RelTime, TableScroll } from '../ui/bits.tsx';
import { DecisionView, DiffView, Provenance, type RepoContext } from '../ui/diff.tsx';
import { HistoryTables } from './history-tables.tsx';

function Remediate(props: { object: ObjectRef; onDone: () => void }) {
  const announce = useAnnounce();
  const [step, setStep] = useState<'idle' | 'confirm' | 'busy'>('idle');
  const [refusal, setRefusal] = useState<string>();
  const run = async () => {
    setStep('busy');
    setRefusal(undefined);
    try {
      const answer = await postJson<RemediateOutcome>(`${objectApiPath(props.object)}/remediate`, {});
      if (answer.ok)
        announce({
          text: `Remediated ${props.object.name}: ${answer.entry?.action ?? 'applied'}.`,
          tone: 'ok',
        });
      else {
        setRefusal(answer.reason);
        announce({ text: `Remediation refused: ${answer.reason ?? 'refused'}`, tone: 'error' });
      }
      props.onDone();
    } catch (error) {
      setRefusal(errorText(error));
      announce({ text: `Remediation failed: ${errorText(error)}`, tone: 'error' });
    } finally {
      setStep('idle');
    }
  };
  return (
    <div class="remediate">
      {step === 'confirm' ? (
        <fieldset class="buttons">
          <legend class="sr-only">Confirm remediation</legend>
          <span>
            Put git's version back on <strong>{props.object.cluster}</strong> (dry-run first)?
          </span>
          <button type="button" data-testid="remediate-confirm" onClick={run}>
            Yes, remediate
          </button>
          <button type="button" class="secondary" onClick={() => setStep('idle')}>
            Cancel
          </button>
        </fieldset>
      ) : (
        <button
          type="button"
          data-testid="remediate"
          aria-busy={step === 'busy' ? 'true' : undefined}
          disabled={step === 'busy'}
          onClick={() => setStep('confirm')}
        >
          Remediate now
        </button>
      )}
      {refusal && (
        <p class="error" role="alert">
          Refused: {refusal}
        </p>
      )}
    </div>
  );
}

function ProvenanceTable(props: { detail: ObjectDetail; repo: RepoContext }) {
  const entries = Object.entries(props.detail.provenance).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <p class="muted">Git does not declare this object.</p>;
  return (
    <TableScroll label="provenance of desired keys">
      <table>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Set in</th>
            <th scope="col">Last commit</th>
          </tr>
        </thead>
        <tbody>
          {entries.map(([path, origin]) => (
            <tr key={path}>
              <td>
                <code>{path}</code>
              </td>
              <td>
                <Provenance origin={origin} repo={props.repo} />
              </td>
              <td>
                {origin.summary ?? ''} {origin.author && <span class="muted">by {origin.author}</span>}{' '}
                <RelTime iso={origin.time} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function ObjectView(props: { detail: ObjectDetail; repo: RepoContext; reload: () => void }) {
  const { detail, repo, reload } = props;
  const { canOperate } = useSession();
  const { refusals, add, dismiss } = useRefusals();
  return (
    <>
      <p>
        <Badge value={detail.status} testid="object-status" /> on cluster{' '}
        <strong>{detail.ref.cluster}</strong>
        <FlapBadge flap={detail.drift?.flap} testid="object-flap" />
      </p>
      {detail.actions.remediate && canOperate && <Remediate object={detail.ref} onDone={reload} />}
      <section aria-labelledby="drift-title">
        <h2 id="drift-title">Drift</h2>
        {detail.drift && detail.drift.status !== 'in-sync' ? (
          <>
            <DiffView drift={detail.drift} repo={repo} />
            <DecisionView decision={detail.drift.decision} />
          </>
        ) : (
          <p class="all-good">
            {detail.status === 'in-sync' ? 'In sync with git.' : `Status: ${detail.status}.`}
          </p>
        )}
      </section>
      <section aria-labelledby="approvals-title">
        <h2 id="approvals-title">Pending approvals</h2>
        <Refusals refusals={refusals} dismiss={dismiss} />
        {detail.approvals.length === 0 && <p class="muted">None.</p>}
        {detail.approvals.map((approval) => (
          <ApprovalCard
            key={approval.id}
            approval={approval}
            repo={repo}
            onDone={reload}
            onRefused={add}
            compact
          />
        ))}
      </section>
      <section aria-labelledby="provenance-title">
        <h2 id="provenance-title">Where git sets each key</h2>
        <ProvenanceTable detail={detail} repo={repo} />
      </section>
      <section aria-labelledby="history-title">
        <h2 id="history-title">Recent history</h2>
        <HistoryTables history={detail.history} limit={10} />
        <p>
          <a
            href={historyHref({
              cluster: detail.ref.cluster,
              namespace: detail.ref.namespace,
              name: detail.ref.name,
            })}
          >
            Full history of this object
          </a>
        </p>
      </section>
    </>
  );
}

/** ObjectPage shows one object: `#/objects/<cluster>/<namespace>/<kind>/<name>`. */
export function ObjectPage(props: { params: Record<string, string> }) {
  const ref = {
    cluster: props.params.cluster ?? '',
    namespace: props.params.namespace ?? '',
    kind: props.params.kind ?? '',
    name: props.params.name ?? '',
  };
  const detail = useResource<ObjectDetail>(objectApiPath(ref));
  const status = useResource<Status>('status');
  const repo: RepoContext = { repoWebUrl: status.data?.repoWebUrl, revision: status.data?.revision };
  return (
    <>
      <PageTitle>
        <span class="muted">{ref.kind}</span> {ref.namespace}/{ref.name}
      </PageTitle>
      <Loadable resource={detail}>
        {(data) => <ObjectView detail={data} repo={repo} reload={detail.reload} />}
      </Loadable>
    </>
  );
}
