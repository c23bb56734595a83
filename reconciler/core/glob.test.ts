import { describe, expect, it } from 'vitest';
import { globsOverlap, matchesAny, matchesGlob } from './glob.ts';

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

describe('matchesGlob', () => {
  it.each([
    ['*', '', true],
    ['*', 'anything', true],
    ['', '', true],
    ['', 'a', false],
    ['a*', 'a', true],
    ['*a', 'ba', true],
    ['*a', 'ab', false],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbY', false],
    // the last star must be able to swallow more after a partial match
    ['*ab', 'aab', true],
    ['*abc*d', 'abcabcXd', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['**a**', 'xay', true],
    // regex characters are literal
    ['data.(x|y)+', 'data.(x|y)+', true],
    ['data.(x|y)+', 'data.x', false],
    ['^a$', '^a$', true],
  ])('%s matches %j: %s', (glob, value, expected) => {
    expect(matchesGlob(glob, value)).toBe(expected);
  });

  it('decides a pattern that backtracks a regex into polynomial time on a long value at once', () => {
    // As a regex (^.*a.*a.*a.*a.*a.*a.*a.*b$) this takes about n^7 steps: it would never finish.
    const glob = '*a*a*a*a*a*a*a*b';
    const value = 'a'.repeat(20_000);
    expect(matchesGlob(glob, value)).toBe(false);
    expect(matchesGlob(glob, `${value}b`)).toBe(true);
  });
});

describe('globsOverlap', () => {
  it('decides two very long globs without running out of stack', () => {
    const long = `${'a*'.repeat(5_000)}b`;
    expect(globsOverlap(long, '*c')).toBe(false);
    expect(globsOverlap(long, '*b')).toBe(true);
  });

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
