import { describe, expect, it } from 'vitest';
import { type Caller, decideAccess, needsCsrf } from './access.ts';
import { RateLimiter } from './rate-limit.ts';

const nobody: Caller = {};
const viewer: Caller = { role: 'viewer', name: 'bob' };
const operator: Caller = { role: 'operator', name: 'alice' };
const webhook: Caller = { webhook: true };

describe('decideAccess', () => {
  it.each([
    // [access, caller, status or 'ok']
    // a route that declares nothing is nobody's, not even an operator's (default deny)
    [undefined, operator, 403],
    ['admin', operator, 403],
    ['public', nobody, 'ok'],
    ['viewer', nobody, 401],
    ['viewer', viewer, 'ok'],
    ['viewer', operator, 'ok'],
    // webhook credentials are not a console user
    ['viewer', webhook, 401],
    ['operator', nobody, 401],
    ['operator', viewer, 403],
    ['operator', webhook, 401],
    ['operator', operator, 'ok'],
    ['operator-or-webhook', nobody, 401],
    ['operator-or-webhook', viewer, 403],
    ['operator-or-webhook', webhook, 'ok'],
    ['operator-or-webhook', operator, 'ok'],
    // these routes check their own credentials first thing
    ['webhook', nobody, 'ok'],
    ['slack', nobody, 'ok'],
    ['mattermost', nobody, 'ok'],
  ] as const)('%s called by %j: %s', (access, caller, expected) => {
    const decision = decideAccess(access, caller);
    if (expected === 'ok') expect(decision).toEqual({ ok: true });
    else expect(decision).toMatchObject({ ok: false, status: expected });
  });

  it('names the role a viewer lacks', () => {
    expect(decideAccess('operator', viewer)).toMatchObject({
      error: 'TRUEUP_FORBIDDEN',
      message: 'bob (viewer) may not do this: it needs the operator role',
    });
  });
});

describe('needsCsrf', () => {
  it.each([
    // [access, method, declared, needs the token]
    ['viewer', 'GET', undefined, false],
    ['operator', 'POST', undefined, true],
    ['operator-or-webhook', 'POST', undefined, true],
    ['public', 'POST', undefined, false],
    // logout declares it
    ['public', 'POST', true, true],
    // login declares it off
    ['public', 'POST', false, false],
    ['webhook', 'POST', undefined, false],
  ] as const)('%s %s (declared %s): %s', (access, method, declared, expected) => {
    expect(needsCsrf(access, method, declared)).toBe(expected);
  });
});

describe('RateLimiter', () => {
  it('allows a burst, refuses past it with the wait, and refills with time, per key', () => {
    let now = 0;
    const limiter = new RateLimiter({ capacity: 3, perMinute: 6, now: () => now });
    expect([1, 2, 3].map(() => limiter.take('a').ok)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 10 });
    expect(limiter.take('b').ok).toBe(true);
    now += 10_000;
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
  });

  it('forgets the least recently used keys past maxKeys', () => {
    const limiter = new RateLimiter({ capacity: 1, perMinute: 1, maxKeys: 2, now: () => 0 });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    // a was forgotten: a fresh bucket again.
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('c').ok).toBe(false);
  });
});
