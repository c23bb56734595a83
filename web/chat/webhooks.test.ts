import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SlackStub, startSlackStub } from '../../test/slack/slack-stub.ts';
import type { ChatMessage } from './blocks.ts';
import { defaultRetryOptions } from './http.ts';
import { isMattermostToken, mrkdwnToMarkdown, postMattermost, toMarkdown } from './mattermost.ts';
import { postTeams, toAdaptiveCard } from './teams.ts';

const message: ChatMessage = {
  text: 'Held for approval (a3): ConfigMap shop/app on prod-eu',
  title: 'Held for approval: ConfigMap shop/app',
  sections: ['*modified* on *prod-eu* · <https://x.example/#/objects|open> &lt;b&gt;'],
  facts: [{ label: 'Drifted', value: '1' }],
  context: ['Held because: rule careful'],
  approval: 'a3',
  open: { url: 'https://x.example/#/objects/prod-eu/shop/ConfigMap/app', label: 'Open' },
};
const noop = <T>(v: T) => v;

let stub: SlackStub;
beforeEach(async () => {
  stub = await startSlackStub('xoxb-unused');
});
afterEach(async () => {
  await stub.close();
});

describe('Mattermost and Teams', () => {
  it.each([
    ['*bold* text', '**bold** text'],
    ['<https://a.example|a link>', '[a link](https://a.example)'],
    ['~gone~', '~~gone~~'],
    ['a *b* c `*d*`', 'a **b** c `*d*`'],
    ['&lt;!channel&gt; &amp;', '<!channel> &'],
  ])('converts mrkdwn %j to Markdown %j', (mrkdwn, markdown) => {
    expect(mrkdwnToMarkdown(mrkdwn)).toBe(markdown);
  });

  it('posts Markdown to a Mattermost incoming webhook, telling how to approve elsewhere', async () => {
    await postMattermost(stub.webhookUrl('mattermost'), message, defaultRetryOptions(), noop);
    const [post] = stub.webhooks('mattermost');
    expect(post?.body).toEqual({ text: toMarkdown(message) });
    expect(String(post?.body.text)).toContain('#### Held for approval: ConfigMap shop/app');
    expect(String(post?.body.text)).toContain('`trueup approve a3`');
    expect(String(post?.body.text)).toContain(
      '[Open](https://x.example/#/objects/prod-eu/shop/ConfigMap/app)',
    );
  });

  it('posts an Adaptive Card to a Teams webhook, with an Open link and no acting buttons', async () => {
    await postTeams(stub.webhookUrl('teams'), message, defaultRetryOptions(), noop);
    const [post] = stub.webhooks('teams');
    expect(post?.body).toEqual(toAdaptiveCard(message));
    const card = (
      (post?.body.attachments ?? []) as { contentType: string; content: Record<string, unknown> }[]
    )[0];
    expect(card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card?.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card?.content.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open', url: message.open?.url },
    ]);
    expect(JSON.stringify(card)).toContain('"FactSet"');
  });

  it('compares Mattermost command tokens exactly', () => {
    expect(isMattermostToken(['tok-1', 'tok-2'], 'tok-2')).toBe(true);
    expect(isMattermostToken(['tok-1'], 'tok-')).toBe(false);
    expect(isMattermostToken(['tok-1'], undefined)).toBe(false);
  });
});
