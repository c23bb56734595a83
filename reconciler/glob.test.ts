import { describe, expect, it } from 'vitest';
import { globsOverlap, matchesAny } from './glob.ts';

describe('matchesAny', () => {
  it.each([
    [['data.*'], 'data.log-level', true],
    [['data.?'], 'data.ab', false], // ? is exactly one character
    [['metadata.annotations.cert-manager.io/*'], 'metadata.annotations.cert-manager.io/issuer', true],
    [['data.a.b'], 'data.aXb', false], // a dot is literal
    [[], 'data.a', false],
  ])('%j matches %s: %s', (globs, value, expected) => {
    expect(matchesAny(globs, value)).toBe(expected);
  });
});

describe('globsOverlap', () => {
  it.each([
    // the same literal path
    ['data.log-level', 'data.log-level', true],
    // different literals
    ['data.log-level', 'data.color', false],
    // a glob and a literal it matches, either way round
    ['data.*', 'data.log-level', true],
    ['data.log-level', 'data.*', true],
    // two globs that share a string: data.level matches both
    ['data.*', '*.level', true],
    // prefixes that exclude each other
    ['data.*', 'metadata.*', false],
    // ? is one character: cannot match the empty string the other needs
    ['data.?', 'data.', false],
    ['data.?x', 'data.*', true],
    // a star on both sides
    ['*', '*', true],
    ['a*b', 'c*', false],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(globsOverlap(a, b)).toBe(expected);
    expect(globsOverlap(b, a)).toBe(expected);
  });
});
