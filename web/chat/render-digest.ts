/**
 * The digest: one message for many notices about one cluster in one batch (a first sync, a
 * resync, a burst of edits), instead of one message per object. It says how many objects were
 * held, failed, flapping, fixed, drifted or came back in sync, lists the first few (held ones with their
 * approval id), and links the console. Pure.
 */
import type { ObjectRef } from '../../reconciler/core/model.ts';
import { type ChatMessage, type ConsoleLinks, esc, link, listSections } from './blocks.ts';
import { objectLabel, openLink } from './render-fleet.ts';
import type { NoticeKind } from './routing.ts';

/** DigestItem is one notice a digest counts. */
export interface DigestItem {
  kind: Exclude<NoticeKind, 'incident'>;
  ref: ObjectRef;
  /** approval is the pending approval of a held change. */
  approval?: string;
}

// Worst first: what needs a person leads the summary.
const order: DigestItem['kind'][] = ['held', 'failed', 'flap', 'remediated', 'drift', 'in-sync'];
const words: Record<DigestItem['kind'], string> = {
  held: 'held for approval',
  failed: 'failed',
  flap: 'flapping',
  remediated: 'fixed',
  drift: 'drifted',
  'in-sync': 'back in sync',
};

/** digestCounts are the counts per kind, worst first, without the zeros: `3 fixed, 1 failed`. */
export function digestCounts(items: readonly DigestItem[]): string {
  return order
    .map((kind) => [kind, items.filter((i) => i.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${words[kind]}`)
    .join(', ');
}

/** renderDigest is one message for a batch of notices about one cluster (max lines listed). */
export function renderDigest(
  cluster: string,
  items: readonly DigestItem[],
  links: ConsoleLinks,
  max = 10,
): ChatMessage {
  const counts = digestCounts(items);
  const sorted = [...items].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  const lines = sorted.map(
    (i) =>
      `• ${link(links.object(i.ref), objectLabel(i.ref))} — ${words[i.kind]}${i.approval ? ` (*${esc(i.approval)}*)` : ''}`,
  );
  const onlyHeld = items.every((i) => i.kind === 'held');
  const url = onlyHeld ? links.approvals() : links.drifts(cluster);
  const list = listSections(lines, { ...(url ? { url } : {}), what: 'objects' }, max);
  return {
    text: `trueup on ${cluster}: ${counts}`,
    title: `${cluster}: ${items.length} objects`,
    sections: [`*${esc(cluster)}*: ${esc(counts)}`, ...list.sections],
    context: [
      ...list.context,
      ...(items.some((i) => i.kind === 'held')
        ? ['Decide held changes in the console or with `/trueup approve <id>`.']
        : []),
    ],
    ...openLink(url, onlyHeld ? 'Open approvals' : 'Open in console'),
  };
}
