/**
 * DiagnosisView: an incident's diagnosis, labelled with who produced it — the LLM (and which model)
 * or the offline heuristic (and why it fell back) — with confidence, risk, root cause, the evidence
 * it cites, the proposed fix, and the fix's validation. A validated fix waiting for approval can be
 * approved right here (the same approval as on the Approvals page).
 */
import { parseObjectRef } from '../../../../reconciler/core/object-ref.ts';
import type { Approval } from '../../../contract/drift.ts';
import type { Diagnosis, Fix } from '../../../contract/incidents.ts';
import { useResource } from '../context.ts';
import { percent } from '../format.ts';
import { approvalsHref, objectHref } from '../route.ts';
import { ApprovalCard, Refusals, useRefusals } from '../ui/approval.tsx';
import { Badge, List, Sha } from '../ui/bits.tsx';
import type { RepoContext } from '../ui/diff.tsx';

function Target(props: { target: string }) {
  // The target is in the one user form; the same parser as the CLI, the API and chat reads it.
  const parsed = parseObjectRef(props.target);
  if (!parsed.ok) return <code>{props.target}</code>;
  return <a href={objectHref(parsed.ref)}>{props.target}</a>;
}

function FixView(props: { fix?: Fix }) {
  const { fix } = props;
  if (!fix) return <p class="muted">No fix proposed.</p>;
  return (
    <div class="fix">
      {fix.description && <p>{fix.description}</p>}
      {fix.type === 'revert-drift' && (
        <p>
          Revert the drift of <Target target={fix.target} /> (put git's version back).
        </p>
      )}
      {fix.type === 'apply-git-revision' && (
        <p>
          Apply <Target target={fix.target} /> as of git revision <Sha commit={fix.revision} />.
        </p>
      )}
      {fix.type === 'repo-change' && (
        <>
          <p>
            Change <code>{fix.file}</code> in the repo (a proposal: trueup never commits it):
          </p>
          <pre class="patch">{fix.patch}</pre>
        </>
      )}
      {fix.type === 'manual' && (
        <ol>
          {fix.steps.map((step, index) => (
            <li key={index}>{step}</li>
          ))}
        </ol>
      )}
    </div>
  );
}

function FixApproval(props: { id: string; repo: RepoContext }) {
  const approvals = useResource<{ approvals: Approval[] }>('approvals?state=all');
  const { refusals, add, dismiss } = useRefusals();
  const approval = approvals.data?.approvals.find((candidate) => candidate.id === props.id);
  if (!approvals.data) return <p aria-busy="true">Loading approval {props.id}…</p>;
  return (
    <>
      <Refusals refusals={refusals} dismiss={dismiss} />
      {!approval && (
        <p class="muted">
          Approval {props.id} is no longer listed; see <a href={approvalsHref('all')}>approvals</a>.
        </p>
      )}
      {approval && approval.state !== 'pending' && (
        <p>
          Approval <strong>{approval.id}</strong> is <Badge value={approval.state} />
          {approval.decidedBy && ` (by ${approval.decidedBy})`}.
        </p>
      )}
      {approval?.state === 'pending' && (
        <ApprovalCard approval={approval} repo={props.repo} onDone={approvals.reload} onRefused={add} />
      )}
    </>
  );
}

function Validation(props: { validation: Diagnosis['validation']; repo: RepoContext }) {
  const { validation } = props;
  if (!validation) return null;
  return (
    <div class="validation" data-testid="fix-validation">
      <p>
        Validation: <Badge value={validation.status} />
        {validation.applied && (
          <>
            {' '}
            <Badge value="done" label="applied (policy: auto)" />
          </>
        )}
      </p>
      <List items={validation.reasons} />
      {validation.approval && <FixApproval id={validation.approval} repo={props.repo} />}
    </div>
  );
}

function Usage(props: { diagnosis: Diagnosis }) {
  const { usage, durationMs } = props.diagnosis;
  const parts = [`took ${(durationMs / 1000).toFixed(1)} s`];
  if (usage) {
    parts.push(`${usage.steps} step(s)`, `${usage.promptTokens + usage.completionTokens} tokens`);
    if (usage.costUsd !== undefined) parts.push(`$${usage.costUsd.toFixed(4)}`);
  }
  return <p class="muted small">{parts.join(' · ')}</p>;
}

/** DiagnosisView renders a diagnosis and its fix. */
export function DiagnosisView(props: { diagnosis: Diagnosis; repo: RepoContext }) {
  const { diagnosis } = props;
  const { answer } = diagnosis;
  const source =
    diagnosis.source === 'llm' ? `LLM (${diagnosis.model ?? 'unknown model'})` : 'Heuristic (offline)';
  return (
    <section class="diagnosis" data-testid="diagnosis" aria-labelledby="diagnosis-title">
      <h2 id="diagnosis-title">
        Diagnosis <span class={`source source-${diagnosis.source}`}>{source}</span>
      </h2>
      {diagnosis.fallbackReason && <p class="muted">Offline heuristic because: {diagnosis.fallbackReason}</p>}
      <p class="summary">{answer.summary}</p>
      <div class="facts-row">
        <label>
          Confidence {percent(answer.confidence)}
          <meter min={0} max={1} low={0.4} high={0.7} optimum={1} value={answer.confidence} />
        </label>
        <span>
          Risk <Badge value={answer.risk} />
        </span>
      </div>
      <h3>Root cause</h3>
      <p class="prewrap">{answer.rootCause}</p>
      {answer.evidence.length > 0 && (
        <>
          <h3>Evidence cited</h3>
          <ul class="evidence-refs">
            {answer.evidence.map((ref) => (
              <li key={ref}>
                <code>{ref}</code>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Proposed fix</h3>
      <FixView fix={answer.fix} />
      <Validation validation={diagnosis.validation} repo={props.repo} />
      <Usage diagnosis={diagnosis} />
      <AfterAlert diagnosis={diagnosis} />
      <Unsupported diagnosis={diagnosis} />
    </section>
  );
}

/** AfterAlert lists what changed after the alert started: never a cause. */
function AfterAlert(props: { diagnosis: Diagnosis }) {
  const list = props.diagnosis.afterAlert ?? [];
  if (list.length === 0) return null;
  return (
    <details>
      <summary>After the alert ({list.length}): not causes</summary>
      <ul>
        {list.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </details>
  );
}

/** Unsupported shows model answers kept below the fold, with why they are not the diagnosis. */
function Unsupported(props: { diagnosis: Diagnosis }) {
  const list = props.diagnosis.unsupported ?? [];
  if (list.length === 0) return null;
  return (
    <details data-testid="unsupported">
      <summary>Unsupported model answer ({list.length}): not shown as the diagnosis</summary>
      {list.map((u) => (
        <div key={u.answer.summary}>
          <p class="summary">{u.answer.summary}</p>
          <ul>
            {u.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </div>
      ))}
    </details>
  );
}

/** InjectionWarning flags instruction-like text in the alert or the evidence (never followed). */
export function InjectionWarning(props: { injections: { where: string; excerpt: string }[] | undefined }) {
  const list = props.injections ?? [];
  if (list.length === 0) return null;
  return (
    <section class="notice" role="alert" data-testid="injections">
      <strong>Possible prompt injection:</strong> instruction-like text found (treated as data, never
      followed)
      <ul>
        {list.map((i) => (
          <li key={i.where}>
            {i.where}: <code>{i.excerpt}</code>
          </li>
        ))}
      </ul>
    </section>
  );
}
