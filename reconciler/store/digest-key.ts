/**
 * The digest key edge: where the installation's key for Secret digests comes from (see
 * secret-value.ts). In order: `TRUEUP_DIGEST_KEY` (at least 32 characters; the chart sets it from a
 * Secret so every replica shares it), else the file `digest.key` in the state dir (made with 32
 * random bytes on first use, mode 0600, kept across restarts), else a random key for this process
 * only (digests then compare only within one run).
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrueupCode } from '../core/errors.ts';
import { useDigestKey } from '../core/secret-value.ts';

/** digestKeyEnv names the environment variable that gives the digest key. */
export const digestKeyEnv = 'TRUEUP_DIGEST_KEY';

/** minDigestKeyChars is the shortest TRUEUP_DIGEST_KEY accepted. */
export const minDigestKeyChars = 32;

/** digestKeyFile is the key's file name in the state dir. */
export const digestKeyFile = 'digest.key';

/** DigestKey is a digest key and where it came from (never log the key). */
export interface DigestKey {
  key: Buffer;
  source: 'env' | 'state-dir' | 'process';
}

/** DigestKeyError is a digest key that cannot be used; code TRUEUP_DIGEST_KEY. */
export class DigestKeyError extends Error {
  readonly code: TrueupCode = 'TRUEUP_DIGEST_KEY';
  constructor(message: string) {
    super(`${message} (TRUEUP_DIGEST_KEY)`);
    this.name = 'DigestKeyError';
  }
}

/** loadDigestKey finds the digest key: env first, then the state dir (made there on first use). */
export function loadDigestKey(options: {
  env?: Record<string, string | undefined>;
  stateDir?: string | undefined;
}): DigestKey {
  const fromEnv = (options.env ?? process.env)[digestKeyEnv];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < minDigestKeyChars)
      throw new DigestKeyError(`${digestKeyEnv} must be at least ${minDigestKeyChars} characters`);
    return { key: Buffer.from(fromEnv, 'utf8'), source: 'env' };
  }
  if (options.stateDir && options.stateDir !== ':memory:')
    return { key: stateDirKey(options.stateDir), source: 'state-dir' };
  return { key: randomBytes(32), source: 'process' };
}

/** configureDigestKey loads the digest key and makes it the process's; returns where it came from. */
export function configureDigestKey(stateDir?: string): DigestKey['source'] {
  const { key, source } = loadDigestKey({ stateDir });
  useDigestKey(key);
  return source;
}

/** stateDirKey reads the state dir's key, creating it atomically (first writer wins) when missing. */
function stateDirKey(stateDir: string): Buffer {
  const path = join(stateDir, digestKeyFile);
  const existing = readKeyFile(path);
  if (existing) return existing;
  mkdirSync(stateDir, { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    // link fails when another process made the key first: then theirs is the key.
    linkSync(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(temp, { force: true });
  }
  const made = readKeyFile(path);
  if (!made) throw new DigestKeyError(`${path} does not hold a digest key (64 hex characters)`);
  return made;
}

function readKeyFile(path: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!/^[0-9a-f]{64}$/.test(text))
    throw new DigestKeyError(`${path} does not hold a digest key (64 hex characters)`);
  return Buffer.from(text, 'hex');
}
