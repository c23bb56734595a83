/**
 * Size limits, checked on every product file (not bench/, not tests): no function over 80 lines and
 * no class over 250 lines (issue 13). A long procedure is split into named steps instead.
 */
import { readdirSync, readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const maxFunctionLines = 80;
const maxClassLines = 250;

/** productSources lists the TypeScript files the size limits apply to. */
function productSources(): string[] {
  return (readdirSync(root, { recursive: true }) as string[])
    .map((f) => f.split('\\').join('/'))
    .filter(
      (f) =>
        /\.tsx?$/.test(f) &&
        !/\.test\.tsx?$/.test(f) &&
        !/^bench\//.test(f) &&
        !/(^|\/)(node_modules|dist|test-output)\//.test(f),
    );
}

/** oversized lists the functions and classes of one source text over the limits, as `file:line name (n lines)`. */
function oversized(file: string, text: string): string[] {
  const kind = file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    const isFunction = ts.isFunctionLike(n) && 'body' in n && n.body !== undefined;
    const isClass = ts.isClassDeclaration(n) || ts.isClassExpression(n);
    if (isFunction || isClass) {
      const first = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const lines = sf.getLineAndCharacterOfPosition(n.end).line - first + 1;
      if (lines > (isClass ? maxClassLines : maxFunctionLines)) {
        found.push(`${file}:${first + 1} ${nameOf(n, sf)} (${lines} lines)`);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

function nameOf(n: ts.Node, sf: ts.SourceFile): string {
  const named = (n as { name?: ts.Node }).name;
  if (named) return named.getText(sf);
  const parent = n.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)))
    return parent.name.getText(sf);
  return '<anonymous>';
}

describe('size limits', () => {
  it(`no product function over ${maxFunctionLines} lines, no class over ${maxClassLines}`, () => {
    const found = productSources().flatMap((f) => oversized(f, readFileSync(new URL(f, root), 'utf8')));
    expect(found).toEqual([]);
  }, 60_000);

  it('catch an oversized function and class', () => {
    const body = Array.from({ length: 81 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    expect(oversized('x.ts', `function long() {\n${body}\n}\n`)).toEqual(['x.ts:1 long (83 lines)']);
    const methods = Array.from({ length: 70 }, (_, i) => `  m${i}() {\n    return ${i};\n  }\n`).join('\n');
    expect(oversized('y.ts', `class Big {\n${methods}}\n`)[0]).toMatch(/^y\.ts:1 Big \(\d+ lines\)$/);
  });
});
