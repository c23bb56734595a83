/**
 * The eval suite's scenario files (bench/eval/scenarios) parse, extend a template that exists, and
 * cover every class the suite promises; the suite itself is a benchmark (`npm run eval`), not a test.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { culpritRef, loadScenarios, scenarioSchema } from '../bench/eval/scenario.ts';
import { blamedOf } from '../bench/eval/score.ts';

const dir = join(import.meta.dirname, '..', 'bench', 'eval', 'scenarios');

describe('eval scenarios', () => {
  it('parse, with at least 30 of them covering every class', async () => {
    const scenarios = await loadScenarios(dir);
    expect(scenarios.length).toBeGreaterThanOrEqual(30);
    const classes = new Set(scenarios.map((s) => s.class));
    expect([...classes].sort()).toEqual([...scenarioSchema.shape.class.options].sort());
    expect(scenarios.filter((s) => s.expect.culprit === 'none').length).toBeGreaterThanOrEqual(5);
  });

  it('name the expected culprit as cluster/namespace/Kind/name', async () => {
    const first = (await loadScenarios(dir)).find((s) => s.expect.culprit !== 'none');
    expect(first && culpritRef(first)).toMatch(/^eval-[ab]\/[a-z0-9-]+\/(ConfigMap|Secret)\/[a-z0-9-]+$/);
  });

  it('score an answer below the blame threshold as blaming nothing', () => {
    const answer = {
      summary: 's',
      rootCause: 'r',
      risk: 'low' as const,
      evidence: ['config:a/b/ConfigMap/c'],
    };
    expect(blamedOf({ ...answer, confidence: 0.1 })).toBeUndefined();
    expect(blamedOf({ ...answer, confidence: 0.9 })).toBe('a/b/ConfigMap/c');
  });
});
