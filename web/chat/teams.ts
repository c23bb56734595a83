/**
 * Microsoft Teams: notifications through an incoming webhook (or a Workflows webhook), as an
 * Adaptive Card in a message envelope. Notifications only: no buttons that act, just a link to
 * the console.
 */

import type { Scrub } from '../../reconciler/core/secret-guard.ts';
import type { ChatMessage } from './blocks.ts';
import { ChatHttpError, postWithRetries, type RetryOptions } from './http.ts';
import { mrkdwnToMarkdown } from './mattermost.ts';

/** toAdaptiveCard renders a message as a Teams message carrying one Adaptive Card (1.4). */
export function toAdaptiveCard(m: ChatMessage): Record<string, unknown> {
  const body: Record<string, unknown>[] = [];
  if (m.title)
    body.push({
      type: 'TextBlock',
      text: mrkdwnToMarkdown(m.title),
      weight: 'Bolder',
      size: 'Medium',
      wrap: true,
    });
  for (const s of m.sections) body.push({ type: 'TextBlock', text: mrkdwnToMarkdown(s), wrap: true });
  if (m.facts?.length)
    body.push({
      type: 'FactSet',
      facts: m.facts.map((f) => ({ title: f.label, value: mrkdwnToMarkdown(f.value) })),
    });
  for (const c of m.context ?? [])
    body.push({ type: 'TextBlock', text: mrkdwnToMarkdown(c), isSubtle: true, size: 'Small', wrap: true });
  if (m.approval)
    body.push({
      type: 'TextBlock',
      text: `Approval **${m.approval}**: approve in Slack, the console or with \`trueup approve ${m.approval}\`.`,
      wrap: true,
    });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
          ...(m.open ? { actions: [{ type: 'Action.OpenUrl', title: m.open.label, url: m.open.url }] } : {}),
        },
      },
    ],
  };
}

/** postTeams posts a message to a Teams incoming webhook. */
export async function postTeams(
  url: string,
  m: ChatMessage,
  retry: RetryOptions,
  scrub: Scrub,
): Promise<void> {
  const body = JSON.stringify(scrub(toAdaptiveCard(m)));
  const result = await postWithRetries(
    'teams webhook',
    url,
    { headers: { 'content-type': 'application/json' }, body },
    retry,
  );
  if (result.status >= 400)
    throw new ChatHttpError('teams webhook', `HTTP ${result.status}`, false, result.status);
}
