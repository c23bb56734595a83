/**
 * Bounded concurrency for bulk writes: a cycle remediates a cluster's objects several at a time
 * (per-cluster bound) while all clusters together stay under one cap, so an initial apply of
 * thousands of objects approaches the apiservers' own write rate without flooding them. Pure: no
 * timers, only promises.
 */

/** Limiter runs at most its bound of tasks at once; the others wait in arrival order. */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
}

/** limiter returns a Limiter allowing max tasks at once (at least one). */
export function limiter(max: number): Limiter {
  const bound = Math.max(1, Math.floor(max));
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (running >= bound) await new Promise<void>((resolve) => waiting.push(resolve));
      running++;
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}

/**
 * mapBounded maps items with at most `limit` calls of fn in flight (each also passing through
 * `shared`, when given, so several callers share one cap); results keep the items' order.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
  shared?: Limiter,
): Promise<R[]> {
  const own = limiter(limit);
  return Promise.all(items.map((item) => own.run(() => (shared ? shared.run(() => fn(item)) : fn(item)))));
}
