import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';

/** busy blocks the event loop for ms, as a long synchronous evaluation would. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

describe('trueup_event_loop_delay_seconds', () => {
  it('reports a stall of the event loop as its worst delay, by quantile', async () => {
    const metrics = createMetrics();
    // Let the monitor take samples, then stall the loop the way a synchronous full resync would.
    await new Promise((resolve) => setTimeout(resolve, 50));
    busy(250);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const values = (await metrics.registry.getSingleMetric('trueup_event_loop_delay_seconds')?.get())?.values;
    const byQuantile = Object.fromEntries((values ?? []).map((v) => [v.labels.quantile, v.value]));
    expect(Object.keys(byQuantile).sort()).toEqual(['0.5', '0.99', '1']);
    expect(byQuantile['1']).toBeGreaterThanOrEqual(0.2);
    expect(byQuantile['0.5']).toBeLessThanOrEqual(byQuantile['1'] as number);
  });
});
