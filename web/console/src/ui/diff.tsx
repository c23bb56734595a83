/**
 * DiffView: a unified diff of one object's drifted declared keys, from desired (git, `-`) to live
 * (cluster, `+`), each field with who changed it live and when, and where git sets it. A ConfigMap
 * value holding a JSON or YAML document lists the paths inside it that differ, the whole value's line
 * diff folded below. Secret values arrive as `hmac-sha256:<12 hex>` digests and are shown exactly as given.
 */

import type { DocumentDiff, Drift, DriftedBy, FieldChange, KeyOrigin } from '../../../contract/drift.ts';
import { changeLines, type DiffLine, documentChangeLines, repoLink } from '../format.ts';
import { Badge, RelTime, Sha } from './bits.tsx';

/** RepoContext is what a provenance link needs: the link template and the current revision. */
export interface RepoContext {
  repoWebUrl?: string;
  revision?: string;
}

/** Provenance shows where git sets a key: file:line, the commit, and a link when configured. */
export function Provenance(props: { origin: KeyOrigin; repo: RepoContext }) {
  const { origin, repo } = props;
  const href = repoLink(repo.repoWebUrl, origin, repo.revision);
  const where = `${origin.file}:${origin.line}`;
  return (
    <span class="provenance">
      {href ? (
        <a href={href} target="_blank" rel="noopener noreferrer">
          {where}
        </a>
      ) : (
        <code>{where}</code>
      )}{' '}
      <Sha commit={origin.commit} />
    </span>
  );
}

function writersOf(path: string, driftedBy: DriftedBy[]): DriftedBy[] {
  return driftedBy.filter((writer) => writer.paths.includes(path));
}

function ChangeBlock(props: {
  change: FieldChange;
  driftedBy: DriftedBy[];
  origin?: KeyOrigin;
  repo: RepoContext;
}) {
  const { change, origin } = props;
  const writers = writersOf(change.path, props.driftedBy);
  return (
    <div class="diff-field">
      <div class="diff-head">
        <code class="diff-path">{change.path}</code> <Badge value={change.type} />
        {writers.map((writer) => (
          <span class="who" key={`${writer.manager}/${writer.operation}`}>
            {' '}
            by <strong>{writer.manager}</strong> ({writer.operation}) <RelTime iso={writer.time} />
            {writer.user && (
              <span data-testid="drift-user" title={writer.userAgent}>
                {' '}
                · changed by <strong>{writer.user}</strong>
                {writer.sourceIPs?.[0] ? ` from ${writer.sourceIPs[0]}` : ''}
              </span>
            )}
            {writer.user === null && (
              <span class="muted" title={writer.userReason}>
                {' '}
                · user unknown
              </span>
            )}
          </span>
        ))}
        {origin && (
          <span class="who">
            {' '}
            · git: <Provenance origin={origin} repo={props.repo} />
          </span>
        )}
      </div>
      {change.document && change.document.changes.length > 0 ? (
        <>
          <DocumentPaths document={change.document} />
          <details>
            <summary class="muted">whole value</summary>
            <DiffLines lines={changeLines(change)} />
          </details>
        </>
      ) : (
        <>
          {change.document && (
            <p class="muted">
              Same {change.document.format} document: only the text differs (formatting, comments).
            </p>
          )}
          <DiffLines lines={changeLines(change)} />
        </>
      )}
    </div>
  );
}

function DiffLines(props: { lines: DiffLine[] }) {
  return (
    <pre class="diff">
      {props.lines.map((line, index) => (
        <span key={index} class={line.sign === '-' ? 'del' : line.sign === '+' ? 'add' : 'ctx'}>
          {line.sign} {line.text}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

/** DocumentPaths lists the paths that differ inside a JSON or YAML document value. */
function DocumentPaths(props: { document: DocumentDiff }) {
  const { document } = props;
  return (
    <div class="diff-document">
      {document.changes.map((inner) => (
        <div key={inner.pointer}>
          <code class="diff-path" title={inner.pointer}>
            {inner.path}
          </code>{' '}
          <Badge value={inner.type} />
          <DiffLines lines={documentChangeLines(inner)} />
        </div>
      ))}
      {(document.more || document.ignored) && (
        <p class="muted">
          {document.more ? `${document.more} more paths differ. ` : ''}
          {document.ignored ? `${document.ignored} ignored by policy.` : ''}
        </p>
      )}
    </div>
  );
}

const statusNotes: Record<string, string> = {
  missing: 'The object is declared in git but does not exist on the cluster.',
  orphaned: 'The object exists on the cluster but git no longer declares it.',
  unknown:
    'trueup applied this object, and a repo error hides whether git still declares it: it is not orphaned and is never pruned.',
};

/** DiffView renders every change of a drift. */
export function DiffView(props: { drift: Drift; repo: RepoContext }) {
  const { drift } = props;
  const note = statusNotes[drift.status];
  return (
    <div class="diff-view">
      {note && <p>{note}</p>}
      {drift.heldBy && drift.heldBy.length > 0 && (
        <ul class="error-list" data-testid="held-by">
          {drift.heldBy.map((error, index) => (
            <li key={index}>
              Held by <code>{`${error.file ?? ''}${error.line ? `:${error.line}` : ''}`}</code>{' '}
              {error.message}
              {error.code && <code class="muted"> {error.code}</code>}
            </li>
          ))}
        </ul>
      )}
      {drift.changes.length > 0 && (
        <p class="legend">
          <span class="del">− desired (git)</span> <span class="add">+ live (cluster)</span>
          {drift.kind === 'Secret' && (
            <span class="muted"> · Secret values are shown as keyed digests only</span>
          )}
        </p>
      )}
      {drift.changes.map((change) => (
        <ChangeBlock
          key={change.path}
          change={change}
          driftedBy={drift.driftedBy}
          origin={drift.provenance?.[change.path]}
          repo={props.repo}
        />
      ))}
    </div>
  );
}

/** DecisionView shows what the policy decided about a drift, and why. */
export function DecisionView(props: { decision?: Drift['decision'] }) {
  const { decision } = props;
  if (!decision) return <p class="muted">No policy decision recorded.</p>;
  return (
    <div class="decision">
      <p>
        Policy: <Badge value={decision.mode} />
        {decision.hold && (
          <>
            {' '}
            held back by <Badge value="held" label={decision.hold} />
          </>
        )}
        {decision.ruleRefs.length > 0 && (
          <span class="muted">
            {' '}
            · rules: <code>{decision.ruleRefs.join(', ')}</code>
          </span>
        )}
      </p>
      {decision.reasons.length > 0 && (
        <ul>
          {decision.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
