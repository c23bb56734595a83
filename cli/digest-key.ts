/** The command line's side of the digest key: load it once per command, report a bad one without a stack. */
import { configureDigestKey as configure, DigestKeyError } from '../reconciler/store/digest-key.ts';
import { UsageError } from './errors.ts';

/**
 * configureDigestKey keys Secret digests for this process: TRUEUP_DIGEST_KEY, else the key in
 * stateDir (made on first use), else a key for this run only.
 */
export function configureDigestKey(stateDir: unknown): void {
  try {
    configure(typeof stateDir === 'string' ? stateDir : undefined);
  } catch (err) {
    if (err instanceof DigestKeyError) throw new UsageError(err.message);
    throw err;
  }
}
