/**
 * `/trueup preview <branch>`'s answer: the summary line, the groups of clusters (at most a few),
 * a policy note, the errors the head introduces, and a link to the console's preview page. Pure;
 * Secret values are digests in the report already (and every outbound message is scrubbed).
 */
import { formatRepoError } from '../../reconciler/core/model.ts';
import type { PreviewReport } from '../../reconciler/preview/model.ts';
import { type ChatMessage, type ConsoleLinks, code, esc } from './blocks.ts';

const maxGroups = 5;

/** renderPreview renders a preview for chat. */
export function renderPreview(r: PreviewReport, links: ConsoleLinks): ChatMessage {
  const groups = r.groups
    .slice(0, maxGroups)
    .map(
      (g) =>
        `• ${esc(g.clusters.slice(0, 6).join(', '))}${g.clusters.length > 6 ? ` +${g.clusters.length - 6}` : ''}: ${esc(g.summary)}`,
    );
  if (r.groups.length > maxGroups) groups.push(`… and ${r.groups.length - maxGroups} more group(s)`);
  const sections = [`*${esc(r.summary)}*`, groups.join('\n')];
  if (r.policies.note) sections.push(`:information_source: ${esc(r.policies.note)}`);
  if (r.errors.length)
    sections.push(
      `:warning: repo errors the head introduces:\n${r.errors
        .slice(0, 5)
        .map((e) => `• ${code(formatRepoError(e), 160)}`)
        .join('\n')}`,
    );
  const url = links.preview?.(r.head.ref, r.base.ref);
  return {
    text: `Preview of ${r.head.ref}: ${r.summary}`,
    title: `Preview of ${r.head.ref}`,
    sections,
    context: [
      `base ${code(r.base.ref)} (${code(r.base.revision.slice(0, 12))}) → head ${code(r.head.ref)} (${code(r.head.revision.slice(0, 12))})`,
    ],
    ...(url ? { open: { url, label: 'Open the preview' } } : {}),
  };
}
