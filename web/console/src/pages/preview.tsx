/**
 * Preview a branch or commit (`#/preview?head=&base=`): what merging it would do to the fleet —
 * the summary, the policy note, the errors the head introduces, then one collapsible section per
 * group of identical clusters with the key changes, the applies (fate, dry-run, decision) and the
 * live drift they would also overwrite. Operators run it (`POST /api/v1/preview`); nothing is
 * applied. Secret values arrive as digests only.
 */
import { useState } from 'preact/hooks';
import type {
  ClusterGroup,
  ClusterPreview,
  KeyChange,
  PreviewApply,
  PreviewReport,
} from '../../../contract/preview.ts';
import { errorText, postJson } from '../api.ts';
import { useSession } from '../context.ts';
import { previewHref } from '../route.ts';
import { Badge, ErrorCode, PageTitle, TableScroll } from '../ui/bits.tsx';
import { navigate } from '../use-route.ts';

const short = (value: string | undefined) =>
  value === undefined ? '' : value.length > 80 ? `${value.slice(0, 79)}…` : value;

const fateText: Record<PreviewApply['fate'], string> = {
  applied: 'applied at once',
  approval: 'waits for approval',
  observed: 'only reported',
  refused: 'refused by the dry-run',
  kept: 'left on the cluster (not pruned)',
  pruned: 'deleted (prune)',
};

function KeyRows(props: { cluster: ClusterPreview }) {
  const rows: { object: string; change: string; key?: KeyChange }[] = [];
  for (const o of props.cluster.changes) {
    const object = `${o.kind} ${o.namespace}/${o.name}`;
    if (o.keys.length === 0) rows.push({ object, change: o.change });
    for (const key of o.keys) rows.push({ object, change: o.change, key });
  }
  return (
    <TableScroll label="Key changes">
      <table class="striped">
        <thead>
          <tr>
            <th scope="col">Object</th>
            <th scope="col">Key</th>
            <th scope="col">Base</th>
            <th scope="col">Head</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              <td>
                {row.object} <small>({row.change})</small>
              </td>
              <td>
                <code>{row.key?.path ?? ''}</code>
              </td>
              <td>
                <code>{short(row.key?.base)}</code>
              </td>
              <td>
                <code>{short(row.key?.head)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function Applies(props: { applies: PreviewApply[] }) {
  if (props.applies.length === 0) return <p>Nothing to apply: the clusters already hold it.</p>;
  return (
    <TableScroll label="Applies">
      <table class="striped">
        <thead>
          <tr>
            <th scope="col">Object</th>
            <th scope="col">Apply</th>
            <th scope="col">Dry-run</th>
            <th scope="col">Decision</th>
          </tr>
        </thead>
        <tbody>
          {props.applies.map((a) => (
            <tr key={`${a.kind}/${a.namespace}/${a.name}`}>
              <td>
                {a.kind} {a.namespace}/{a.name}
              </td>
              <td>
                {a.action}: {fateText[a.fate]}
                {a.failure && (
                  <div>
                    <ErrorCode code={a.failure.code} transient={a.failure.transient} /> {a.error}
                  </div>
                )}
              </td>
              <td>{a.dryRun}</td>
              <td>
                <Badge value={a.decision.mode} /> {a.decision.reasons.join('; ')}
                {a.baseDecision && <div>base policies: {a.baseDecision.mode}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function Group(props: { group: ClusterGroup; cluster: ClusterPreview; index: number; open: boolean }) {
  const { group, cluster } = props;
  return (
    <details open={props.open} data-testid={`preview-group-${props.index}`}>
      <summary>
        <strong>{group.clusters.join(', ')}</strong> ({group.clusters.length}): {group.summary}
      </summary>
      {!cluster.reachable && <p class="error">Unreachable: {cluster.error}</p>}
      {cluster.changes.length > 0 && <KeyRows cluster={cluster} />}
      {cluster.reachable && cluster.changes.length > 0 && <Applies applies={cluster.applies} />}
      {cluster.drift.length > 0 && (
        <>
          <p>Already differs live (the apply overwrites it too):</p>
          <ul>
            {cluster.drift.map((d) => (
              <li key={`${d.kind}/${d.namespace}/${d.name}`}>
                {d.kind} {d.namespace}/{d.name}:{' '}
                {d.status === 'missing'
                  ? 'missing'
                  : d.changes.map((c) => `${c.path} live ${short(c.live)}`).join(', ')}
              </li>
            ))}
          </ul>
        </>
      )}
    </details>
  );
}

/** Ref shows a side as named, with its commit (just the commit when it was named by its id). */
function Ref(props: { side: { ref: string; revision: string } }) {
  const { ref, revision } = props.side;
  if (ref === revision) return <code>{revision.slice(0, 12)}</code>;
  return (
    <>
      <code>{ref}</code> ({revision.slice(0, 12)})
    </>
  );
}

function Report(props: { report: PreviewReport }) {
  const r = props.report;
  return (
    <section aria-label="Preview" class="preview-report">
      <p data-testid="preview-summary">
        <Badge value={r.outcome} /> <strong>{r.summary}</strong>
      </p>
      <p>
        Base <Ref side={r.base} /> → head <Ref side={r.head} />
      </p>
      {r.policies.note && <p class="warning">Policies: {r.policies.note}.</p>}
      {r.errors.length > 0 && (
        <>
          <h2>Repo errors the head introduces</h2>
          <ul class="error">
            {r.errors.map((e, i) => (
              <li key={i}>
                {e.file}
                {e.line ? `:${e.line}` : ''}: {e.message} {e.code && <ErrorCode code={e.code} />}
              </li>
            ))}
          </ul>
        </>
      )}
      {r.groups.map((g, i) => (
        <Group
          key={g.clusters.join(',')}
          group={g}
          index={i}
          open={i === 0}
          cluster={r.clusters.find((c) => c.name === g.clusters[0]) as ClusterPreview}
        />
      ))}
    </section>
  );
}

/** PreviewPage previews a branch or commit: `#/preview?head=&base=`. */
export function PreviewPage(props: { query: { head?: string; base?: string } }) {
  const { canOperate } = useSession();
  const [head, setHead] = useState(props.query.head ?? '');
  const [base, setBase] = useState(props.query.base ?? '');
  const [report, setReport] = useState<PreviewReport>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async (event: Event) => {
    event.preventDefault();
    navigate(previewHref({ head, base }), true);
    setBusy(true);
    setError(undefined);
    try {
      setReport(await postJson<PreviewReport>('preview', { head, ...(base ? { base } : {}) }, []));
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <PageTitle>Preview a branch or commit</PageTitle>
      <p>
        What merging a branch, tag or commit would do to the fleet: the keys it changes on each cluster, the
        server's dry-run of every apply and the decision of its policies. Nothing is applied.
      </p>
      {!canOperate && <p class="warning">Previews need the operator role.</p>}
      <form onSubmit={run} class="preview-form">
        <label>
          Head (branch, tag or commit)
          <input
            name="head"
            required
            value={head}
            data-testid="preview-head"
            onInput={(e) => setHead((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Base (default: the revision in use)
          <input name="base" value={base} onInput={(e) => setBase((e.target as HTMLInputElement).value)} />
        </label>
        <button
          type="submit"
          disabled={!canOperate || busy || head === ''}
          aria-busy={busy}
          data-testid="preview-run"
        >
          Preview
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {report && <Report report={report} />}
    </>
  );
}
