import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ReplayGuard, SIGNATURE_MAX_AGE_SECONDS, signedHeaders, verifySlackSignature } from './signature.ts';

const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const body = 'token=x&team_id=T1&command=%2Ftrueup&text=status';
const now = 1_800_000_000_000;
const ts = String(now / 1000);
// Slack's own recipe, computed independently of the code under test.
const slackSigns = (s: string, t: string, b: string) =>
  `v0=${createHmac('sha256', s).update(`v0:${t}:${b}`).digest('hex')}`;

describe('Slack request signatures', () => {
  it.each([
    // a request signed as Slack signs it
    ['valid', secret, ts, body, body, true],
    // signed with another app's secret
    ['wrong secret', 'not-the-secret', ts, body, body, false],
    // the body was changed after signing
    ['tampered body', secret, ts, body, body.replace('status', 'approve+a1'), false],
    // older than five minutes
    ['stale timestamp', secret, String(now / 1000 - SIGNATURE_MAX_AGE_SECONDS - 1), body, body, false],
    // too far in the future
    ['future timestamp', secret, String(now / 1000 + SIGNATURE_MAX_AGE_SECONDS + 1), body, body, false],
    // just inside the window
    ['4m59s old', secret, String(now / 1000 - 299), body, body, true],
  ])('%s', (_name, signingSecret, timestamp, signedBody, sentBody, ok) => {
    const signature = slackSigns(signingSecret, timestamp, signedBody);
    expect(verifySlackSignature(secret, { timestamp, signature }, sentBody, now).ok).toBe(ok);
  });

  it.each([
    [{ timestamp: ts }, 'missing'],
    [{ signature: slackSigns(secret, ts, body) }, 'missing'],
    [{ timestamp: 'yesterday', signature: slackSigns(secret, 'yesterday', body) }, 'malformed'],
    [{ timestamp: ts, signature: 'v0=abc' }, 'mismatch'],
    [{ timestamp: ts, signature: `v1=${slackSigns(secret, ts, body).slice(3)}` }, 'mismatch'],
  ])('refuses %j with a reason', (headers, reason) => {
    const check = verifySlackSignature(secret, headers, body, now);
    expect(check).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });

  it('signedHeaders produce what Slack sends', () => {
    const headers = signedHeaders(secret, body, now / 1000);
    expect(headers).toEqual({
      'x-slack-request-timestamp': ts,
      'x-slack-signature': slackSigns(secret, ts, body),
    });
  });
});

describe('replay protection', () => {
  it('accepts a signature once, and again only after the window has passed', () => {
    const guard = new ReplayGuard();
    expect(guard.accept('v0=aa', now)).toBe(true);
    expect(guard.accept('v0=aa', now + 60_000)).toBe(false);
    expect(guard.accept('v0=bb', now + 60_000)).toBe(true);
    expect(guard.accept('v0=aa', now + 2 * SIGNATURE_MAX_AGE_SECONDS * 1000 + 1)).toBe(true);
  });

  it('stays bounded, forgetting the oldest first', () => {
    const guard = new ReplayGuard(2);
    guard.accept('one', now);
    guard.accept('two', now);
    guard.accept('three', now);
    expect(guard.accept('three', now)).toBe(false);
    expect(guard.accept('one', now)).toBe(true);
  });
});
