/**
 * Regular expressions a repo file supplies (SOPS' `encrypted_regex` and the other rule patterns in a
 * file's `sops:` block), run with a budget. sops compiles them with Go's RE2, which runs in linear
 * time; JavaScript backtracks, so `(a+)+$` or `.*.*.*x` can take exponential or polynomial time on a
 * key or comment. A pattern with no quantifier runs as is; any other runs in a `node:vm` script whose
 * timeout V8 enforces inside the regex engine, against one budget per file, each answer memoized.
 */
import { createContext, Script } from 'node:vm';

/** maxRegexLength caps a repo-supplied pattern's length. */
export const maxRegexLength = 1024;

/** defaultRegexBudgetMs is the time one file's patterns may take in all. */
export const defaultRegexBudgetMs = 1000;

/** RegexBudgetError says a pattern is refused: too long, or over its time budget. */
export class RegexBudgetError extends Error {
  override name = 'RegexBudgetError';
}

/** BoundedRegex is a repo-supplied pattern that can only be tested, within a budget. */
export interface BoundedRegex {
  /** test tells whether the pattern matches value; throws RegexBudgetError once the budget is spent. */
  test(value: string): boolean;
}

const testScript = new Script('regex.test(value)');

/** boundedRegex wraps a compiled pattern with the length cap and a time budget (one per file). */
export function boundedRegex(regex: RegExp, budgetMs = defaultRegexBudgetMs): BoundedRegex {
  if (regex.source.length > maxRegexLength) {
    throw new RegexBudgetError(
      `the pattern is ${regex.source.length} characters, over the ${maxRegexLength} allowed`,
    );
  }
  // Without a quantifier there is nothing to backtrack over: at most |pattern| × |value| steps.
  if (!hasQuantifier(regex.source)) return { test: (value) => regex.test(value) };
  const context = createContext({ regex, value: '' });
  const answers = new Map<string, boolean>();
  let spent = 0;
  return {
    test(value) {
      const known = answers.get(value);
      if (known !== undefined) return known;
      const left = Math.ceil(budgetMs - spent);
      if (left <= 0) throw overBudget(budgetMs);
      context.value = value;
      const started = performance.now();
      let answer: boolean;
      try {
        answer = testScript.runInContext(context, { timeout: left }) as boolean;
      } catch (err) {
        // A timeout spends the whole budget: the watchdog's clock may stop a hair before ours.
        if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
          spent = budgetMs;
          throw overBudget(budgetMs);
        }
        spent += performance.now() - started;
        throw err;
      }
      spent += performance.now() - started;
      answers.set(value, answer);
      return answer;
    },
  };
}

function overBudget(budgetMs: number): RegexBudgetError {
  return new RegexBudgetError(
    `the pattern took more than ${budgetMs} ms on this file's keys and comments (nested or repeated quantifiers?); refused`,
  );
}

/** hasQuantifier tells whether a pattern source has `*`, `+`, `?` or `{n,m}` outside escapes and classes. */
export function hasQuantifier(source: string): boolean {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '*' || c === '+' || c === '{') {
      return true;
    } else if (c === '?' && source[i - 1] !== '(') {
      return true;
    }
  }
  return false;
}
