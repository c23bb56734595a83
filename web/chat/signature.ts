/**
 * Slack request signing (v0): every request Slack sends carries `X-Slack-Request-Timestamp` and
 * `X-Slack-Signature: v0=<hex>`, the HMAC-SHA256 of `v0:{timestamp}:{raw body}` under the app's
 * signing secret. A request is genuine when the signature matches (compared in constant time), the
 * timestamp is within five minutes of now, and the same signature was not seen before (replay).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** SIGNATURE_MAX_AGE_SECONDS is how far a request's timestamp may be from now (Slack: 5 minutes). */
export const SIGNATURE_MAX_AGE_SECONDS = 300;

/** SignatureCheck is the verdict on one request, with the reason when refused. */
export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** slackSignature is the `v0=<hex>` signature Slack sends for a body at a timestamp. */
export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** signedHeaders are the headers Slack would send with a body (tests sign requests with them). */
export function signedHeaders(
  secret: string,
  rawBody: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const timestamp = String(nowSeconds);
  return {
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': slackSignature(secret, timestamp, rawBody),
  };
}

/** verifySlackSignature checks a request's signature and timestamp (not replay: see ReplayGuard). */
export function verifySlackSignature(
  secret: string,
  headers: { timestamp?: string; signature?: string },
  rawBody: string,
  nowMs = Date.now(),
): SignatureCheck {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) return { ok: false, reason: 'missing X-Slack-Signature or timestamp' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed X-Slack-Request-Timestamp' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_MAX_AGE_SECONDS)
    return { ok: false, reason: 'the request timestamp is more than 5 minutes from now' };
  const expected = Buffer.from(slackSignature(secret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch is a mismatch, and says nothing secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'signature mismatch' };
  return { ok: true };
}

/**
 * ReplayGuard remembers the signatures of accepted requests for the timestamp window, so a captured
 * request sent again within the window is refused. Older ones are refused by the timestamp check.
 */
export class ReplayGuard {
  #seen = new Map<string, number>();
  #maxEntries: number;

  constructor(maxEntries = 100_000) {
    this.#maxEntries = maxEntries;
  }

  /** accept records a signature; false when it was already seen within the window. */
  accept(signature: string, nowMs = Date.now()): boolean {
    this.#prune(nowMs);
    if (this.#seen.has(signature)) return false;
    // Past the cap, forget the oldest: the timestamp check still bounds what a replay can reuse.
    if (this.#seen.size >= this.#maxEntries) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    this.#seen.set(signature, nowMs + 2 * SIGNATURE_MAX_AGE_SECONDS * 1000);
    return true;
  }

  #prune(nowMs: number): void {
    // Insertion order is expiry order: stop at the first entry still alive.
    for (const [signature, expires] of this.#seen) {
      if (expires > nowMs) break;
      this.#seen.delete(signature);
    }
  }
}
