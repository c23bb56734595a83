import { describe, expect, it } from 'vitest';
import { changeLine } from './render-fleet.ts';

describe('changeLine', () => {
  it('names the paths that differ inside a document value, the first three and a count of the rest', () => {
    const paths = ['a', 'b', 'c', 'd'].map((p) => ({
      path: `server.${p}`,
      pointer: `/server/${p}`,
      type: 'changed' as const,
      desired: '1',
      live: '2',
    }));
    expect(
      changeLine({
        path: 'data.application.yaml',
        type: 'changed',
        desired: 'server: …',
        live: 'server: …',
        document: { format: 'yaml', changes: paths, more: 2 },
      }),
    ).toBe(
      '• `data.application.yaml`: `server.a` is `2`, git says `1`; `server.b` is `2`, git says `1`; `server.c` is `2`, git says `1` (and 3 more)',
    );
  });

  it('shows a whole value when it holds no document', () => {
    expect(changeLine({ path: 'data.color', type: 'changed', desired: 'blue', live: 'red' })).toBe(
      '• `data.color` is `red`, git says `blue`',
    );
  });
});
