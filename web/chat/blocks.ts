/**
 * The chat message model and its Block Kit rendering. Renderers (render-*.ts) build a ChatMessage —
 * a title, mrkdwn sections, facts, context lines, approval buttons, a console link — and each
 * platform renders it: Block Kit here (Slack), Markdown for Mattermost, an Adaptive Card for Teams.
 * Text from the repo, the clusters or alerts is escaped, so it can never mention `@channel` or
 * smuggle a link; long output is cut with a pointer to the console.
 */

/** ChatMessage is one message, independent of the platform. */
export interface ChatMessage {
  /** text is the plain fallback (notifications, screen readers, old clients). */
  text: string;
  title?: string;
  /** sections are mrkdwn paragraphs (`*bold*`, `` `code` ``, `<url|label>`). */
  sections: string[];
  facts?: { label: string; value: string }[];
  /** context lines are small print under the sections (mrkdwn). */
  context?: string[];
  /** approval is the approval id the Approve / Reject buttons decide. */
  approval?: string;
  /** open is the console deep link (an Open button, or a link on platforms without buttons). */
  open?: { url: string; label: string };
}

/** ConsoleLinks builds deep links into the console; every one is undefined without --console-url. */
export interface ConsoleLinks {
  object(ref: { cluster: string; namespace: string; kind: string; name: string }): string | undefined;
  incident(id: string): string | undefined;
  approvals(): string | undefined;
  drifts(cluster?: string): string | undefined;
  /** preview links the console's preview page for a head (and base). */
  preview?(head: string, base?: string): string | undefined;
}

/** consoleLinks makes the console's `#/…` deep links under a base URL. */
export function consoleLinks(base: string | undefined): ConsoleLinks {
  const root = base?.replace(/\/+$/, '').replace(/\/#.*$/, '');
  const at = (hash: string) => (root ? `${root}/${hash}` : undefined);
  const e = encodeURIComponent;
  return {
    object: (r) => at(`#/objects/${[r.cluster, r.namespace, r.kind, r.name].map(e).join('/')}`),
    incident: (id) => at(`#/incidents/${e(id)}`),
    approvals: () => at('#/approvals'),
    drifts: (cluster) => at(cluster ? `#/drifts?cluster=${e(cluster)}` : '#/drifts'),
    preview: (head, base) => at(`#/preview?head=${e(head)}${base ? `&base=${e(base)}` : ''}`),
  };
}

/** esc escapes text for mrkdwn: `&`, `<` and `>` (so no mention, link or command can be injected). */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** code renders text as inline code, escaped and cut to max characters. */
export function code(text: string, max = 80): string {
  const flat = text.replace(/`/g, "'").replace(/\s*\n\s*/g, ' ⏎ ');
  return `\`${esc(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat)}\``;
}

/** link renders a mrkdwn link (the label escaped); just the label when there is no URL. */
export function link(url: string | undefined, label: string): string {
  return url ? `<${url}|${esc(label).replace(/\|/g, '¦')}>` : esc(label);
}

/** SECTION_LIMIT is how many characters one section carries (Slack allows 3000). */
export const SECTION_LIMIT = 2900;

/**
 * listSections packs lines into sections under the size limit, showing at most maxLines; when cut,
 * the last context line says how many are left and where to see them all.
 */
export function listSections(
  lines: string[],
  more: { url?: string; what: string },
  maxLines = 20,
): { sections: string[]; context: string[] } {
  const shown = lines.slice(0, maxLines);
  const sections: string[] = [];
  let current = '';
  let cut = lines.length - shown.length;
  for (const [i, line] of shown.entries()) {
    if (sections.length >= 10) {
      cut = lines.length - i;
      break;
    }
    const piece = line.length > SECTION_LIMIT ? `${line.slice(0, SECTION_LIMIT - 1)}…` : line;
    if (current && current.length + piece.length + 1 > SECTION_LIMIT) {
      sections.push(current);
      current = '';
    }
    current = current ? `${current}\n${piece}` : piece;
  }
  if (current && sections.length < 10) sections.push(current);
  const context =
    cut > 0 ? [`${cut} more ${more.what} not shown: ${link(more.url, 'see all in the console')}`] : [];
  return { sections, context };
}

type Block = Record<string, unknown>;
const plain = (text: string, max = 150) => ({
  type: 'plain_text',
  text: text.length > max ? `${text.slice(0, max - 1)}…` : text,
  emoji: true,
});
const mrkdwn = (text: string) => ({
  type: 'mrkdwn',
  text: text.length > 3000 ? `${text.slice(0, 2999)}…` : text,
});

/** ACTION_APPROVE, ACTION_REJECT and ACTION_OPEN are the button action ids interactions route on. */
export const ACTION_APPROVE = 'trueup_approve';
export const ACTION_REJECT = 'trueup_reject';
export const ACTION_OPEN = 'trueup_open';

/** toBlocks renders a message as Block Kit blocks (buttons only when interactive is true). */
export function toBlocks(m: ChatMessage, interactive = true): Block[] {
  const blocks: Block[] = [];
  if (m.title) blocks.push({ type: 'header', text: plain(m.title) });
  for (const s of m.sections) blocks.push({ type: 'section', text: mrkdwn(s) });
  if (m.facts?.length)
    blocks.push({
      type: 'section',
      fields: m.facts.slice(0, 10).map((f) => mrkdwn(`*${esc(f.label)}*\n${f.value}`)),
    });
  if (m.context?.length)
    blocks.push({ type: 'context', elements: m.context.slice(0, 10).map((c) => mrkdwn(c)) });
  const buttons: Block[] = [];
  if (m.approval && interactive) {
    buttons.push({
      type: 'button',
      action_id: ACTION_APPROVE,
      text: plain('Approve'),
      style: 'primary',
      value: m.approval,
      confirm: {
        title: plain('Approve this change?'),
        text: mrkdwn(`trueup re-checks ${m.approval} against the repo and the live object, then applies it.`),
        confirm: plain('Approve'),
        deny: plain('Cancel'),
      },
    });
    buttons.push({
      type: 'button',
      action_id: ACTION_REJECT,
      text: plain('Reject'),
      style: 'danger',
      value: m.approval,
    });
  }
  if (m.open)
    buttons.push({ type: 'button', action_id: ACTION_OPEN, text: plain(m.open.label), url: m.open.url });
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: 'trueup_actions', elements: buttons });
  return blocks.slice(0, 50);
}
