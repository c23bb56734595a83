/**
 * The revert patch of a commit that changed keys of a ConfigMap: for each key the commit set, the
 * lines of that key in the file as it is now are replaced by the lines it had before the commit
 * (or removed, when the commit added the key). Only those lines change: whatever else the commit
 * or later commits did to the file stays. The result is a unified diff (`git apply` reads it) and
 * the file with it applied. Pure: both versions of the file come in as text.
 */
import { createTwoFilesPatch } from 'diff';
import { type Document, isMap, isScalar, type Node, type Pair, parseAllDocuments } from 'yaml';

/** RevertRequest is what a revert patch is built from. */
export interface RevertRequest {
  /** file is the repo path (the patch's `a/` and `b/` names). */
  file: string;
  /** current is the file at the revision in use; before is the file before the commit (undefined: it did not exist). */
  current: string;
  before: string | undefined;
  /** object is the document's kind and name (and namespace, when the document writes one). */
  object: { kind: string; name: string; namespace: string };
  /** paths are the data paths the commit set (`data.<key>`, `binaryData.<key>`). */
  paths: string[];
}

/** RevertedKey says what the patch does to one key: put its old lines back, or remove it. */
export interface RevertedKey {
  path: string;
  /** line is the key's first line in the file as it is now (1-based). */
  line: number;
  action: 'restore' | 'remove';
}

/** RevertPatch is a built patch, or why none could be built. */
export type RevertPatch =
  | { ok: true; patch: string; reverted: string; keys: RevertedKey[] }
  | { ok: false; reason: string };

interface KeyLines {
  /** start and end are 0-based line indexes, end inclusive. */
  start: number;
  end: number;
  indent: number;
}

/** buildRevertPatch builds the patch that reverts the lines of paths in current to what before had. */
export function buildRevertPatch(req: RevertRequest): RevertPatch {
  const what = `${req.object.kind} ${req.object.name}`;
  const now = findDocument(req.current, req.object);
  if (!now) return { ok: false, reason: `${req.file} does not declare ${what} (or does not parse)` };
  if (req.before === undefined) return { ok: false, reason: `${req.file} did not exist before the commit` };
  const then = findDocument(req.before, req.object);
  if (!then)
    return {
      ok: false,
      reason: `the commit added ${what} to ${req.file}: reverting it removes the object, not a key`,
    };
  const lines = splitLines(req.current);
  const beforeLines = splitLines(req.before);
  const edits: { at: KeyLines; replacement: string[]; key: RevertedKey }[] = [];
  for (const path of [...new Set(req.paths)]) {
    const at = keyLines(now, path);
    if (at === 'shared')
      return { ok: false, reason: `${path} shares its line with other keys in ${req.file}` };
    if (!at) return { ok: false, reason: `${req.file} does not set ${path} of ${what}` };
    const old = keyLines(then, path);
    if (old === 'shared') return { ok: false, reason: `${path} shared its line with other keys before` };
    const replacement = old
      ? reindent(beforeLines.slice(old.start, old.end + 1), at.indent - old.indent)
      : [];
    if (sameLines(replacement, lines.slice(at.start, at.end + 1))) continue;
    edits.push({ at, replacement, key: { path, line: at.start + 1, action: old ? 'restore' : 'remove' } });
  }
  if (edits.length === 0)
    return { ok: false, reason: `the lines of ${req.paths.join(', ')} are as before the commit` };
  // Bottom-up, so each edit leaves the line numbers of the ones above it as they were.
  const reverted = [...lines];
  for (const e of [...edits].sort((a, b) => b.at.start - a.at.start))
    reverted.splice(e.at.start, e.at.end - e.at.start + 1, ...e.replacement);
  const text = reverted.join('');
  const patch = createTwoFilesPatch(
    `a/${req.file}`,
    `b/${req.file}`,
    req.current,
    text,
    undefined,
    undefined,
    {
      context: 3,
    },
  );
  return {
    ok: true,
    // The `===` banner the library prints is not part of a unified diff.
    patch: patch.replace(/^=+\n/, ''),
    reverted: text,
    keys: edits.map((e) => e.key).sort((a, b) => a.line - b.line),
  };
}

/** Located is a document of a file and a way to turn its offsets into 0-based line indexes. */
interface Located {
  doc: Document;
  lineAt(offset: number): number;
  columnAt(offset: number): number;
}

function findDocument(text: string, object: RevertRequest['object']): Located | undefined {
  let docs: Document[];
  try {
    docs = parseAllDocuments(text, { prettyErrors: false });
  } catch {
    return undefined;
  }
  const doc = docs.find((d) => {
    if (d.errors.length > 0) return false;
    const kind = scalarAt(d.contents, ['kind']);
    const name = scalarAt(d.contents, ['metadata', 'name']);
    const namespace = scalarAt(d.contents, ['metadata', 'namespace']);
    return (
      kind === object.kind &&
      name === object.name &&
      (namespace === undefined || namespace === object.namespace)
    );
  });
  if (!doc) return undefined;
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const lineAt = (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return { doc, lineAt, columnAt: (offset) => offset - (starts[lineAt(offset)] as number) };
}

function scalarAt(root: unknown, path: string[]): string | undefined {
  let node = root;
  for (const step of path) {
    if (!isMap(node)) return undefined;
    node = node.items.find((p) => isScalar(p.key) && p.key.value === step)?.value;
  }
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

/** keyLines finds the lines a data key takes (its key line through its value's last line). */
function keyLines(located: Located, path: string): KeyLines | 'shared' | undefined {
  const dot = path.indexOf('.');
  const [field, key] = [path.slice(0, dot), path.slice(dot + 1)];
  if (dot < 0 || !isMap(located.doc.contents)) return undefined;
  const section = located.doc.contents.items.find((p) => isScalar(p.key) && p.key.value === field)?.value;
  if (!isMap(section)) return undefined;
  const index = section.items.findIndex((p) => isScalar(p.key) && String(p.key.value) === key);
  const pair = section.items[index];
  if (!pair) return undefined;
  if (section.flow) return 'shared';
  const span = pairSpan(pair as Pair<Node, Node | null>, located);
  if (!span) return undefined;
  // Another entry on one of these lines (`a: 1 # b: 2` is a comment, not an entry): not a line patch.
  const others = section.items.filter((_, i) => i !== index);
  for (const other of others) {
    const s = pairSpan(other as Pair<Node, Node | null>, located);
    if (s && s.start <= span.end && s.end >= span.start) return 'shared';
  }
  return span;
}

function pairSpan(pair: Pair<Node, Node | null>, located: Located): KeyLines | undefined {
  const keyRange = pair.key?.range;
  if (!keyRange) return undefined;
  const end = pair.value?.range ? Math.max(pair.value.range[1] - 1, keyRange[1]) : keyRange[1];
  const start = located.lineAt(keyRange[0]);
  return { start, end: Math.max(start, located.lineAt(end)), indent: located.columnAt(keyRange[0]) };
}

/** splitLines splits text into lines that keep their newline, so joining them gives the text back. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function reindent(lines: string[], delta: number): string[] {
  if (delta === 0) return lines;
  return lines.map((l) => (delta > 0 ? ' '.repeat(delta) + l : l.replace(new RegExp(`^ {0,${-delta}}`), '')));
}

function sameLines(a: string[], b: string[]): boolean {
  const trail = (l: string[]) => l.join('').replace(/\n?$/, '\n');
  return a.length === b.length && trail(a) === trail(b);
}
