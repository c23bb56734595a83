import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChatConfigError, chatSettingsFromEnv, isAllowedResponseUrl, parseChatConfig } from './config.ts';

const file = `
consoleUrl: https://trueup.example
routes:
  - name: prod
    match: { clusterLabels: { matchLabels: { env: prod } }, severities: [critical, warning] }
    events: [held, failed, incident]
    slack: C0PROD
    teams: true
approvers:
  users: [U0ALICE]
  scoped:
    - clusterLabels: { matchLabels: { env: staging } }
      groups: [S0STAGING]
`;

describe('chat configuration', () => {
  it('is off unless a chat variable is set', () => {
    expect(chatSettingsFromEnv({})).toBeUndefined();
    expect(chatSettingsFromEnv({ SLACK_SIGNING_SECRET: '  ' })).toBeUndefined();
  });

  it.each([
    [{ SLACK_SIGNING_SECRET: 'short-canary' }, /^SLACK_SIGNING_SECRET: at least 16 characters$/],
    [
      { MATTERMOST_COMMAND_TOKEN: 'mm-token-0123456789abcd,short-canary' },
      /^MATTERMOST_COMMAND_TOKEN: each token at least 16 characters$/,
    ],
  ])('refuses a guessable chat secret, naming the variable and never the value (%o)', (env, message) => {
    expect(() => chatSettingsFromEnv(env)).toThrow(message);
  });

  it('reads secrets from the environment and routing and approvers from the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trueup-chat-config-'));
    await writeFile(join(dir, 'chat.yaml'), file);
    const settings = chatSettingsFromEnv(
      {
        SLACK_SIGNING_SECRET: 'sign-0123456789abcdef',
        SLACK_BOT_TOKEN: 'xoxb-1',
        TEAMS_WEBHOOK_URL: 'https://teams.example/hook',
      },
      { chatConfig: join(dir, 'chat.yaml'), chatApprovers: ['U0BOB', 'S0SRE'] },
    );
    expect(settings).toMatchObject({
      consoleUrl: 'https://trueup.example',
      slack: { signingSecret: 'sign-0123456789abcdef', botToken: 'xoxb-1', apiUrl: 'https://slack.com/api' },
      teams: { webhookUrl: 'https://teams.example/hook' },
      routes: [
        {
          name: 'prod',
          slack: 'C0PROD',
          teams: true,
          mattermost: false,
          events: ['held', 'failed', 'incident'],
        },
      ],
      approvers: {
        users: ['U0ALICE', 'U0BOB'],
        groups: ['S0SRE'],
        scoped: [{ groups: ['S0STAGING'], users: [] }],
      },
      responseUrlOrigins: ['https://hooks.slack.com'],
    });
    expect(settings?.mattermost).toBeUndefined();
  });

  it('without routes, sends the default events to --slack-channel and the configured webhooks', () => {
    const settings = chatSettingsFromEnv(
      {
        SLACK_BOT_TOKEN: 'xoxb-1',
        MATTERMOST_WEBHOOK_URL: 'https://mm.example/hooks/x',
        SLACK_API_URL: 'http://127.0.0.1:9/api',
      },
      { slackChannel: '#ops', consoleUrl: 'https://c.example' },
    );
    expect(settings?.routes).toEqual([
      {
        match: {},
        events: ['held', 'remediated', 'failed', 'flap', 'incident'],
        slack: '#ops',
        mattermost: true,
        teams: false,
      },
    ]);
    // A Slack-compatible API elsewhere answers through its own response URLs.
    expect(settings?.responseUrlOrigins).toEqual(['https://hooks.slack.com', 'http://127.0.0.1:9']);
  });

  it.each([
    ['routes: [{slack: C1, events: [everything]}]', 'routes[0].events[0]'],
    ['approvers: {users: [alice]}', 'approvers.users[0]'],
    ['consoleUrl: ftp://x', 'consoleUrl'],
    ['colour: blue', 'colour'],
    ['routes: [', 'not YAML or JSON'],
  ])('refuses %j naming the field', (text, field) => {
    expect(() => parseChatConfig(text, 'chat.yaml')).toThrow(field);
    expect(() => parseChatConfig(text, 'chat.yaml')).toThrow(ChatConfigError);
  });

  it('names a bad webhook variable without echoing its value (it is a credential)', () => {
    const run = () => chatSettingsFromEnv({ TEAMS_WEBHOOK_URL: 'not a url secret-part' });
    expect(run).toThrow('TEAMS_WEBHOOK_URL: not an http(s) URL');
    expect(run).not.toThrow('secret-part');
    expect(() => chatSettingsFromEnv({ SLACK_BOT_TOKEN: 'x' }, { chatApprovers: ['alice'] })).toThrow(
      '--chat-approvers',
    );
  });

  it.each([
    ['https://hooks.slack.com/actions/T1/1/abc', true],
    ['https://hooks.slack.com.evil.example/actions', false],
    ['http://hooks.slack.com/actions', false],
    ['http://169.254.169.254/latest', false],
    ['not a url', false],
  ])('allows response_url %s: %s', (url, ok) => {
    expect(isAllowedResponseUrl(url, ['https://hooks.slack.com'])).toBe(ok);
  });
});
