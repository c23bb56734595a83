import { describe, expect, it } from 'vitest';
import { boundedRegex, hasQuantifier, maxRegexLength, RegexBudgetError } from './bounded-regex.ts';

describe('boundedRegex', () => {
  it('answers like the pattern does, within the budget', () => {
    const regex = boundedRegex(/^(data|stringData)$/);
    expect(['data', 'stringData', 'metadata'].map((k) => regex.test(k))).toEqual([true, true, false]);
    const quantified = boundedRegex(/^pass.*$/);
    expect(['password', 'user', 'password'].map((k) => quantified.test(k))).toEqual([true, false, true]);
  });

  it('refuses a pattern that backtracks catastrophically instead of hanging', () => {
    // (a+)+$ on "aaa…a!" takes 2^n steps in a backtracking engine; RE2 (sops) takes n.
    const regex = boundedRegex(/^(a+)+$/, 200);
    expect(() => regex.test(`${'a'.repeat(40)}!`)).toThrowError(RegexBudgetError);
    // The budget is spent for the file: later values are refused too, at once.
    expect(() => regex.test('a')).toThrowError(/took more than 200 ms/);
  });

  it('refuses a pattern longer than the cap', () => {
    expect(() => boundedRegex(new RegExp('a'.repeat(maxRegexLength + 1)))).toThrowError(RegexBudgetError);
  });

  it.each([
    ['^(data|stringData)$', false],
    ['^data\\+x$', false], // an escaped + is literal
    ['^[*+?]$', false], // inside a class, too
    ['^(?:data)$', false], // a group modifier is no quantifier
    ['^a+$', true],
    ['^a*$', true],
    ['^ab?$', true],
    ['^a{2,}$', true],
  ])('%s has a quantifier: %s', (source, expected) => {
    expect(hasQuantifier(source)).toBe(expected);
  });
});
