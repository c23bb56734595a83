import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { AlertGroup } from '../../diagnose/alert.ts';
import {
  type AlertIntake,
  type IntakeResult,
  registerAlertmanagerRoute,
  type WebhookAuth,
  webhookAuthFromEnv,
} from './route.ts';

/**
 * The exact body Debian's prometheus-alertmanager 0.25 POSTed for `amtool alert add` (bearer
 * `s3cret`); inlined because the shared examples folder is not part of a clone.
 */
const firing = `{
  "receiver": "trueup",
  "status": "firing",
  "alerts": [
    {
      "status": "firing",
      "labels": {
        "alertname": "KubePodCrashLooping",
        "cluster": "prod-eu",
        "container": "api",
        "namespace": "payments",
        "pod": "api-7d9",
        "severity": "critical"
      },
      "annotations": {
        "runbook_url": "https://runbooks.example/KubePodCrashLooping",
        "summary": "Pod payments/api-7d9 (api) is in waiting state (reason: CrashLoopBackOff)."
      },
      "startsAt": "2026-11-23T03:01:26.730953125Z",
      "endsAt": "0001-01-01T00:00:00Z",
      "generatorURL": "",
      "fingerprint": "cc7c3f977796b538"
    }
  ],
  "groupLabels": {
    "alertname": "KubePodCrashLooping",
    "namespace": "payments"
  },
  "commonLabels": {
    "alertname": "KubePodCrashLooping",
    "cluster": "prod-eu",
    "container": "api",
    "namespace": "payments",
    "pod": "api-7d9",
    "severity": "critical"
  },
  "commonAnnotations": {
    "runbook_url": "https://runbooks.example/KubePodCrashLooping",
    "summary": "Pod payments/api-7d9 (api) is in waiting state (reason: CrashLoopBackOff)."
  },
  "externalURL": "http://vm:19093",
  "version": "4",
  "groupKey": "{}:{alertname=\\"KubePodCrashLooping\\", namespace=\\"payments\\"}",
  "truncatedAlerts": 0
}`;
/** The body it POSTed when that alert ended: the same, resolved, with a real endsAt. */
const resolved = firing
  .replaceAll('"status": "firing"', '"status": "resolved"')
  .replace('"endsAt": "0001-01-01T00:00:00Z"', '"endsAt": "2026-11-23T03:01:29Z"');
const url = '/api/v1/alertmanager';
const json = { 'content-type': 'application/json' };
const bearer = { ...json, authorization: 'Bearer s3cret' };

/** A fake intake that records what it got and answers with a fixed result (or throws). */
function fakeIntake(answer: IntakeResult | Error = { outcome: 'opened', incident: 'inc-1' }) {
  const received: AlertGroup[] = [];
  const intake: AlertIntake = {
    async receive(group) {
      received.push(group);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { intake, received };
}

function appWith(
  intake: AlertIntake = fakeIntake().intake,
  auth: WebhookAuth = { bearerTokens: ['s3cret'], basic: [{ username: 'am', password: 'pa:ss' }] },
) {
  const app = Fastify({ logger: false });
  registerAlertmanagerRoute(app, { intake, auth });
  return app;
}

function basicHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function withoutField(body: string, field: string): string {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  delete parsed[field];
  return JSON.stringify(parsed);
}

describe('POST /api/v1/alertmanager', () => {
  it.each([
    ['firing', firing, 'firing'],
    ['resolved', resolved, 'resolved'],
  ])('takes the real Alertmanager 0.25 %s body with the bearer token', async (_name, body, status) => {
    const { intake, received } = fakeIntake();
    const res = await appWith(intake).inject({ method: 'POST', url, headers: bearer, payload: body });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ incident: 'inc-1', outcome: 'opened' });
    expect(received).toHaveLength(1);
    expect(received[0]?.status).toBe(status);
    expect(received[0]?.alerts[0]?.labels.alertname).toBe('KubePodCrashLooping');
  });

  it('takes basic auth, with a colon inside the password', async () => {
    const headers = { ...json, authorization: basicHeader('am', 'pa:ss') };
    const res = await appWith().inject({ method: 'POST', url, headers, payload: firing });
    expect(res.statusCode).toBe(200);
  });

  it.each([
    // no Authorization header at all
    ['missing', undefined],
    // the right scheme with a wrong token
    ['a wrong token', 'Bearer s3cret2'],
    // a prefix of the right token
    ['a truncated token', 'Bearer s3cre'],
    // the right token under a scheme we do not speak
    ['a wrong scheme', 'Token s3cret'],
    // the right password for another user
    ['a wrong basic user', basicHeader('root', 'pa:ss')],
    // a header with no credentials after the scheme
    ['a bare scheme', 'Bearer'],
  ])('refuses %s credential with 401 and a challenge', async (_name, authorization) => {
    const { intake, received } = fakeIntake();
    const headers = authorization ? { ...json, authorization } : json;
    const res = await appWith(intake).inject({ method: 'POST', url, headers, payload: firing });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="trueup", Basic realm="trueup", charset="UTF-8"',
    );
    expect(res.json()).toMatchObject({ error: 'TRUEUP_UNAUTHORIZED' });
    expect(received).toHaveLength(0);
  });

  it('refuses basic auth when only bearer tokens are configured', async () => {
    const app = appWith(fakeIntake().intake, { bearerTokens: ['s3cret'] });
    const headers = { ...json, authorization: basicHeader('am', 's3cret') };
    const res = await app.inject({ method: 'POST', url, headers, payload: firing });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="trueup"');
  });

  it('accepts any caller when unauthenticated access is explicitly allowed', async () => {
    const app = appWith(fakeIntake().intake, { allowUnauthenticated: true });
    const res = await app.inject({ method: 'POST', url, headers: json, payload: firing });
    expect(res.statusCode).toBe(200);
  });

  it('will not start without a credential unless told to', () => {
    expect(() => appWith(fakeIntake().intake, { bearerTokens: [] })).toThrow(/TRUEUP_WEBHOOK_TOKEN/);
  });

  it.each([
    // not JSON at all
    ['invalid JSON', '{"version": "4",', 'not valid JSON'],
    // an empty body under a JSON content type
    ['an empty body', '', 'cannot be empty'],
    // the schema needs groupKey
    ['a missing groupKey', withoutField(firing, 'groupKey'), 'groupKey'],
    // only webhook version 4 is known
    ['version 3', firing.replace('"version": "4"', '"version": "3"'), 'version'],
    // alerts must be a non-empty list
    ['no alerts', JSON.stringify({ ...JSON.parse(firing), alerts: [] }), 'alerts'],
  ])('answers %s with 400 TRUEUP_BAD_ALERT naming the problem', async (_name, payload, reason) => {
    const { intake, received } = fakeIntake();
    const res = await appWith(intake).inject({ method: 'POST', url, headers: bearer, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'TRUEUP_BAD_ALERT', message: expect.stringContaining(reason) });
    expect(received).toHaveLength(0);
  });

  it('never quotes the body back when it is not JSON (it may hold a Secret value)', async () => {
    const payload = '{"alerts": [{"annotations": {"leaked": canary-s3cret-value}}]}';
    const res = await appWith().inject({ method: 'POST', url, headers: bearer, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: 'TRUEUP_BAD_ALERT',
      message: expect.stringContaining('not valid JSON'),
    });
    expect(res.body).not.toContain('canary');
  });

  it('answers a 2 MiB body with 413 TRUEUP_ALERT_TOO_LARGE', async () => {
    const payload = JSON.stringify({ ...JSON.parse(firing), padding: 'x'.repeat(2 * 1024 * 1024) });
    const res = await appWith().inject({ method: 'POST', url, headers: bearer, payload });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'TRUEUP_ALERT_TOO_LARGE' });
  });

  it('honours a smaller route body limit', async () => {
    const app = Fastify({ logger: false });
    registerAlertmanagerRoute(app, {
      intake: fakeIntake().intake,
      auth: { bearerTokens: ['s3cret'] },
      bodyLimit: 100,
    });
    const res = await app.inject({ method: 'POST', url, headers: bearer, payload: firing });
    expect(res.statusCode).toBe(413);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['form-encoded', 'application/x-www-form-urlencoded'],
  ])('answers a %s body with 415', async (_name, contentType) => {
    const headers = { authorization: 'Bearer s3cret', 'content-type': contentType };
    const res = await appWith().inject({ method: 'POST', url, headers, payload: firing });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ error: 'TRUEUP_UNSUPPORTED_MEDIA_TYPE' });
  });

  it('accepts a JSON content type with a charset', async () => {
    const headers = { ...bearer, 'content-type': 'application/json; charset=utf-8' };
    const res = await appWith().inject({ method: 'POST', url, headers, payload: firing });
    expect(res.statusCode).toBe(200);
  });

  it('answers an overloaded intake with 503 and Retry-After, so that Alertmanager retries', async () => {
    const { intake } = fakeIntake({ outcome: 'overloaded', retryAfterSeconds: 2.5 });
    const res = await appWith(intake).inject({ method: 'POST', url, headers: bearer, payload: firing });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.json()).toMatchObject({ error: 'TRUEUP_OVERLOADED' });
  });

  it('answers a duplicate with 200 so that Alertmanager does not retry it', async () => {
    const { intake } = fakeIntake({ outcome: 'duplicate', incident: 'inc-7' });
    const res = await appWith(intake).inject({ method: 'POST', url, headers: bearer, payload: firing });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ incident: 'inc-7', outcome: 'duplicate' });
  });

  it('answers an intake that throws with a coded 500 and no stack', async () => {
    const { intake } = fakeIntake(new Error('queue exploded at /srv/secret/path.ts:12'));
    const res = await appWith(intake).inject({ method: 'POST', url, headers: bearer, payload: firing });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      error: 'TRUEUP_INTAKE_FAILED',
      message: 'the alert could not be taken in; retry later',
    });
    expect(res.body).not.toContain('exploded');
    expect(res.body).not.toContain('path.ts');
  });
});

describe('webhookAuthFromEnv', () => {
  it.each([
    // nothing configured: the route refuses to start on this
    [{}, {}],
    // comma-separated tokens, blanks dropped, so a token can be rotated
    [
      { TRUEUP_WEBHOOK_TOKEN: 'token-a-0123456789, token-b-0123456789,,' },
      { bearerTokens: ['token-a-0123456789', 'token-b-0123456789'] },
    ],
    // the password may contain a colon: only the first one splits
    [
      { TRUEUP_WEBHOOK_BASIC_AUTH: 'am:pa:ss-0123456789' },
      { basic: [{ username: 'am', password: 'pa:ss-0123456789' }] },
    ],
  ])('reads %j', (env, expected) => {
    expect(webhookAuthFromEnv(env)).toEqual(expected);
  });

  it('refuses a basic credential without a password, without echoing it', () => {
    expect(() => webhookAuthFromEnv({ TRUEUP_WEBHOOK_BASIC_AUTH: 'hunter2' })).toThrow(
      /^TRUEUP_WEBHOOK_BASIC_AUTH must be `user:password`/,
    );
    expect(() => webhookAuthFromEnv({ TRUEUP_WEBHOOK_BASIC_AUTH: 'hunter2' })).not.toThrow(/hunter2/);
  });

  it.each([
    // a token anyone could guess in an afternoon
    [{ TRUEUP_WEBHOOK_TOKEN: 'long-enough-token-1,s3cret' }, 'TRUEUP_WEBHOOK_TOKEN entry 2: at least 16'],
    [{ TRUEUP_WEBHOOK_BASIC_AUTH: 'am:hunter2' }, 'the password needs at least 16'],
  ])('refuses a credential shorter than 16 characters at start, without echoing it (%j)', (env, message) => {
    expect(() => webhookAuthFromEnv(env)).toThrow(message);
    expect(() => webhookAuthFromEnv(env)).not.toThrow(/s3cret|hunter2/);
  });
});
