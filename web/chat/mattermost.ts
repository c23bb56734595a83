/**
 * Mattermost: its slash commands are Slack-compatible (a form post with `text`, `user_id`,
 * `response_url`, and the command's static `token`), its incoming webhooks take `{text}` in
 * Markdown. The bot answers Mattermost's `/trueup` with the read-only commands; approving stays in
 * Slack, the console or the CLI, because a Mattermost command is authenticated by a shared token
 * only, not signed per request.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Scrub } from '../../reconciler/core/secret-guard.ts';
import type { ChatMessage } from './blocks.ts';
import { ChatHttpError, postWithRetries, type RetryOptions } from './http.ts';

/** toMarkdown renders a message as Markdown (Mattermost, and Teams' TextBlocks) from its mrkdwn. */
export function toMarkdown(m: ChatMessage): string {
  const parts: string[] = [];
  if (m.title) parts.push(`#### ${mrkdwnToMarkdown(m.title)}`);
  parts.push(...m.sections.map(mrkdwnToMarkdown));
  if (m.facts?.length)
    parts.push(m.facts.map((f) => `**${f.label}**: ${mrkdwnToMarkdown(f.value)}`).join(' · '));
  if (m.context?.length) parts.push(...m.context.map((c) => `_${mrkdwnToMarkdown(c)}_`));
  if (m.approval)
    parts.push(
      `Approval **${m.approval}**: approve in Slack, the console or \`trueup approve ${m.approval}\`.`,
    );
  if (m.open) parts.push(`[${m.open.label}](${m.open.url})`);
  return parts.join('\n\n');
}

/**
 * mrkdwnToMarkdown converts Slack mrkdwn: links, bold, strikethrough, emoji codes stay. Text was
 * escaped for mrkdwn (`&lt;`…); Markdown renderers show those entities, so they are turned back,
 * and a stray `<` cannot become HTML there (neither renders raw HTML).
 */
export function mrkdwnToMarkdown(text: string): string {
  return text
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, (_m, url: string, label: string) => `[${label}](${url})`)
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/<@([UW][A-Z0-9]+)>/g, '@$1')
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, '$1**$2**')
    .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/g, '$1~~$2~~')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** postMattermost posts a message to a Mattermost incoming webhook. */
export async function postMattermost(
  url: string,
  m: ChatMessage,
  retry: RetryOptions,
  scrub: Scrub,
): Promise<void> {
  const body = JSON.stringify(scrub({ text: toMarkdown(m) }));
  const result = await postWithRetries(
    'mattermost webhook',
    url,
    { headers: { 'content-type': 'application/json' }, body },
    retry,
  );
  if (result.status >= 400)
    throw new ChatHttpError('mattermost webhook', `HTTP ${result.status}`, false, result.status);
}

/** isMattermostToken compares a command's token with the configured ones, in constant time. */
export function isMattermostToken(tokens: readonly string[], given: string | undefined): boolean {
  if (!given) return false;
  const g = Buffer.from(given, 'utf8');
  let ok = false;
  for (const token of tokens) {
    const t = Buffer.from(token, 'utf8');
    if (t.length === g.length && timingSafeEqual(t, g)) ok = true;
  }
  return ok;
}
