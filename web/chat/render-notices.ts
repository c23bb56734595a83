/**
 * Chat notifications about objects: a change held for approval (with Approve / Reject / Open), a
 * drift fixed (what drifted, who drifted it, where git sets it), a failed remediation, a flap, and the
 * opt-in noise (drift detected, back in sync). Pure; Secret values are digests in every input.
 */
import type { Drift, Flap, ObjectRef } from '../../reconciler/core/model.ts';
import type { Approval } from '../../reconciler/store/store.ts';
import type { ChangeSetEntry } from '../../reconciler/sync/cycle.ts';
import { type ChatMessage, type ConsoleLinks, code, esc, link, listSections } from './blocks.ts';
import {
  changeLine,
  decisionLine,
  driftedByLine,
  heldByLine,
  objectLabel,
  openLink,
} from './render-fleet.ts';

/** renderHeld is the notification of a change held for approval, with Approve / Reject / Open. */
export function renderHeld(approval: Approval, links: ConsoleLinks): ChatMessage {
  const { entry, drift } = approval;
  const list = listSections(drift.changes.map(changeLine), { url: links.object(entry), what: 'changes' }, 10);
  return {
    text: `Held for approval (${approval.id}): ${objectLabel(entry)} on ${entry.cluster}`,
    title: `Held for approval: ${objectLabel(entry)}`,
    sections: [
      `*${esc(drift.status)}* on *${esc(entry.cluster)}* · would be *${esc(entry.pending?.action ?? entry.action)}*${entry.dryRun ? ` (dry-run ${esc(entry.dryRun)})` : ''}`,
      ...list.sections,
    ],
    context: [
      driftedByLine(drift),
      `Held because: ${esc(entry.decision.reasons.join('; '))}`,
      `Approval *${esc(approval.id)}* · revision ${code(approval.revision.slice(0, 12))}`,
      ...list.context,
    ].filter((x): x is string => x !== undefined),
    approval: approval.id,
    ...openLink(links.object(entry), 'Open'),
  };
}

/** renderRemediated is the notification of a drift trueup fixed: what, who drifted it, what git says. */
export function renderRemediated(
  entry: ChangeSetEntry,
  revision: string,
  drift: Drift | undefined,
  links: ConsoleLinks,
): ChatMessage {
  const changes = drift
    ? listSections(drift.changes.map(changeLine), { url: links.object(entry), what: 'changes' }, 8)
    : undefined;
  const provenance = Object.entries(drift?.provenance ?? {})
    .slice(0, 3)
    .map(
      ([p, o]) =>
        `${code(p)} from ${code(`${o.file}:${o.line}`)}${o.commit ? ` @ ${code(o.commit.slice(0, 12))}` : ''}`,
    );
  return {
    text: `Drift fixed: ${objectLabel(entry)} on ${entry.cluster} (${entry.action})`,
    title: `Drift fixed: ${objectLabel(entry)}`,
    sections: [
      `*${esc(entry.action)}* on *${esc(entry.cluster)}* to git revision ${code(revision.slice(0, 12))}${entry.dryRun ? ` (dry-run ${esc(entry.dryRun)})` : ''}`,
      ...(changes?.sections ?? []),
    ],
    context: [
      drift ? driftedByLine(drift) : undefined,
      provenance.length ? `Set in git: ${provenance.join(', ')}` : undefined,
      `Decision: ${esc(entry.decision.reasons.join('; '))}`,
    ].filter((x): x is string => x !== undefined),
    ...openLink(links.object(entry), 'Open'),
  };
}

/** renderFailed is the notification of a remediation that failed. */
export function renderFailed(entry: ChangeSetEntry, links: ConsoleLinks): ChatMessage {
  return {
    text: `Remediation failed: ${objectLabel(entry)} on ${entry.cluster}`,
    title: `Remediation failed: ${objectLabel(entry)}`,
    sections: [
      `:x: *${esc(entry.action)}* on *${esc(entry.cluster)}* failed: ${esc(entry.error ?? 'unknown error')}`,
    ],
    context: [`Decision: ${esc(entry.decision.reasons.join('; '))}`],
    ...openLink(links.object(entry), 'Open'),
  };
}

/**
 * renderFlap is the notice that another field manager keeps undoing trueup's fix of an object, and
 * that trueup backs off (it keeps fixing, less and less often).
 */
export function renderFlap(ref: ObjectRef, flap: Flap, links: ConsoleLinks): ChatMessage {
  return {
    text: `Flapping: ${objectLabel(ref)} on ${ref.cluster}: ${flap.manager} keeps undoing trueup's fix`,
    title: `Flapping: ${objectLabel(ref)}`,
    sections: [
      `:warning: ${code(flap.manager)} keeps undoing trueup's fix on *${esc(ref.cluster)}* (${flap.remediations} fixes); trueup backs off.`,
    ],
    context: [
      `Next fix not before ${esc(flap.retryAt ?? 'later')}; each further one waits twice as long. Stop the other writer or change the repo.`,
    ],
    ...openLink(links.object(ref), 'Open'),
  };
}

/**
 * renderDriftNotice is the notification of a new drift (opt-in) or of an object back in sync. A drift
 * names the git revision it was seen against (short), the live resourceVersion and who changed it.
 */
export function renderDriftNotice(
  ref: ObjectRef,
  drift: Drift | undefined,
  links: ConsoleLinks,
  revision?: string,
): ChatMessage {
  if (!drift || drift.status === 'in-sync')
    return {
      text: `Back in sync: ${objectLabel(ref)} on ${ref.cluster}`,
      sections: [
        `:white_check_mark: ${link(links.object(ref), objectLabel(ref))} on *${esc(ref.cluster)}* is back in sync.`,
      ],
    };
  const list = listSections(drift.changes.map(changeLine), { url: links.object(ref), what: 'changes' }, 8);
  const what = drift.status === 'unknown' ? 'Held by a repo error' : 'Drift detected';
  return {
    text: `${what}: ${objectLabel(ref)} on ${ref.cluster} (${drift.status})`,
    title: `${what}: ${objectLabel(ref)}`,
    sections: [
      `*${esc(drift.status)}* on *${esc(ref.cluster)}*${revision ? ` · git ${code(revision.slice(0, 12))}` : ''}`,
      ...list.sections,
    ],
    context: [heldByLine(drift), driftedByLine(drift), decisionLine(drift), ...list.context].filter(
      (x): x is string => x !== undefined,
    ),
    ...openLink(links.object(ref), 'Open'),
  };
}
