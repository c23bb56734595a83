import { describe, expect, it } from 'vitest';
import type { FleetState } from '../repo/fleet-state.ts';
import {
  knownSecretValues,
  minAnywhere,
  REDACTED,
  SecretMatcher,
  secretMatcherOf,
  secretScrubber,
} from './secret-guard.ts';
import { SecretValue } from './secret-value.ts';

const canary = 'hunter2-canary-9f3a';
const matcher = new SecretMatcher([Buffer.from(canary)]);
const redact = (text: string, m = matcher) => m.redact(text).text;

describe('the outbound Secret scan', () => {
  it.each([
    // the value alone
    [canary, REDACTED],
    // inside a sentence, in code spans, after `=` or `:`
    [`the token is \`${canary}\`.`, `the token is \`${REDACTED}\`.`],
    [`DB_PASSWORD=${canary}`, `DB_PASSWORD=${REDACTED}`],
    [`password: "${canary}"`, `password: "${REDACTED}"`],
    // on its own line of a longer text
    [`first line\n${canary}\nlast line`, `first line\n${REDACTED}\nlast line`],
    // inside a URL or DSN, and in a query string
    [`postgres://app:${canary}@db:5432/x`, `postgres://app:${REDACTED}@db:5432/x`],
    [`https://h/?password=${canary}&x=1`, `https://h/?password=${REDACTED}&x=1`],
    // next to `.`, `!`, `@`, `&`, letters and digits
    [`${canary}.${canary}!@${canary}&`, `${REDACTED}.${REDACTED}!@${REDACTED}&`],
    [`xx${canary}99`, `xx${REDACTED}99`],
    // base64 of the value (as Secret data holds it), with and without its padding, and url-safe
    [`data: ${Buffer.from(canary).toString('base64')}`, `data: ${REDACTED}`],
    [`v=${Buffer.from(canary).toString('base64').replace(/=+$/, '')};`, `v=${REDACTED};`],
    // percent-encoded and JSON-escaped forms of a value with such characters are below
    // digests and other text are left alone
    ['value hmac-sha256:1a2b3c4d5e6f changed', 'value hmac-sha256:1a2b3c4d5e6f changed'],
    ['hunter2-canary', 'hunter2-canary'],
    // a value cut by a trim before the scan: its head before the `…` mark goes too
    [`pw ${canary.slice(0, 9)}…[200 chars]`, `pw ${REDACTED}…[200 chars]`],
  ])('redacts %j', (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('finds a value written in the forms it travels in: percent-encoded, JSON-escaped, trimmed, line by line', () => {
    const value = 'p@ss w/"quote"\n-----LINE-OF-A-PEM-KEY-0123456789\n';
    const m = new SecretMatcher([Buffer.from(value)]);
    expect(redact(`u=${encodeURIComponent(value)}&`, m)).toBe(`u=${REDACTED}&`);
    expect(redact(`{"v":${JSON.stringify(value)}}`, m)).toBe(`{"v":"${REDACTED}"}`);
    expect(redact(`the key: -----LINE-OF-A-PEM-KEY-0123456789 ok`, m)).toBe(`the key: ${REDACTED} ok`);
  });

  it('replaces a value shorter than the minimum only where it stands alone', () => {
    const m = new SecretMatcher([Buffer.from('abc')]);
    expect(redact('postgres://app:abc@db and ?p=abc&x', m)).toBe(
      `postgres://app:${REDACTED}@db and ?p=${REDACTED}&x`,
    );
    expect(redact('abcdef xabc', m)).toBe('abcdef xabc');
  });

  it('property: every value embedded in random text with random delimiters is gone, and nothing else changes', () => {
    const random = seeded(0x5eed);
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    const delimiters = [...' .!@&=:/?#;,"\'`()[]{}<>|\\*_~%+-\n\t', '', 'x', '9'];
    const word = (min: number, max: number, chars = alphabet) =>
      Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () =>
        pick(random, [...chars]),
      ).join('');
    for (let round = 0; round < 300; round++) {
      const values = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
        word(minAnywhere, 40, `${alphabet}!@#$%^&*()-_=+/:.`),
      );
      const m = new SecretMatcher(values.map((v) => Buffer.from(v)));
      const parts: string[] = [];
      const expected: string[] = [];
      for (let i = 0; i < 6; i++) {
        // Filler of capital-free text with digits cannot contain a value's whole form by chance:
        // values carry letters of both cases or punctuation, filler only lowercase letters with a `~`.
        const filler = `${word(0, 12, 'qwxz~')}${pick(random, delimiters)}`;
        const value = pick(random, values);
        parts.push(filler, value);
        expected.push(filler, REDACTED);
      }
      const text = parts.join('');
      const out = m.redact(text).text;
      for (const v of values) expect(out).not.toContain(v);
      // Adjacent values merge into one mark; compare with the marks collapsed the same way.
      expect(collapse(out)).toBe(collapse(expected.join('')));
    }
  });

  it('redacts every string and key of a payload, deep, and tells how many', () => {
    let leaks = 0;
    const scrub = secretScrubber(
      () => matcher,
      () => leaks++,
    );
    const payload = {
      text: `x ${canary}`,
      blocks: [{ type: 'section', text: { text: `*${canary}*` } }],
      [canary]: 1,
      n: 3,
    };
    const clean = scrub(payload);
    expect(JSON.stringify(clean)).not.toContain(canary);
    expect(clean).toEqual({
      text: `x ${REDACTED}`,
      blocks: [{ type: 'section', text: { text: `*${REDACTED}*` } }],
      [REDACTED]: 1,
      n: 3,
    });
    expect(leaks).toBe(3);
    // the original is not touched
    expect(payload.text).toContain(canary);
  });

  it('knows the Secret values and the values SOPS decrypted the repo declares, not plain ConfigMap values', () => {
    const state = {
      clusters: [
        {
          objects: [
            { kind: 'Secret', data: { token: SecretValue.fromString(canary) } },
            {
              kind: 'ConfigMap',
              data: { color: 'blue', dsn: SecretValue.fromString('sops-decrypted-dsn') },
              labels: { team: 'sops-label-value', app: 'web' },
              annotations: { note: 'sops-annotation-value' },
              secretPaths: ['metadata.annotations.note', 'metadata.labels.team'],
            },
          ],
        },
      ],
    } as unknown as FleetState;
    expect(knownSecretValues(state).map(String).sort()).toEqual(
      [canary, 'sops-annotation-value', 'sops-decrypted-dsn', 'sops-label-value'].sort(),
    );
    expect(secretMatcherOf(state)).toBe(secretMatcherOf(state));
    expect(secretMatcherOf(undefined).size).toBe(0);
  });
});

/** seeded is a small deterministic PRNG (mulberry32), so a failing round can be replayed. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function collapse(text: string): string {
  return text.replaceAll(/(\[redacted: Secret value\])+/g, '#');
}
