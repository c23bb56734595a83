import { describe, expect, it } from 'vitest';
import { Coalescer } from './refresh.ts';

/** A task whose runs the test finishes by hand. */
function manualTask() {
  const runs: PromiseWithResolvers<number>[] = [];
  return {
    runs,
    task: () => {
      const run = Promise.withResolvers<number>();
      runs.push(run);
      return run.promise;
    },
  };
}

describe('Coalescer', () => {
  it('runs once for callers while idle, and once more for every caller that arrived during a run', async () => {
    const { runs, task } = manualTask();
    const gate = new Coalescer(task);
    const first = gate.run();
    const during = Array.from({ length: 49 }, () => gate.run());
    expect(runs).toHaveLength(1);
    runs[0]?.resolve(1);
    expect(await first).toBe(1);
    // The 49 waited for a run that started after theirs arrived, and share it.
    expect(runs).toHaveLength(2);
    runs[1]?.resolve(2);
    expect(await Promise.all(during)).toEqual(Array(49).fill(2));
    expect(gate.runs).toBe(2);
  });

  it('passes a failed run to its callers and still runs the pending one', async () => {
    const { runs, task } = manualTask();
    const gate = new Coalescer(task);
    const first = gate.run();
    const second = gate.run();
    runs[0]?.reject(new Error('fetch failed'));
    await expect(first).rejects.toThrow('fetch failed');
    runs[1]?.resolve(7);
    expect(await second).toBe(7);
  });
});
