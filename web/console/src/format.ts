/**
 * Pure formatting for the console: relative times, short SHAs, repo links from the configured
 * template, and the line diff of a drifted value. No DOM, so it is unit-tested under Node.
 */
import { diffLines } from 'diff/lib/diff/line.js';
import type { DocumentChange, FieldChange } from '../../contract/drift.ts';

/** shortSha shortens a commit id to the 7 characters people paste into chat. */
export function shortSha(commit: string | undefined): string {
  return commit ? commit.slice(0, 7) : '';
}

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** relativeTime says how long ago (or until) an ISO time is from now, e.g. `3 minutes ago`. */
export function relativeTime(iso: string | undefined, now: number): string {
  if (!iso) return 'never';
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  const delta = time - now;
  if (Math.abs(delta) < 10_000) return 'just now';
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of units)
    if (Math.abs(delta) >= size || unit === 'second') return format.format(Math.round(delta / size), unit);
  return iso;
}

/**
 * repoLink fills the `repoWebUrl` template (`{revision}`, `{file}`, `{line}`) for one provenance
 * entry. Only http(s) results are links: the template is configuration, but a link that runs script
 * (`javascript:`) is never worth the risk.
 */
export function repoLink(
  template: string | undefined,
  origin: { file: string; line: number; commit?: string },
  revision: string | undefined,
): string | undefined {
  const rev = origin.commit ?? revision;
  if (!template || (template.includes('{revision}') && !rev)) return undefined;
  const file = origin.file.split('/').map(encodeURIComponent).join('/');
  const url = template
    .replaceAll('{revision}', encodeURIComponent(rev ?? ''))
    .replaceAll('{file}', file)
    .replaceAll('{line}', String(origin.line));
  return /^https?:\/\//i.test(url) ? url : undefined;
}

/** DiffLine is one line of a value's unified diff: `-` desired (git), `+` live, ` ` both. */
export interface DiffLine {
  sign: '-' | '+' | ' ';
  text: string;
}

function linesOf(value: string): string[] {
  const lines = value.split('\n');
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * changeLines renders one drifted field as unified diff lines from desired (git) to live: a value
 * only in git (removed out of band) is all `-`, a value only live (added out of band) all `+`, and
 * a changed multi-line value a line diff with the unchanged lines as context.
 */
export function changeLines(change: FieldChange): DiffLine[] {
  const desired = change.type === 'added' ? undefined : change.desired;
  const live = change.type === 'removed' ? undefined : change.live;
  if (desired === undefined || live === undefined) {
    const sign = desired === undefined ? '+' : '-';
    return linesOf(desired ?? live ?? '').map((text) => ({ sign, text }));
  }
  if (!desired.includes('\n') && !live.includes('\n'))
    return [
      { sign: '-', text: desired },
      { sign: '+', text: live },
    ];
  const out: DiffLine[] = [];
  for (const part of diffLines(desired, live)) {
    const sign = part.removed ? '-' : part.added ? '+' : ' ';
    for (const text of linesOf(part.value)) out.push({ sign, text });
  }
  return out;
}

/**
 * documentChangeLines renders one path inside a document value as diff lines from desired (git) to
 * live: `-` the repo's value, `+` the live one, each as JSON.
 */
export function documentChangeLines(change: DocumentChange): DiffLine[] {
  const lines: DiffLine[] = [];
  if (change.type !== 'added') lines.push({ sign: '-', text: change.desired ?? '' });
  if (change.type !== 'removed') lines.push({ sign: '+', text: change.live ?? '' });
  return lines;
}

/** percent renders a 0..1 confidence as a whole percentage. */
export function percent(value: number): string {
  return `${Math.round(Math.max(0, Math.min(1, value)) * 100)}%`;
}

/** toLocalInput turns an ISO time into a `datetime-local` input value (local time, minutes). */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** fromLocalInput turns a `datetime-local` input value (local time) into an ISO time. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
