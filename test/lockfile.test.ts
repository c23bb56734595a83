import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * npm ci refuses a lockfile that lacks an entry for any optional dependency, and npm install then
 * rewrites it: a fresh clone would start with a dirty tree. The lockfile must be complete.
 */
describe('package-lock.json', () => {
  const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as {
    packages: Record<string, { optionalDependencies?: Record<string, string> }>;
  };

  it('has an entry for every optional dependency of every locked package, so npm ci works on any platform', () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        const nested = `${path}/node_modules/${name}`;
        if (!lock.packages[nested] && !lock.packages[`node_modules/${name}`])
          missing.push(`${path || '.'} → ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
