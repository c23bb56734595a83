/**
 * The preview as a pull-request comment (GitHub / GitLab markdown): the summary first, then one
 * collapsible section per group of identical clusters, capped in length with a pointer to the
 * JSON report. Values sit in code spans with pipes escaped and newlines shown as `⏎`, so repo
 * text cannot break the table or inject HTML. Secret values are digests already. Pure.
 */
import { formatRepoError } from '../core/model.ts';
import type { ClusterGroup, ClusterPreview, PreviewReport } from './model.ts';
import { fateLine, shownValue } from './render-text.ts';

/** MarkdownOptions bound the comment. */
export interface MarkdownOptions {
  /** maxChars caps the comment (GitHub allows 65,536; GitLab more); groups past it are left out. */
  maxChars: number;
  /** jsonHint says how to get the full report, shown when groups are left out. */
  jsonHint: string;
}

/** defaultMarkdownOptions: under GitHub's limit with room for a bot's header. */
export function defaultMarkdownOptions(): MarkdownOptions {
  return { maxChars: 60_000, jsonHint: 'run the same `trueup preview` with `-o json`' };
}

/** code renders text as a safe inline code span inside a table cell. */
export function code(text: string): string {
  const flat = text.replaceAll('\r', '').replaceAll('\n', '⏎').replaceAll('|', '\\|').replaceAll('`', 'ˋ');
  return `\`${flat}\``;
}

const short = (rev: string) => rev.slice(0, 12);

function header(r: PreviewReport): string[] {
  const lines = [
    `### trueup preview: ${r.summary}`,
    '',
    `Base ${code(r.base.ref)} (${code(short(r.base.revision))}) → head ${code(r.head.ref)} (${code(short(r.head.revision))}).`,
  ];
  if (r.policies.note) lines.push('', `> **Policies:** ${r.policies.note}.`);
  if (r.errors.length) {
    lines.push('', '**Repo errors the head introduces**', '');
    for (const e of r.errors) lines.push(`- ${code(formatRepoError(e))}`);
  }
  if (r.conflicts.length) {
    lines.push('', '**Conflicts the head introduces**', '');
    for (const c of r.conflicts)
      lines.push(
        `- ${code(`${c.cluster}/${c.namespace}/${c.kind}/${c.name}`)} ${code(c.path)}: ${code(`${c.winner.file}:${c.winner.line}`)} overrides ${c.overridden.map((o) => code(`${o.file}:${o.line}`)).join(', ')}`,
      );
  }
  return lines;
}

function groupSection(g: ClusterGroup, c: ClusterPreview): string {
  const names =
    g.clusters.length > 8
      ? `${g.clusters.slice(0, 8).join(', ')} and ${g.clusters.length - 8} more`
      : g.clusters.join(', ');
  const lines = [
    '<details>',
    `<summary>${escapeHtml(names)} (${g.clusters.length} cluster${g.clusters.length === 1 ? '' : 's'}): ${escapeHtml(g.summary)}</summary>`,
    '',
  ];
  if (!c.reachable) lines.push(`Unreachable: ${code(c.error ?? 'cannot be read')}`);
  if (c.changes.length) {
    lines.push('| object | key | base | head |', '| --- | --- | --- | --- |');
    for (const o of c.changes) {
      const ref = `${o.kind} ${code(`${o.namespace}/${o.name}`)} (${o.change})`;
      if (o.keys.length === 0) lines.push(`| ${ref} | | | |`);
      for (const k of o.keys)
        lines.push(
          `| ${ref} | ${code(k.path)} | ${k.base === undefined ? '' : code(shownValue(k.base))} | ${k.head === undefined ? '' : code(shownValue(k.head))} |`,
        );
    }
  }
  if (c.applies.length) {
    lines.push('', '| object | apply | decision |', '| --- | --- | --- |');
    for (const a of c.applies) {
      const base = a.baseDecision ? ` (base policies: ${a.baseDecision.mode})` : '';
      const error = a.failure ? `<br>${code(a.failure.code)} ${code(a.error ?? '')}` : '';
      lines.push(
        `| ${a.kind} ${code(`${a.namespace}/${a.name}`)} | ${fateLine(a)}${error} | ${a.decision.mode}${base} |`,
      );
    }
  }
  if (c.drift.length) {
    lines.push('', 'Already differs live (the apply overwrites it too):', '');
    for (const d of c.drift)
      lines.push(
        `- ${d.kind} ${code(`${d.namespace}/${d.name}`)}: ${d.status === 'missing' ? 'missing on the cluster' : d.changes.map((f) => `${code(f.path)} live ${code(shownValue(f.live))}`).join(', ')}`,
      );
  }
  lines.push('', '</details>');
  return lines.join('\n');
}

/** renderPreviewMarkdown renders the preview as a PR comment of at most options.maxChars characters. */
export function renderPreviewMarkdown(
  r: PreviewReport,
  options: MarkdownOptions = defaultMarkdownOptions(),
): string {
  let out = `${header(r).join('\n')}\n`;
  const sections = r.groups.map((g) =>
    groupSection(g, r.clusters.find((c) => c.name === g.clusters[0]) as ClusterPreview),
  );
  const footer = (left: number) =>
    `\n_${left} more group${left === 1 ? '' : 's'} of clusters not shown (comment length cap); for the full report, ${options.jsonHint}._\n`;
  for (const [i, section] of sections.entries()) {
    const left = sections.length - i;
    // Room for this section and, should a later one not fit, the footer.
    if (out.length + section.length + 2 + footer(left).length > options.maxChars) return out + footer(left);
    out += `\n${section}\n`;
  }
  return out;
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
