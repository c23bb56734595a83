/**
 * Document drift: the paths that differ inside a ConfigMap value holding a JSON or YAML document
 * (`server.port`, `/server/port`), computed with json-diff-ts. Pure.
 *
 * Which values are documents (one rule, documented in docs/drift-and-remediation.md): a key ending in `.json` is
 * parsed as JSON, one ending in `.yaml` / `.yml` as one YAML document, and any other key whose two
 * values both start with `{` or `[` as JSON. Both sides must parse to an object or an array, within
 * the budget below; otherwise the value is compared as text, as any other value. Secret values are
 * never given to this module (they are digests, and their plaintext never shown).
 */
import { type IChange, diff as jsonDiff, Operation } from 'json-diff-ts';
import { parse as parseYaml } from 'yaml';
import type { ChangeType, DocumentChange, DocumentFormat } from '../core/model.ts';

/**
 * documentBudget caps what is parsed and diffed, so that a hostile value cannot stall a reconcile:
 * beyond it a value is compared as text. (Measured: parsing YAML costs about 1 ms per KiB, and
 * json-diff-ts grows with the square of the differences, so both the bytes and the nodes are capped.)
 */
export const documentBudget = {
  /** maxBytes: longer values are not parsed (a whole ConfigMap holds at most 1 MiB). */
  maxBytes: 64 * 1024,
  /** maxAliasCount: YAML alias expansions allowed (the `yaml` library's own default is 100). */
  maxAliasCount: 50,
  /** maxDepth: more deeply nested documents are not diffed. */
  maxDepth: 64,
  /** maxNodes: documents with more objects, arrays and values are not diffed. */
  maxNodes: 5000,
  /** maxValueChars: a nested value is cut to this many characters when shown. */
  maxValueChars: 200,
} as const;

/** DocumentValue is one parsed side of a document value. */
export type DocumentValue = object;

/** documentFormatOf says how a key's values are parsed: by suffix, else JSON when both look like it. */
export function documentFormatOf(key: string, desired: string, live: string): DocumentFormat | undefined {
  if (/\.json$/i.test(key)) return 'json';
  if (/\.ya?ml$/i.test(key)) return 'yaml';
  const looksJson = (v: string) => /^\s*[[{]/.test(v);
  return looksJson(desired) && looksJson(live) ? 'json' : undefined;
}

/** parseDocument parses one value within the budget; undefined when it is not an object or array. */
export function parseDocument(format: DocumentFormat, text: string): DocumentValue | undefined {
  if (Buffer.byteLength(text, 'utf8') > documentBudget.maxBytes) return undefined;
  let value: unknown;
  try {
    value =
      format === 'json'
        ? JSON.parse(text)
        : // uniqueKeys off: yaml checks duplicate keys in quadratic time; the last one wins, as in JSON.
          parseYaml(text, {
            maxAliasCount: documentBudget.maxAliasCount,
            uniqueKeys: false,
            prettyErrors: false,
          });
  } catch {
    // Not a document (or too deeply nested for the parser's stack): compared as text.
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  return isWithinBudget(value) ? value : undefined;
}

// isWithinBudget walks the document without recursion (a deep one must not overflow the stack
// here), counting every node an alias expands to as json-diff-ts will visit it. Only JSON data
// qualifies: YAML 1.1 timestamps, sets and binaries (Date, Set, Uint8Array) are compared as text.
function isWithinBudget(root: object): boolean {
  let nodes = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (++nodes > documentBudget.maxNodes) return false;
    if (typeof node !== 'object' || node === null) continue;
    const proto = Object.getPrototypeOf(node);
    if (!Array.isArray(node) && proto !== Object.prototype && proto !== null) return false;
    if (depth > documentBudget.maxDepth) return false;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return true;
}

/**
 * diffDocuments lists the paths at which two documents differ, from desired (repo) to live:
 * `added` only live, `removed` only in the repo, `changed` both with other values (a value whose
 * type changed is one `changed`). Arrays compare by index. Undefined if the diff fails.
 */
export function diffDocuments(desired: DocumentValue, live: DocumentValue): DocumentChange[] | undefined {
  let tree: IChange[];
  try {
    tree = jsonDiff(desired, live);
  } catch {
    return undefined;
  }
  const out: DocumentChange[] = [];
  walk(tree, [], false, out);
  return mergeReplacements(out);
}

/** Segment is one step of a path inside a document: an object key or an array index. */
interface Segment {
  key: string;
  index: boolean;
}

// json-diff-ts describes an array at the root as a change of the key `$root`, and marks a change
// of an array (whose children are indexes) with the embedded key `$index`.
function walk(changes: IChange[], at: Segment[], inArray: boolean, out: DocumentChange[]): void {
  for (const change of changes) {
    const root = at.length === 0 && change.key === '$root';
    const segments = root ? [] : [...at, { key: change.key, index: inArray }];
    if (change.changes) {
      walk(change.changes, segments, change.embeddedKey === '$index', out);
      continue;
    }
    out.push(documentChange(segments, change));
  }
}

const types: Record<Operation, ChangeType> = {
  [Operation.ADD]: 'added',
  [Operation.REMOVE]: 'removed',
  [Operation.UPDATE]: 'changed',
};

function documentChange(segments: Segment[], change: IChange): DocumentChange {
  const type = types[change.type];
  const out: DocumentChange = {
    path: displayPath(segments) || '(document)',
    pointer: toPointer(segments),
    type,
  };
  // diff(desired, live): json-diff-ts's "new" value is live, its "old" value the repo's.
  if (type === 'changed')
    return { ...out, desired: showValue(change.oldValue), live: showValue(change.value) };
  return type === 'added'
    ? { ...out, live: showValue(change.value) }
    : { ...out, desired: showValue(change.value) };
}

// A value whose type changed comes as REMOVE + ADD of one path: one `changed` for people.
function mergeReplacements(changes: DocumentChange[]): DocumentChange[] {
  const out: DocumentChange[] = [];
  for (const change of changes) {
    const previous = out.at(-1);
    if (previous?.type === 'removed' && change.type === 'added' && previous.pointer === change.pointer) {
      out[out.length - 1] = { ...previous, type: 'changed', live: change.live };
    } else out.push(change);
  }
  return out;
}

/** showValue renders a nested value as compact JSON (strings quoted), cut to the budget. */
export function showValue(value: unknown): string {
  const text = value === undefined ? 'null' : (JSON.stringify(value) ?? String(value));
  const max = documentBudget.maxValueChars;
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

// toPointer renders a path as an RFC 6901 JSON pointer (`/server/port`, `/a~1b`).
function toPointer(segments: Segment[]): string {
  return segments.map((s) => `/${s.key.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

// displayPath renders a path for people: `server.port`, `servers[0].port`, `["a.b"].c`.
function displayPath(segments: Segment[]): string {
  let out = '';
  for (const s of segments) {
    if (s.index) out += `[${s.key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s.key)) out += out ? `.${s.key}` : s.key;
    else out += `[${JSON.stringify(s.key)}]`;
  }
  return out;
}
