import { describe, expect, it } from 'vitest';
import { parseYamlFile } from './yaml-file.ts';

const text = 'data:\n  one: a\n  block: |\n    line 1\n    line 2\n  after: b\n';

describe('YamlDocument.lastLineOf', () => {
  it.each([
    // a one-line value ends on its key's line
    [['data', 'one'], 2, 2],
    // a block scalar ends on its last content line, not on the next key
    [['data', 'block'], 3, 5],
    [['data', 'after'], 6, 6],
    // a path that is not there: its nearest parent's line
    [['data', 'nope'], 1, 1],
  ])('gives %j lines %i to %i', (path, first, last) => {
    const [doc] = parseYamlFile('f.yaml', text).documents;
    expect(doc?.lineOf(path)).toBe(first);
    expect(doc?.lastLineOf(path)).toBe(last);
  });
});
