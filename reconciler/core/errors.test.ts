import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codeOf, errorCatalog, failureOf, isTrueupCode, statusOf, type TrueupCode } from './errors.ts';

const root = new URL('../../', import.meta.url);

/** productSources are the repo's TypeScript files that ship: no tests, dependencies or build output. */
function productSources(): string[] {
  return (readdirSync(root, { recursive: true }) as string[])
    .map((f) => f.split('\\').join('/'))
    .filter((f) => /\.tsx?$/.test(f) && !/(^|\/)(node_modules|dist|test-output)\//.test(f))
    .filter((f) => !/\.test\.tsx?$/.test(f) && !f.startsWith('test/') && !f.startsWith('bench/'));
}

/**
 * environmentVariables are the `TRUEUP_*` names that are settings, not error codes. A new one must
 * be listed here: that is the decision that it is not a code missing from the catalog.
 */
const environmentVariables = new Set([
  'TRUEUP_CACHE_DIR',
  'TRUEUP_CONSOLE_TOKENS',
  'TRUEUP_DATABASE_URL',
  'TRUEUP_DIGEST_KEY', // also a code: the key's setting and the error about it share the name
  'TRUEUP_GIT_CREDENTIALS',
  'TRUEUP_INSTALLATION',
  'TRUEUP_LOG_FORMAT',
  'TRUEUP_LLM_MAX_TOOL_CALLS',
  'TRUEUP_LLM_MAX_TOOL_CALLS_PER_STEP',
  'TRUEUP_LLM_MODEL',
  'TRUEUP_NO_BUNDLE',
  'TRUEUP_PROXY_JWT_KEY',
  'TRUEUP_SESSION_SECRET',
  'TRUEUP_TEST_CRASH',
  'TRUEUP_WEBHOOK_BASIC_AUTH',
  'TRUEUP_WEBHOOK_TOKEN',
]);

describe('the TRUEUP_* error catalog', () => {
  it('lists every code that product code uses', () => {
    const used = new Map<string, string>();
    for (const file of productSources()) {
      const text = readFileSync(new URL(file, root), 'utf8');
      // `TRUEUP_REPO_${string}` (a template type over the catalog) ends in `_`: not a code.
      for (const [token] of text.matchAll(/\bTRUEUP_[A-Z0-9_]*[A-Z0-9]\b/g)) used.set(token, file);
    }
    const missing = [...used]
      .filter(([token]) => !isTrueupCode(token) && !environmentVariables.has(token))
      .map(([token, file]) => `${token} (${file})`);
    expect(missing).toEqual([]);
  });

  it.each(Object.entries(errorCatalog))(
    '%s has an HTTP status, transient or terminal, and a description',
    (_code, spec) => {
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.status).toBeLessThan(600);
      expect(typeof spec.transient).toBe('boolean');
      expect(spec.description.length).toBeGreaterThan(10);
    },
  );

  it.each<[TrueupCode, number, boolean]>([
    // a viewer calling an operator route: refused for good
    ['TRUEUP_FORBIDDEN', 403, false],
    // an apiserver that does not answer: back off and retry
    ['TRUEUP_KUBE_UNAVAILABLE', 503, true],
    // a bad manifest: report, don't retry
    ['TRUEUP_REPO_YAML', 422, false],
    // a refused approval keeps the 409 the approvals API always answered
    ['TRUEUP_APPROVAL_REFUSED', 409, false],
  ])('%s answers %i, transient %s', (code, status, transient) => {
    expect(statusOf(code)).toBe(status);
    expect(failureOf(code, 'm')).toEqual({ code, message: 'm', transient });
  });

  it('classifies an error by the code it carries, never by its text', () => {
    expect(codeOf({ code: 'TRUEUP_NOT_OWNER' }, 'TRUEUP_APPLY_FAILED')).toBe('TRUEUP_NOT_OWNER');
    // ECONNREFUSED is not a catalog code: the caller's fallback stands
    expect(codeOf({ code: 'ECONNREFUSED' }, 'TRUEUP_APPLY_FAILED')).toBe('TRUEUP_APPLY_FAILED');
    expect(codeOf(new Error('connection refused: TRUEUP_KUBE_UNAVAILABLE'), 'TRUEUP_APPLY_FAILED')).toBe(
      'TRUEUP_APPLY_FAILED',
    );
    expect(codeOf(undefined, 'TRUEUP_INTERNAL')).toBe('TRUEUP_INTERNAL');
  });
});
