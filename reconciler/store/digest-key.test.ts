import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digestKeyFile, loadDigestKey } from './digest-key.ts';

describe('the digest key', () => {
  const dirs: string[] = [];
  const stateDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trueup-digest-key-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('is made in the state dir on first use (owner-only) and the same after a restart', async () => {
    const dir = await stateDir();
    const first = loadDigestKey({ env: {}, stateDir: dir });
    expect(first.source).toBe('state-dir');
    expect(first.key).toHaveLength(32);
    expect((await stat(join(dir, digestKeyFile))).mode & 0o777).toBe(0o600);
    const again = loadDigestKey({ env: {}, stateDir: dir });
    expect(again.key.equals(first.key)).toBe(true);
    // Another installation (state dir) has another key.
    expect(loadDigestKey({ env: {}, stateDir: await stateDir() }).key.equals(first.key)).toBe(false);
  });

  it('comes from TRUEUP_DIGEST_KEY first (the same for every replica), with a minimum length', async () => {
    const dir = await stateDir();
    const key = 'k'.repeat(32);
    expect(loadDigestKey({ env: { TRUEUP_DIGEST_KEY: key }, stateDir: dir })).toEqual({
      key: Buffer.from(key),
      source: 'env',
    });
    expect(() => loadDigestKey({ env: { TRUEUP_DIGEST_KEY: 'short' }, stateDir: dir })).toThrow(
      /TRUEUP_DIGEST_KEY must be at least 32 characters/,
    );
  });

  it('is a key for this process only without env or state dir, and refuses a damaged key file', async () => {
    const a = loadDigestKey({ env: {} });
    const b = loadDigestKey({ env: {} });
    expect(a.source).toBe('process');
    expect(a.key.equals(b.key)).toBe(false);
    const dir = await stateDir();
    await writeFile(join(dir, digestKeyFile), 'not a key\n');
    expect(() => loadDigestKey({ env: {}, stateDir: dir })).toThrow(/does not hold a digest key/);
    expect(await readFile(join(dir, digestKeyFile), 'utf8')).toBe('not a key\n');
  });
});
