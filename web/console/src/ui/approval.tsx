/**
 * ApprovalCard: one remediation pending approval with its change-set entry, dry-run verdict and reasons, and — for
 * operators, while it is pending — Approve and Reject with an optional note. A refusal (409: stale,
 * already decided) usually makes the approval leave the pending list on the next refetch, so the
 * page keeps refusals in Refusals (the server's reason and the fresh approval, when one was queued).
 */
import { useState } from 'preact/hooks';
import type { ApprovalOutcome } from '../../../contract/api.ts';
import type { Approval } from '../../../contract/drift.ts';
import { errorText, postJson } from '../api.ts';
import { useAnnounce, useSession } from '../context.ts';
import { Badge, ErrorCode, List, ObjectLink, RelTime, Sha } from './bits.tsx';
import { DecisionView, DiffView, type RepoContext } from './diff.tsx';

type Verb = 'approve' | 'reject';

const pastTense: Record<Verb, string> = { approve: 'approved', reject: 'rejected' };

/** Refusal is an approve/reject the server refused, kept on screen after the approval is gone. */
export interface Refusal {
  id: string;
  verb: string;
  reason: string;
  /** code is the refusal's TRUEUP_* code. */
  code?: string;
  fresh?: Approval;
}

/** useRefusals keeps the refusals of one page, newest first, until dismissed. */
export function useRefusals() {
  const [refusals, setRefusals] = useState<Refusal[]>([]);
  const add = (refusal: Refusal) =>
    setRefusals((old) => [refusal, ...old.filter((r) => r.id !== refusal.id)]);
  const dismiss = (id: string) => setRefusals((old) => old.filter((r) => r.id !== id));
  return { refusals, add, dismiss };
}

function focusApproval(id: string | undefined): void {
  const card = id ? document.getElementById(`approval-${id}`) : null;
  card?.scrollIntoView({ block: 'start' });
  card?.focus();
}

/** Refusals shows why approvals were refused and points at the fresh approval to review instead. */
export function Refusals(props: { refusals: Refusal[]; dismiss: (id: string) => void }) {
  if (props.refusals.length === 0) return null;
  return (
    <section class="refusals" aria-label="refused decisions">
      {props.refusals.map((refusal) => (
        <div class="refusal" role="alert" key={refusal.id} data-testid={`refusal-${refusal.id}`}>
          <p>
            <strong>
              {refusal.verb} {refusal.id} refused:
            </strong>{' '}
            {refusal.reason}
            {refusal.code && <ErrorCode code={refusal.code} />}
          </p>
          {refusal.fresh && (
            <p>
              A fresh approval <strong>{refusal.fresh.id}</strong> was queued for the object as it is now (
              {refusal.fresh.drift.changes.length} change(s), dry-run{' '}
              {refusal.fresh.entry.dryRun ?? 'not run'}); review it before approving.
            </p>
          )}
          {refusal.fresh && (
            <button type="button" class="outline small" onClick={() => focusApproval(refusal.fresh?.id)}>
              Review {refusal.fresh.id}
            </button>
          )}{' '}
          <button type="button" class="outline secondary small" onClick={() => props.dismiss(refusal.id)}>
            Dismiss
          </button>
        </div>
      ))}
    </section>
  );
}

/** DecideResult is the API's answer, or a request that failed before any answer (network, 5xx). */
type DecideResult = ApprovalOutcome | { ok: false; reason: string };

function useDecide(approval: Approval, onDone?: () => void, onRefused?: (refusal: Refusal) => void) {
  const announce = useAnnounce();
  const [busy, setBusy] = useState<Verb>();
  const [result, setResult] = useState<DecideResult>();
  const decide = async (verb: Verb, note: string) => {
    setBusy(verb);
    try {
      const path = `approvals/${encodeURIComponent(approval.id)}/${verb}`;
      const answer = await postJson<ApprovalOutcome>(path, note.trim() ? { note: note.trim() } : {});
      setResult(answer);
      if (!answer.ok)
        onRefused?.({
          id: approval.id,
          verb,
          reason: answer.reason ?? 'refused',
          ...(answer.code ? { code: answer.code } : {}),
          fresh: answer.fresh,
        });
      announce(
        answer.ok
          ? { text: `Approval ${approval.id} ${pastTense[verb]}.`, tone: 'ok' }
          : {
              text: `Approval ${approval.id} was not ${pastTense[verb]}: ${answer.reason ?? 'refused'}`,
              tone: 'error',
            },
      );
      onDone?.();
    } catch (error) {
      setResult({ ok: false, reason: errorText(error) });
      announce({ text: `Could not ${verb} ${approval.id}: ${errorText(error)}`, tone: 'error' });
    } finally {
      setBusy(undefined);
    }
  };
  return { busy, result, decide };
}

function Decided(props: { approval: Approval }) {
  const { approval } = props;
  if (!approval.decidedBy && !approval.decidedAt) return null;
  return (
    <p>
      {approval.state} by <strong>{approval.decidedBy ?? 'unknown'}</strong>
      {approval.channel && ` via ${approval.channel}`} <RelTime iso={approval.decidedAt} />
      {approval.note && <> · note: “{approval.note}”</>}
    </p>
  );
}

function Actions(props: { approval: Approval; busy?: Verb; decide: (verb: Verb, note: string) => void }) {
  const { approval, busy } = props;
  const [note, setNote] = useState('');
  const id = approval.id;
  return (
    <form class="approval-actions" onSubmit={(event) => event.preventDefault()}>
      <label>
        Note (optional)<span class="sr-only"> for {id}</span>
        <input
          type="text"
          name="note"
          value={note}
          maxLength={500}
          onInput={(event) => setNote(event.currentTarget.value)}
          placeholder="why, ticket, who asked…"
        />
      </label>
      <div class="buttons">
        <button
          type="button"
          data-testid={`approve-${id}`}
          disabled={busy !== undefined}
          aria-busy={busy === 'approve' ? 'true' : undefined}
          onClick={() => props.decide('approve', note)}
        >
          Approve {id}
        </button>
        <button
          type="button"
          class="secondary"
          data-testid={`reject-${id}`}
          disabled={busy !== undefined}
          aria-busy={busy === 'reject' ? 'true' : undefined}
          onClick={() => props.decide('reject', note)}
        >
          Reject
        </button>
      </div>
    </form>
  );
}

/** ApprovalCard renders one approval; onDone runs after a decision so the list can refetch. */
export function ApprovalCard(props: {
  approval: Approval;
  repo: RepoContext;
  onDone?: () => void;
  onRefused?: (refusal: Refusal) => void;
  /** compact: the page already shows the drift and decision (an object's page); fold them away. */
  compact?: boolean;
}) {
  const { approval, repo } = props;
  const { canOperate } = useSession();
  const { busy, result, decide } = useDecide(approval, props.onDone, props.onRefused);
  const entry = approval.entry;
  return (
    <article
      class="approval"
      id={`approval-${approval.id}`}
      tabIndex={-1}
      data-testid={`approval-${approval.id}`}
      aria-labelledby={`approval-title-${approval.id}`}
    >
      <header>
        <h3 id={`approval-title-${approval.id}`}>
          <span class="approval-id">{approval.id}</span> <ObjectLink object={entry} showCluster />
        </h3>
        <p>
          <Badge value={approval.state} /> · queued <RelTime iso={approval.created} /> · revision{' '}
          <Sha commit={approval.revision} /> · live resourceVersion <code>{approval.resourceVersion}</code>
        </p>
      </header>
      <p>
        Planned action: <strong>{entry.pending?.action ?? entry.action}</strong> · dry-run:{' '}
        {entry.dryRun ? <Badge value={entry.dryRun} /> : <span class="muted">not run</span>}
        {entry.error && <span class="error"> · {entry.error}</span>}
        {entry.failure && <ErrorCode code={entry.failure.code} transient={entry.failure.transient} />}
      </p>
      <List items={entry.reasons} />
      {!props.compact && <DecisionView decision={entry.decision ?? approval.drift.decision} />}
      <details open={!props.compact}>
        <summary>Field changes ({approval.drift.changes.length})</summary>
        <DiffView drift={approval.drift} repo={repo} />
      </details>
      <Decided approval={approval} />
      {result && !result.ok && (
        <p class="error refusal" role="alert">
          Refused: {result.reason}
        </p>
      )}
      {approval.state === 'pending' &&
        (canOperate ? (
          <Actions approval={approval} busy={busy} decide={decide} />
        ) : (
          <p class="muted">Operators can approve or reject this change; you are signed in as a viewer.</p>
        ))}
    </article>
  );
}
