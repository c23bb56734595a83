/** Errors the command line reports without a stack. */

/** UsageError is a mistake in the command line or its inputs (exit 2, no stack). */
export class UsageError extends Error {
  override name = 'UsageError';
}
