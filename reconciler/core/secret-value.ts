/**
 * SecretValue holds one Secret value so that no later code can leak it by accident: printing,
 * logging, JSON-encoding or string-concatenating it yields only its keyed digest.
 *
 * Digests are keyed: `hmac-sha256:<12 hex>`, HMAC-SHA-256 under the installation's digest key and
 * cut to 48 bits. A plain hash of a value is as good as the value for a weak password (anyone can
 * hash `admin` and compare); without the key a digest tells nothing, yet two digests made under one
 * key still compare equal exactly when the values do (a chance collision of 48 bits aside). The key
 * is the process's (useDigestKey, set at start by the edges from env or the state dir); until one is
 * set, a random key made at start-up is used, so no digest is ever unkeyed.
 */
import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/** digestPrefix starts every Secret digest: it names the keyed algorithm honestly. */
export const digestPrefix = 'hmac-sha256:';

/** minDigestKeyBytes is the shortest digest key accepted (128 bits). */
export const minDigestKeyBytes = 16;

let digestKey: Buffer = randomBytes(32);
// The key as a KeyObject, made once: importing a raw key on every digest cost more than the HMAC.
let digestKeyObject: KeyObject = createSecretKey(digestKey);
// Bumped by useDigestKey, so a SecretValue recomputes a digest made under an earlier key.
let keyGeneration = 0;

/** useDigestKey sets the process's digest key; every later digest is keyed with it. */
export function useDigestKey(key: Uint8Array): void {
  if (key.length < minDigestKeyBytes) {
    throw new Error(`a digest key needs at least ${minDigestKeyBytes} bytes, got ${key.length}`);
  }
  const next = Buffer.from(key);
  if (next.equals(digestKey)) return;
  digestKey = next;
  digestKeyObject = createSecretKey(next);
  keyGeneration++;
}

/** digestOf returns the keyed `hmac-sha256:<12 hex>` digest of a value (UTF-8 when a string). */
export function digestOf(bytes: Uint8Array | string): string {
  return `${digestPrefix}${createHmac('sha256', digestKeyObject).update(bytes).digest('hex').slice(0, 12)}`;
}

/** isDigest tells whether a string is a Secret digest as digestOf makes them. */
export function isDigest(value: string): boolean {
  return /^hmac-sha256:[0-9a-f]{12}$/.test(value);
}

/** shortDigest returns a digest as shown to people; digests are short already (kept for callers). */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return digest.slice(0, colon + 1 + 12);
}

/** SecretValue wraps the bytes of one Secret value; only reveal() gives them back. */
export class SecretValue {
  readonly #bytes: Buffer;
  #digest = '';
  #generation = -1;

  constructor(bytes: Uint8Array) {
    this.#bytes = Buffer.from(bytes);
    Object.freeze(this);
  }

  /** fromBase64 decodes a Secret `data` value. */
  static fromBase64(value: string): SecretValue {
    return new SecretValue(Buffer.from(value, 'base64'));
  }

  /** fromString encodes a Secret `stringData` value as UTF-8. */
  static fromString(value: string): SecretValue {
    return new SecretValue(Buffer.from(value, 'utf8'));
  }

  /** digest is the keyed digest, compared with a live Secret value's digest and shown to people. */
  get digest(): string {
    if (this.#generation !== keyGeneration) {
      this.#digest = digestOf(this.#bytes);
      this.#generation = keyGeneration;
    }
    return this.#digest;
  }

  /**
   * matches tells whether a live value is this value: a live Secret value arrives as its digest
   * (`live: 'digest'`), a live ConfigMap value as its text (`live: 'text'`, compared in memory).
   */
  matches(have: string, live: 'digest' | 'text'): boolean {
    return live === 'digest' ? this.digest === have : this.#bytes.equals(Buffer.from(have, 'utf8'));
  }

  /** equals tells whether two values hold the same bytes (compared in memory, never shown). */
  equals(other: SecretValue): boolean {
    return this.#bytes.equals(other.#bytes);
  }

  /** reveal returns the plaintext bytes, for the apply request and nothing else. */
  reveal(): Buffer {
    return Buffer.from(this.#bytes);
  }

  /** revealString returns the value as UTF-8 text, for `${cluster.*}` substitution only. */
  revealString(): string {
    return this.#bytes.toString('utf8');
  }

  toString(): string {
    return this.digest;
  }

  toJSON(): string {
    return this.digest;
  }

  [inspect.custom](): string {
    return `SecretValue(${this.digest})`;
  }
}
