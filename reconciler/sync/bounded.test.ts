import { describe, expect, it } from 'vitest';
import { limiter, mapBounded } from './bounded.ts';

/** tracker counts tasks in flight and remembers the most seen at once. */
function tracker() {
  const state = { running: 0, most: 0 };
  const task = async <T>(value: T): Promise<T> => {
    state.running++;
    state.most = Math.max(state.most, state.running);
    await new Promise((resolve) => setTimeout(resolve, 1 + (Number(value) % 3)));
    state.running--;
    return value;
  };
  return { state, task };
}

describe('mapBounded', () => {
  it('keeps at most the limit in flight and returns results in the items order', async () => {
    const { state, task } = tracker();
    const items = Array.from({ length: 40 }, (_, i) => i);
    expect(await mapBounded(items, 4, task)).toEqual(items);
    expect(state.most).toBe(4);
  });

  it('shares one cap between callers (the fleet-wide bound over per-cluster bounds)', async () => {
    const { state, task } = tracker();
    const shared = limiter(5);
    const items = Array.from({ length: 30 }, (_, i) => i);
    const [a, b] = await Promise.all([
      mapBounded(items, 4, task, shared),
      mapBounded(items, 4, task, shared),
    ]);
    expect(a).toEqual(items);
    expect(b).toEqual(items);
    expect(state.most).toBe(5);
  });

  it('passes a failure to its caller and still runs the rest', async () => {
    const ran: number[] = [];
    const run = mapBounded([1, 2, 3], 1, async (i) => {
      ran.push(i);
      if (i === 2) throw new Error('two failed');
      return i;
    });
    await expect(run).rejects.toThrow('two failed');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ran).toEqual([1, 2, 3]);
  });
});
