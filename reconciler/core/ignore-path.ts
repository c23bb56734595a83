/**
 * Policy `ignore.paths`: field paths (globs, `data.ca.crt`, `metadata.annotations.cert-manager.io/*`)
 * and paths inside a ConfigMap value that holds a JSON or YAML document, written as the field path,
 * `#`, and a JSON pointer as in Argo CD's `ignoreDifferences.jsonPointers`
 * (`data.application.yaml#/server/port`). Pure.
 *
 * A pointer ignores the subtree below it; each of its segments may be a glob (`*`, `?`: one segment,
 * e.g. any array index). `~1` is `/` and `~0` is `~` inside a segment (RFC 6901).
 */
import { matchesAny } from './glob.ts';

/** DocumentIgnore is one pointer pattern: decoded segments, each a glob. */
export type DocumentIgnore = string[];

function split(path: string): { field: string; pointer?: string } {
  const at = path.indexOf('#');
  return at < 0 ? { field: path } : { field: path.slice(0, at), pointer: path.slice(at + 1) };
}

/** decodePointer splits an RFC 6901 pointer (`/a/b~1c`) into its segments (`a`, `b/c`). */
export function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** ignorePathProblem says what is wrong with one `ignore.paths` entry, or undefined when it is valid. */
export function ignorePathProblem(path: string): string | undefined {
  const { field, pointer } = split(path);
  if (pointer === undefined) return undefined;
  if (!field.startsWith('data.') || field.length === 'data.'.length)
    return 'a path inside a document names a ConfigMap data key first, e.g. data.application.yaml#/server/port';
  if (pointer !== '' && !pointer.startsWith('/'))
    return `after # comes a JSON pointer starting with /, e.g. ${field}#/server/port`;
  if (/~[^01]|~$/.test(pointer)) return 'in a JSON pointer ~ is written ~0 and / inside a key ~1';
  return undefined;
}

/** ignoresField tells whether the entries without `#` ignore a whole field path (`data.ca.crt`). */
export function ignoresField(paths: readonly string[], fieldPath: string): boolean {
  return matchesAny(
    paths.filter((p) => !p.includes('#')),
    fieldPath,
  );
}

/** documentIgnoresOf returns the pointer patterns of the entries that name paths inside a field. */
export function documentIgnoresOf(paths: readonly string[], fieldPath: string): DocumentIgnore[] {
  const out: DocumentIgnore[] = [];
  for (const path of paths) {
    const { field, pointer } = split(path);
    if (pointer !== undefined && matchesAny([field], fieldPath)) out.push(decodePointer(pointer));
  }
  return out;
}

/** ignoresPointer tells whether a pattern ignores a document path: it is the path or one of its parents. */
export function ignoresPointer(patterns: readonly DocumentIgnore[], pointer: string): boolean {
  const segments = decodePointer(pointer);
  return patterns.some(
    (pattern) =>
      pattern.length <= segments.length &&
      pattern.every((glob, i) => matchesAny([glob], segments[i] as string)),
  );
}
