import { describe, expect, it } from 'vitest';
import type { Drift } from '../core/model.ts';
import type { LineOrigin } from '../git/git-source.ts';
import { addProvenanceCommits, blameOnce, lineOriginOf } from './provenance.ts';

const at = (commit: string, time: string): LineOrigin => ({ commit, author: 'a', time, summary: commit });
const initial = at('initial', '2026-01-01T00:00:00Z');
const later = at('later', '2026-02-01T00:00:00Z');
const latest = at('latest', '2026-03-01T00:00:00Z');

describe('lineOriginOf', () => {
  it.each([
    // a one-line value: its line's commit
    [new Map([[6, later]]), { file: 'f', line: 6 }, 'later'],
    // a block value whose lines a later commit changed, not its key line: that commit
    [
      new Map([
        [6, initial],
        [7, later],
        [8, initial],
      ]),
      { file: 'f', line: 6, lastLine: 8 },
      'later',
    ],
    // several commits inside the block: the newest
    [
      new Map([
        [6, initial],
        [7, latest],
        [8, later],
      ]),
      { file: 'f', line: 6, lastLine: 8 },
      'latest',
    ],
    // lines the blame does not know: the key line's commit
    [new Map([[6, initial]]), { file: 'f', line: 6, lastLine: 8 }, 'initial'],
  ])('names the commit that last changed the key (%#)', (lines, origin, commit) => {
    expect(lineOriginOf(lines, origin)?.commit).toBe(commit);
  });
});

const drift = (name: string, file: string): Drift => ({
  cluster: 'c1',
  kind: 'ConfigMap',
  namespace: 'shop',
  name,
  status: 'missing',
  changes: [],
  driftedBy: [],
  provenance: { 'data.color': { file, line: 3 } },
});

describe('provenance commits', () => {
  it('blames each file once, and no file past the cap (its origins keep file:line without a commit)', async () => {
    const blamed: string[] = [];
    const blame = blameOnce(async (file) => {
      blamed.push(file);
      return new Map([[3, { commit: `c-${file}`, author: 'a', time: '2026-01-01T00:00:00Z', summary: 's' }]]);
    }, 2);
    const drifts = [drift('a', 'a.yaml'), drift('b', 'b.yaml'), drift('a2', 'a.yaml'), drift('c', 'c.yaml')];
    await addProvenanceCommits(drifts, blame);
    expect(blamed).toEqual(['a.yaml', 'b.yaml']);
    expect(drifts.map((d) => d.provenance?.['data.color'])).toEqual([
      { file: 'a.yaml', line: 3, commit: 'c-a.yaml' },
      { file: 'b.yaml', line: 3, commit: 'c-b.yaml' },
      { file: 'a.yaml', line: 3, commit: 'c-a.yaml' },
      { file: 'c.yaml', line: 3 },
    ]);
  });
});
