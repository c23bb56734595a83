/**
 * The outbound net for Secret values: everything chat sends and every LLM request is already built from key names and
 * `sha256:<12 hex>` digests, but every outbound payload is still scanned before it leaves. The scan
 * holds no plaintext: it hashes the candidate strings of a payload (whole strings, lines, tokens,
 * and base64 tokens decoded) and compares them with the digests of the Secret values the repo
 * declares, so a value that slipped into a message or a prompt (e.g. a ConfigMap that copies a Secret's value)
 * is replaced before it leaves. A value with spaces is caught as a whole string or line, not when
 * it sits inside a longer line.
 */
import { createHash } from 'node:crypto';
import type { FleetState } from './fleet-state.ts';
import { SecretValue } from './secret-value.ts';

/** REDACTED replaces a Secret value found in an outbound message. */
export const REDACTED = '[redacted: Secret value]';

/** Scrub returns a copy of an outbound payload with every known Secret value replaced. */
export type Scrub = <T>(payload: T) => T;

/** desiredSecretDigests are the full digests of every Secret value a fleet state declares. */
export function desiredSecretDigests(state: FleetState | undefined): Set<string> {
  const digests = new Set<string>();
  for (const cluster of state?.clusters ?? [])
    for (const o of cluster.objects)
      if (o.kind === 'Secret')
        for (const value of Object.values(o.data))
          if (value instanceof SecretValue) digests.add(value.digest);
  return digests;
}

const sha = (bytes: string | Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const separators = /[\s"'`=:,;()<>[\]{}|*_~\\]+/;
const base64Token = /^[A-Za-z0-9+/]{8,}={0,2}$/;

/** leakedValues lists the substrings of text whose digest is a known Secret digest. */
export function leakedValues(text: string, digests: ReadonlySet<string>): string[] {
  if (digests.size === 0 || text === '') return [];
  const candidates = new Set<string>([text, ...text.split(/\r?\n/)]);
  for (const line of text.split(/\r?\n/)) {
    for (const token of line.split(/\s+/)) candidates.add(token);
    for (const token of line.split(separators)) candidates.add(token);
  }
  const found: string[] = [];
  for (const candidate of candidates) {
    if (candidate === '') continue;
    if (digests.has(sha(candidate))) found.push(candidate);
    else if (base64Token.test(candidate) && digests.has(sha(Buffer.from(candidate, 'base64'))))
      found.push(candidate);
  }
  // Longest first, so a whole value is replaced before any part of it.
  return found.sort((a, b) => b.length - a.length);
}

/** secretScrubber builds a Scrub over the digests of the moment; onLeak hears each replacement. */
export function secretScrubber(digests: () => ReadonlySet<string>, onLeak?: () => void): Scrub {
  const walk = (value: unknown, known: ReadonlySet<string>): unknown => {
    if (typeof value === 'string') {
      let text = value;
      for (const leaked of leakedValues(value, known)) {
        text = text.split(leaked).join(REDACTED);
        onLeak?.();
      }
      return text;
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, known));
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, known)]));
    return value;
  };
  return <T>(payload: T): T => {
    const known = digests();
    return known.size === 0 ? payload : (walk(payload, known) as T);
  };
}
