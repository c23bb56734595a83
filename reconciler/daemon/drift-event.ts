/**
 * The text of the DriftDetected Kubernetes Event: which git commit the object drifted from, what
 * drifted, the live resourceVersion it was seen at, who changed it (with audit attribution) and the
 * policy decision. Pure. Paths and people only: a Secret's values never reach an Event.
 */
import { describeWriter } from '../audit/attribution.ts';
import type { Decision } from '../core/decision.ts';
import type { Drift } from '../core/model.ts';

/**
 * driftEventMessage is the DriftDetected Event's message, e.g. `drift from git 5954a35d4161: modified
 * (data.LOG_LEVEL) at resourceVersion 193; changed by alice@corp with kubectl edit from 10.0.0.5 at
 * 10:31 UTC; decision observe: …`.
 */
export function driftEventMessage(
  revision: string,
  drift: Drift,
  resourceVersion: string,
  decision: Pick<Decision, 'mode' | 'reasons'>,
): string {
  const paths = drift.changes.length ? ` (${drift.changes.map((c) => c.path).join(', ')})` : '';
  return `drift from git ${revision.slice(0, 12)}: ${drift.status}${paths} at resourceVersion ${resourceVersion}${writersOf(drift)}; decision ${decision.mode}: ${decision.reasons.join('; ')}`;
}

/** writersOf is `; changed by …` for an Event's message (empty without attribution). */
function writersOf(drift: Drift): string {
  if (drift.driftedBy.length === 0) return '';
  return `; changed by ${drift.driftedBy.map(describeWriter).join(', ')}`;
}
