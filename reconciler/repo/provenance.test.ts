import { describe, expect, it } from 'vitest';
import type { LineOrigin } from '../git/git-source.ts';
import { lineOriginOf } from './provenance.ts';

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
