/**
 * SecretValue holds one Secret value so that no later code can leak it by accident: printing,
 * logging, JSON-encoding or string-concatenating it yields only its short hash.
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';

/** digestOf returns the full `sha256:<64 hex>` digest of a value's bytes. */
export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** shortDigest shortens a `sha256:<hex>` digest to the `sha256:<12 hex>` shown to people. */
export function shortDigest(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 12);
}

/** SecretValue wraps the bytes of one Secret value; only reveal() gives them back. */
export class SecretValue {
  readonly #bytes: Buffer;
  /** digest is the full sha256 digest used to compare with live values. */
  readonly digest: string;

  constructor(bytes: Uint8Array) {
    this.#bytes = Buffer.from(bytes);
    this.digest = digestOf(this.#bytes);
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

  /** reveal returns the plaintext bytes, for the apply request and nothing else. */
  reveal(): Buffer {
    return Buffer.from(this.#bytes);
  }

  /** revealString returns the value as UTF-8 text, for `${cluster.*}` substitution only. */
  revealString(): string {
    return this.#bytes.toString('utf8');
  }

  toString(): string {
    return shortDigest(this.digest);
  }

  toJSON(): string {
    return shortDigest(this.digest);
  }

  [inspect.custom](): string {
    return `SecretValue(${shortDigest(this.digest)})`;
  }
}
