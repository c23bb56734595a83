import { describe, expect, it } from 'vitest';
import type { FleetState } from './fleet-state.ts';
import { desiredSecretDigests, leakedValues, REDACTED, secretScrubber } from './secret-guard.ts';
import { digestOf, SecretValue } from './secret-value.ts';

const canary = 'hunter2-canary-9f3a';
const digests = new Set([digestOf(Buffer.from(canary))]);

describe('the outbound Secret scan', () => {
  it.each([
    // the value alone
    [canary, [canary]],
    // inside a sentence, in code spans, after `=` or `:`
    [`the token is \`${canary}\`.`, [canary]],
    [`DB_PASSWORD=${canary}`, [canary]],
    [`password: "${canary}"`, [canary]],
    // on its own line of a longer text
    [`first line\n${canary}\nlast line`, [canary]],
    // base64 of the value (as Secret data holds it), with and without its padding
    [
      `data: ${Buffer.from(canary).toString('base64')}`,
      ['aHVudGVyMi1jYW5hcnktOWYzYQ==', 'aHVudGVyMi1jYW5hcnktOWYzYQ'],
    ],
    // digests and other text are left alone
    ['value sha256:1a2b3c4d5e6f changed', []],
    ['hunter2-canary', []],
  ])('finds the leaks in %j', (text, leaks) => {
    expect(leakedValues(text, digests)).toEqual(leaks);
  });

  it('redacts every string of a payload, deep, and tells how many', () => {
    let leaks = 0;
    const scrub = secretScrubber(
      () => digests,
      () => leaks++,
    );
    const payload = {
      text: `x ${canary}`,
      blocks: [{ type: 'section', text: { text: `*${canary}*` } }],
      n: 3,
    };
    const clean = scrub(payload);
    expect(JSON.stringify(clean)).not.toContain(canary);
    expect(clean).toEqual({
      text: `x ${REDACTED}`,
      blocks: [{ type: 'section', text: { text: `*${REDACTED}*` } }],
      n: 3,
    });
    expect(leaks).toBe(2);
    // the original is not touched
    expect(payload.text).toContain(canary);
  });

  it('collects the digests of the Secret values the repo declares, not ConfigMap values', () => {
    const state = {
      clusters: [
        {
          objects: [
            { kind: 'Secret', data: { token: SecretValue.fromString(canary) } },
            { kind: 'ConfigMap', data: { color: 'blue' } },
          ],
        },
      ],
    } as unknown as FleetState;
    expect(desiredSecretDigests(state)).toEqual(digests);
    expect(desiredSecretDigests(undefined).size).toBe(0);
  });
});
