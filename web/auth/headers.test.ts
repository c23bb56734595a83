import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseTrustProxy } from '../../cli/options.ts';
import type { Daemon } from '../../reconciler/daemon/daemon.ts';
import { createMetrics } from '../../reconciler/daemon/metrics.ts';
import { openAuditStore } from '../../reconciler/store/store.ts';
import { buildServer, type ServerOptions } from '../server.ts';
import { type AuthConfig, authConfigFromEnv } from './auth.ts';
import { isOwnHost } from './host.ts';

const alice = 'alice-token-0123456789';

function server(auth: AuthConfig, options: ServerOptions = {}) {
  const daemon = {
    status: () => ({ ready: true, revision: 'abc', clusters: [], errors: [] }),
    onEvent: () => () => {},
  } as unknown as Daemon;
  return buildServer({ daemon, metrics: createMetrics(), store: openAuditStore(':memory:'), auth }, options);
}
const tokenAuth = () => authConfigFromEnv({ TRUEUP_CONSOLE_TOKENS: `alice:operator:${alice}` });

describe('browser hygiene', () => {
  it.each(['/', '/healthz', '/api/v1/status', '/api/v1/nothing-here'])(
    'answers %s with a CSP that forbids framing and foreign scripts, and nosniff',
    async (url) => {
      const res = await (await server(tokenAuth())).inject({ url });
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
    },
  );

  it.each([
    // [trustProxy, X-Forwarded-Proto sent, cookie Secure]
    [undefined, 'https', false],
    [true, 'https', true],
    [true, 'http', false],
    ['loopback', 'https', true],
    // the request comes from 127.0.0.1, which is not the trusted proxy
    ['10.0.0.0/8', 'https', false],
  ] as const)(
    'with trustProxy %s and X-Forwarded-Proto %s the session cookie is Secure: %s',
    async (trust, proto, secure) => {
      const app = await server(tokenAuth(), trust === undefined ? {} : { trustProxy: trust });
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/login',
        headers: { 'x-forwarded-proto': proto },
        payload: { token: alice },
      });
      expect(res.statusCode).toBe(200);
      expect(Boolean(res.cookies.find((c) => c.name === 'trueup_session')?.secure)).toBe(secure);
    },
  );

  it('without authentication (the demo), answers only requests whose Host is the address it listens on', async () => {
    const app = await server(authConfigFromEnv({}, undefined, true));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/api/v1/status', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    try {
      expect(await get(`127.0.0.1:${port}`)).toBe(200);
      expect(await get(`localhost:${port}`)).toBe(200);
      // A rebinding site: its own name, resolved to 127.0.0.1.
      expect(await get(`attacker.example:${port}`)).toBe(421);
      expect(await get('127.0.0.1:1')).toBe(421);
    } finally {
      await app.close();
    }
  });
});

describe('isOwnHost', () => {
  it.each([
    // [Host, local address, local port, allowed]
    ['127.0.0.1:8080', '127.0.0.1', 8080, true],
    ['localhost:8080', '127.0.0.1', 8080, true],
    ['LOCALHOST:8080', '::ffff:127.0.0.1', 8080, true],
    ['[::1]:8080', '::1', 8080, true],
    ['192.168.1.5:8080', '192.168.1.5', 8080, true],
    // localhost names only a loopback address
    ['localhost:8080', '192.168.1.5', 8080, false],
    ['rebind.attacker.example:8080', '127.0.0.1', 8080, false],
    ['127.0.0.1:9090', '127.0.0.1', 8080, false],
    ['127.0.0.1', '127.0.0.1', 80, true],
    [undefined, '127.0.0.1', 8080, false],
    ['127.0.0.1:8080@evil', '127.0.0.1', 8080, false],
  ] as const)('Host %s on %s:%s: %s', (host, address, port, allowed) => {
    expect(isOwnHost(host, address, port)).toBe(allowed);
  });
});

describe('parseTrustProxy', () => {
  it.each([
    ['true', true],
    ['false', false],
    ['loopback,uniquelocal', 'loopback,uniquelocal'],
    ['10.0.0.0/8,127.0.0.1', '10.0.0.0/8,127.0.0.1'],
  ] as const)('reads --trust-proxy %s', (text, expected) => {
    expect(parseTrustProxy(text)).toBe(expected);
  });

  it('refuses a bare hop count, which fastify would ignore for X-Forwarded-Proto', () => {
    expect(() => parseTrustProxy('1')).toThrow('addresses/CIDRs');
  });
});
