import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REDACTED, SecretMatcher, secretScrubber } from '../../reconciler/core/secret-guard.ts';
import { type SlackStub, startSlackStub } from '../../test/slack/slack-stub.ts';
import { ChatHttpError, retryAfterMs } from './http.ts';
import { SlackApiError, SlackClient } from './slack-client.ts';

const token = 'xoxb-test-1234';
let stub: SlackStub;
beforeEach(async () => {
  stub = await startSlackStub(token);
});
afterEach(async () => {
  await stub.close();
});

const client = (options: Partial<ConstructorParameters<typeof SlackClient>[0]> = {}) =>
  new SlackClient({ token, apiUrl: stub.apiUrl, perChannelIntervalMs: 0, ...options });

describe('the Slack Web API client', () => {
  it('posts JSON with the bot token and returns where the message landed', async () => {
    const posted = await client().postMessage({
      channel: 'C1',
      text: 'hello',
      blocks: [{ type: 'divider' }],
    });
    expect(posted).toEqual({ channel: 'C1', ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    const [call] = stub.calls('chat.postMessage');
    expect(call?.headers.authorization).toBe(`Bearer ${token}`);
    expect(call?.headers['content-type']).toContain('application/json');
    expect(call?.body).toEqual({
      channel: 'C1',
      text: 'hello',
      blocks: [{ type: 'divider' }],
      unfurl_links: false,
    });
  });

  it('replies in a thread with thread_ts, and updates a message by channel and ts', async () => {
    const slack = client();
    const root = await slack.postMessage({ channel: 'C1', text: 'root' });
    await slack.postMessage({ channel: 'C1', text: 'reply', thread_ts: root.ts });
    await slack.update({ channel: 'C1', ts: root.ts, text: 'root (resolved)', thread_ts: 'ignored' });
    expect(stub.calls('chat.postMessage')[1]?.body).toMatchObject({ thread_ts: root.ts });
    expect(stub.calls('chat.update')[0]?.body).toEqual({
      channel: 'C1',
      ts: root.ts,
      text: 'root (resolved)',
    });
  });

  it('waits for Retry-After on a 429, then retries', async () => {
    stub.rateLimit('chat.postMessage', 1);
    const started = Date.now();
    await client().postMessage({ channel: 'C1', text: 'after the wait' });
    const calls = stub.calls('chat.postMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('gives up after its retries with a transient error', async () => {
    stub.rateLimit('chat.postMessage', 0, 10);
    const error = await client({ retry: { maxRetries: 2 } })
      .postMessage({ channel: 'C1', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatHttpError);
    expect(error).toMatchObject({
      transient: true,
      message: expect.stringContaining('gave up after 3 attempts'),
    });
    expect(stub.calls('chat.postMessage')).toHaveLength(3);
  });

  it("reports Slack's error without retrying it", async () => {
    stub.failNext('chat.postMessage', 'channel_not_found');
    await expect(client().postMessage({ channel: 'C404', text: 'x' })).rejects.toEqual(
      new SlackApiError('chat.postMessage', 'channel_not_found'),
    );
    expect(stub.calls('chat.postMessage')).toHaveLength(1);
    await expect(
      new SlackClient({ token: 'xoxb-wrong', apiUrl: stub.apiUrl }).postMessage({ channel: 'C1', text: 'x' }),
    ).rejects.toThrow('invalid_auth');
  });

  it('keeps to one message per interval per channel, and does not hold up other channels', async () => {
    // The client's own waits, not the stub's arrival times: those jitter with the machine's load.
    const waits: { ms: number; before: string }[] = [];
    let next = '';
    const slack = client({
      perChannelIntervalMs: 300,
      retry: {
        sleep: async (ms) => {
          waits.push({ ms, before: next });
          await new Promise((resolve) => setTimeout(resolve, ms));
        },
      },
    });
    const post = (channel: string, text: string) => {
      next = `${channel}:${text}`;
      return slack.postMessage({ channel, text });
    };
    await Promise.all([post('C1', '1'), post('C1', '2'), post('C1', '3'), post('C2', 'other')]);
    // The 2nd and 3rd message to C1 wait for their slots (one and two intervals on); C1's 1st and
    // C2's only message wait for nothing.
    expect(waits.map((w) => w.before)).toEqual(['C1:2', 'C1:3']);
    expect(waits[0]?.ms).toBeGreaterThan(290);
    expect(waits[0]?.ms).toBeLessThanOrEqual(300);
    expect(waits[1]?.ms).toBeGreaterThan(590);
    expect(waits[1]?.ms).toBeLessThanOrEqual(600);
    const texts = stub
      .calls('chat.postMessage')
      .filter((c) => c.body.channel === 'C1')
      .map((c) => c.body.text);
    expect(texts).toEqual(['1', '2', '3']);
  });

  it('reads user group members with a form body', async () => {
    stub.usergroups.SSRE = ['U1', 'U2'];
    expect(await client().usergroupMembers('SSRE')).toEqual(['U1', 'U2']);
    expect(stub.calls('usergroups.users.list')[0]?.headers['content-type']).toContain(
      'x-www-form-urlencoded',
    );
  });

  it('posts to a response_url without the bot token', async () => {
    const url = stub.responseUrl('r1');
    await client().respond(url, { response_type: 'ephemeral', text: 'done' });
    const [response] = stub.responses();
    expect(response?.path).toBe('/response/r1');
    expect(response?.headers.authorization).toBeUndefined();
    expect(response?.body).toEqual({ response_type: 'ephemeral', text: 'done' });
  });

  it('scrubs Secret values out of everything it sends', async () => {
    const secret = 'p4ss-canary-0042';
    const matcher = new SecretMatcher([Buffer.from(secret)]);
    const scrub = secretScrubber(() => matcher);
    const slack = client({ scrub });
    await slack.postMessage({ channel: 'C1', text: `leak ${secret}` });
    await slack.respond(stub.responseUrl(), { text: `leak ${secret}` });
    expect(stub.requests.map((r) => r.raw).join('\n')).not.toContain(secret);
    expect(stub.calls('chat.postMessage')[0]?.body.text).toBe(`leak ${REDACTED}`);
  });
});

describe('Retry-After', () => {
  it.each([
    ['3', 3000],
    ['0', 0],
    [null, 1000],
    ['soon', 1000],
    ['Thu, 01 Jan 1970 00:00:05 GMT', 5000],
  ])('%s -> %i ms', (header, ms) => {
    expect(retryAfterMs(header, 0)).toBe(ms);
  });
});
