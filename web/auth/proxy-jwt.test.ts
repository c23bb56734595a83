import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Daemon } from '../../reconciler/daemon/daemon.ts';
import { createMetrics } from '../../reconciler/daemon/metrics.ts';
import { openAuditStore } from '../../reconciler/store/store.ts';
import { buildServer } from '../server.ts';
import { authConfigFromEnv } from './auth.ts';
import { type ProxyJwtConfig, proxyJwtKey, verifyProxyJwt } from './proxy-jwt.ts';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
const secret = 'proxy-shared-secret-0123456789abcdef';

/** jwt signs claims as a proxy would. */
function jwt(alg: string, claims: object, key: KeyObject | string): string {
  const signed = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  let signature: Buffer;
  if (typeof key === 'string') signature = createHmac('sha256', key).update(signed).digest();
  else if (alg === 'ES256')
    signature = sign('sha256', Buffer.from(signed), { key, dsaEncoding: 'ieee-p1363' });
  else signature = sign('sha256', Buffer.from(signed), key);
  return `${signed}.${signature.toString('base64url')}`;
}

const now = Date.UTC(2026, 0, 1) / 1000;
const good = {
  email: 'carol@example.com',
  groups: ['dev', 'sre'],
  exp: now + 300,
  iss: 'https://idp',
  aud: 'trueup',
};
const config = (keyText: string): ProxyJwtConfig => ({
  header: 'X-Forwarded-Access-Token',
  ...proxyJwtKey(keyText),
  issuer: 'https://idp',
  audience: 'trueup',
  userClaim: 'email',
  groupsClaim: 'groups',
});

describe('verifyProxyJwt', () => {
  it.each([
    // [what, key the server has, token, expected reason or the user]
    [
      'RS256 signed by the proxy',
      pem(rsa.publicKey),
      jwt('RS256', good, rsa.privateKey),
      'carol@example.com',
    ],
    ['ES256 signed by the proxy', pem(ec.publicKey), jwt('ES256', good, ec.privateKey), 'carol@example.com'],
    ['HS256 with the shared secret', secret, jwt('HS256', good, secret), 'carol@example.com'],
    ['signed with another key', pem(rsa.publicKey), jwt('RS256', good, otherRsa.privateKey), 'bad signature'],
    // the algorithm comes from the key: an HMAC over the public key is not an RSA signature
    [
      'HS256 made with the public key as secret',
      pem(rsa.publicKey),
      jwt('HS256', good, pem(rsa.publicKey)),
      'algorithm must be RS256',
    ],
    ['alg none', secret, `${b64({ alg: 'none' })}.${b64(good)}.`, 'algorithm must be HS256'],
    ['expired', secret, jwt('HS256', { ...good, exp: now - 3600 }, secret), 'expired or no exp'],
    ['without exp', secret, jwt('HS256', { ...good, exp: undefined }, secret), 'expired or no exp'],
    ['not yet valid', secret, jwt('HS256', { ...good, nbf: now + 3600 }, secret), 'not yet valid'],
    ['from another issuer', secret, jwt('HS256', { ...good, iss: 'https://evil' }, secret), 'wrong issuer'],
    ['for another audience', secret, jwt('HS256', { ...good, aud: ['other'] }, secret), 'wrong audience'],
    ['without a user', secret, jwt('HS256', { ...good, email: '' }, secret), 'no email claim'],
    ['not a JWT', secret, 'carol', 'not a JWT'],
  ])('%s', (_what, key, token, expected) => {
    const identity = verifyProxyJwt(config(key), token, now * 1000);
    if (expected.includes('@'))
      expect(identity).toEqual({ ok: true, user: expected, groups: ['dev', 'sre'] });
    else expect(identity).toEqual({ ok: false, reason: expected });
  });

  it('refuses a short shared secret and a key of another kind', () => {
    expect(() => proxyJwtKey('short-secret')).toThrow('at least 32 characters');
    const ed = generateKeyPairSync('ed25519');
    expect(() => proxyJwtKey(pem(ed.publicKey))).toThrow('an RSA or P-256 public key');
  });
});

describe('proxy authentication with a signed identity', () => {
  async function server() {
    const daemon = {
      status: () => ({ ready: true, revision: 'abc', clusters: [], errors: [] }),
      onEvent: () => () => {},
    } as unknown as Daemon;
    const jwtConfig = { ...config(pem(rsa.publicKey)), issuer: 'https://idp' };
    return buildServer({
      daemon,
      metrics: createMetrics(),
      store: openAuditStore(':memory:'),
      auth: authConfigFromEnv({}, { operators: ['sre'], jwt: jwtConfig }),
      consoleDir: '/nonexistent',
    });
  }
  const fresh = { ...good, exp: Math.floor(Date.now() / 1000) + 300 };

  it('ignores a plain user header: a pod that can reach trueup cannot claim to be a user', async () => {
    const app = await server();
    const res = await app.inject({
      url: '/api/v1/status',
      headers: { 'x-forwarded-user': 'sre', 'x-forwarded-groups': 'sre', 'x-forwarded-access-token': 'sre' },
    });
    expect(res.statusCode).toBe(401);
    const who = await app.inject({ url: '/api/v1/whoami', headers: { 'x-forwarded-user': 'sre' } });
    expect(who.json()).toMatchObject({ user: null, role: null });
    expect(who.json().csrfToken).toBeUndefined();
  });

  it('takes the user and role from a JWT the proxy signed', async () => {
    const app = await server();
    const token = jwt('RS256', fresh, rsa.privateKey);
    const who = await app.inject({ url: '/api/v1/whoami', headers: { 'x-forwarded-access-token': token } });
    expect(who.json()).toMatchObject({ user: 'carol@example.com', role: 'operator', auth: 'proxy' });
    const forged = jwt('RS256', fresh, otherRsa.privateKey);
    expect(
      (await app.inject({ url: '/api/v1/status', headers: { 'x-forwarded-access-token': forged } }))
        .statusCode,
    ).toBe(401);
  });
});
