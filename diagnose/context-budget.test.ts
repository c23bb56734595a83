import { describe, expect, it } from 'vitest';
import { trimForContext } from './context-budget.ts';

const longString = 'x'.repeat(50_000);
const manyItems = Array.from({ length: 5_000 }, (_, i) => ({ id: i, name: `pod-${i}`, ready: i % 2 === 0 }));
const manyKeys = Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`key-${i}`, `value-${i}`]));
const deep = (() => {
  let node: Record<string, unknown> = { leaf: 'y'.repeat(3_000) };
  for (let i = 0; i < 40; i++) node = { [`level${i}`]: node, sibling: i };
  return node;
})();
const escapes = '"\\\n\u0001'.repeat(20_000);
const emoji = '😀'.repeat(20_000);
const evidence = {
  configs: Array.from({ length: 30 }, (_, i) => ({
    ref: `cluster-1/payments/ConfigMap/app-${i}`,
    live: { data: { 'config.yaml': 'a: b\n'.repeat(2_000) } },
    commits: Array.from({ length: 50 }, (_, j) => ({ commit: `c${j}`.padEnd(40, '0'), summary: 'bump' })),
  })),
};

describe('trimForContext', () => {
  it.each([
    // a short value is compact JSON, unchanged
    ['a short object', { a: 1, b: ['x', null, true] }, 200],
    // strings, numbers and null are values too
    ['a short string', 'hello', 200],
    ['a number', 42, 200],
    ['null', null, 200],
  ])('leaves %s untouched', (_name, value, maxChars) => {
    expect(trimForContext(value, maxChars)).toBe(JSON.stringify(value));
  });

  it.each([
    // one huge string
    ['a 50 kB string', longString, 1_000],
    // thousands of array items
    ['5 000 array items', manyItems, 2_000],
    // thousands of keys in one object
    ['3 000 object keys', manyKeys, 2_000],
    // nesting deeper than any pass keeps
    ['40 levels of nesting', deep, 500],
    // characters that JSON escapes (the JSON is longer than the string)
    ['escape-heavy text', escapes, 300],
    // surrogate pairs must not be split into invalid halves
    ['emoji', emoji, 250],
    // a realistic evidence bundle at the tool-result default
    ['an evidence bundle', evidence, 8_000],
    // the smallest sane budget
    ['an evidence bundle in 200 chars', evidence, 200],
  ])('fits %s into the budget as valid JSON', (_name, value, maxChars) => {
    const text = trimForContext(value, maxChars);
    expect(text.length).toBeLessThanOrEqual(maxChars);
    expect(() => JSON.parse(text)).not.toThrow();
    expect(text).toContain('trimmed');
  });

  it.each([200, 201, 257, 333, 1_000, 4_096])('never exceeds a budget of %i chars', (maxChars) => {
    for (const value of [longString, manyItems, manyKeys, deep, escapes, emoji, evidence]) {
      const text = trimForContext(value, maxChars);
      expect(text.length).toBeLessThanOrEqual(maxChars);
      JSON.parse(text);
    }
  });

  it('marks a shortened string with how many chars were removed', () => {
    const { log } = JSON.parse(trimForContext({ log: longString }, 1_000)) as { log: string };
    const match = /^(x+)…\[trimmed (\d+) chars\]$/.exec(log);
    expect(match).not.toBeNull();
    expect((match?.[1]?.length ?? 0) + Number(match?.[2])).toBe(longString.length);
  });

  it('keeps the first items of a long array and says how many more there were', () => {
    const items = JSON.parse(trimForContext(manyItems, 2_000)) as unknown[];
    expect(items[0]).toEqual(manyItems[0]);
    const marker = items.at(-1) as { trimmed: string };
    expect(marker.trimmed).toBe(`+${manyItems.length - (items.length - 1)} more items`);
  });

  it('keeps the first keys of a wide object and counts the rest', () => {
    const object = JSON.parse(trimForContext(manyKeys, 2_000)) as Record<string, string>;
    expect(object['key-0']).toBe('value-0');
    const kept = Object.keys(object).length - 1;
    expect(object['…trimmed']).toBe(`+${3_000 - kept} more keys`);
  });

  it('summarises objects below the kept depth by their key names', () => {
    const text = trimForContext(deep, 500);
    expect(text).toMatch(/object with 2 keys: level\d+, sibling/);
  });

  it('serialises what JSON.stringify cannot without throwing', () => {
    const cyclic: Record<string, unknown> = { name: 'a', big: 10n, when: new Date(0), skip: undefined };
    cyclic.self = cyclic;
    expect(JSON.parse(trimForContext(cyclic, 1_000))).toEqual({
      name: 'a',
      big: '10',
      when: '1970-01-01T00:00:00.000Z',
      self: '[circular]',
    });
    expect(trimForContext(undefined, 200)).toBe('null');
  });

  it('keeps a __proto__ key as data', () => {
    const value = JSON.parse(`{"__proto__": {"x": "${'z'.repeat(5_000)}"}}`);
    const text = trimForContext(value, 1_000);
    expect(Object.keys(JSON.parse(text))).toEqual(['__proto__']);
  });
});
