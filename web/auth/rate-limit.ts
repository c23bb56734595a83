/**
 * A token bucket per key (client address, user): `capacity` requests at once, refilled at
 * `perMinute`. Used for login attempts and repo refreshes. Small and pure (the clock is passed in);
 * no npm rate limiter is installed, and this needs no store beyond one Map.
 */

/** RateLimitOptions size the buckets. */
export interface RateLimitOptions {
  /** capacity is the burst: how many requests a fresh key may make at once. */
  capacity: number;
  /** perMinute is the refill rate. */
  perMinute: number;
  /** maxKeys bounds memory: past it, the least recently used keys are forgotten. */
  maxKeys?: number;
  now?: () => number;
}

/** RateDecision: allowed, or refused with the seconds until a request would be allowed. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/** RateLimiter hands out tokens per key. */
export class RateLimiter {
  readonly #options: Required<RateLimitOptions>;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: RateLimitOptions) {
    this.#options = { maxKeys: 10_000, now: () => Date.now(), ...options };
  }

  /** take spends one token of `key`'s bucket, or says how long to wait. */
  take(key: string): RateDecision {
    const { capacity, perMinute, maxKeys, now } = this.#options;
    const t = now();
    const old = this.#buckets.get(key);
    const refill = old ? ((t - old.at) / 60_000) * perMinute : capacity;
    const tokens = Math.min(capacity, (old?.tokens ?? 0) + refill);
    // Re-insert: Map order is then least recently used first.
    this.#buckets.delete(key);
    if (tokens < 1) {
      this.#buckets.set(key, { tokens, at: t });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(((1 - tokens) * 60) / perMinute)) };
    }
    this.#buckets.set(key, { tokens: tokens - 1, at: t });
    while (this.#buckets.size > maxKeys) {
      const oldest = this.#buckets.keys().next().value as string;
      this.#buckets.delete(oldest);
    }
    return { ok: true };
  }
}
