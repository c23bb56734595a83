import { createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { digestOf, isDigest, SecretValue, useDigestKey } from './secret-value.ts';

const canary = 'admin';
const plain = createHash('sha256').update(canary).digest('hex');

describe('Secret digests', () => {
  afterAll(() => useDigestKey(randomBytes(32)));

  it('are keyed: one value has a different digest under two keys, and the same under one key', () => {
    useDigestKey(Buffer.alloc(32, 1));
    const first = digestOf(Buffer.from(canary));
    const value = SecretValue.fromString(canary);
    expect(value.digest).toBe(first);
    useDigestKey(Buffer.alloc(32, 2));
    const second = digestOf(Buffer.from(canary));
    expect(second).not.toBe(first);
    // A value made under the first key follows the key in use.
    expect(value.digest).toBe(second);
    expect(digestOf(canary)).toBe(second);
  });

  it('are 12 hex with an honest prefix, and never the plain sha256 of the value, whole or cut', () => {
    const value = SecretValue.fromString(canary);
    for (const shown of [value.digest, String(value), JSON.stringify({ value }), inspect(value)]) {
      expect(shown).toMatch(/hmac-sha256:[0-9a-f]{12}\b/);
      expect(shown).not.toContain(plain.slice(0, 12));
    }
    expect(isDigest(value.digest)).toBe(true);
    expect(isDigest(`sha256:${plain.slice(0, 12)}`)).toBe(false);
  });

  it('compare a desired value with a live digest (Secret) or a live text (a ConfigMap value SOPS decrypted)', () => {
    const value = SecretValue.fromString('s3cret-value');
    expect(value.matches(digestOf('s3cret-value'), 'digest')).toBe(true);
    expect(value.matches(digestOf('other'), 'digest')).toBe(false);
    expect(value.matches('s3cret-value', 'text')).toBe(true);
    expect(value.matches('s3cret-valuE', 'text')).toBe(false);
  });

  it('refuse a key shorter than 16 bytes', () => {
    expect(() => useDigestKey(Buffer.alloc(8))).toThrow(/at least 16 bytes/);
  });
});
