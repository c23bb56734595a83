/**
 * YAML parsing that keeps line numbers, so every repo error and every provenance record can name
 * the file and line it comes from.
 */
import {
  type Document,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
} from 'yaml';
import type { RepoError } from './model.ts';
import { isManagedKind, objectKey } from './object-ref.ts';

/** maxRepoFileBytes caps a repo file's size (2 MiB: twice what a ConfigMap or Secret can hold, so a SOPS-encrypted Secret near Kubernetes' 1 MiB limit still fits). */
export const maxRepoFileBytes = 2 * 1024 * 1024;

/** maxYamlAliases is the budget of alias expansions per document (the yaml package's guard against "YAML bombs"). */
export const maxYamlAliases = 100;

/** YamlDocument is one document of a YAML file, with a way to find the line of any path in it. */
export interface YamlDocument {
  file: string;
  /** index of the document in its file, from 0. */
  index: number;
  /** line where the document starts (1-based). */
  line: number;
  doc: Document;
  /** value is the document as plain data, read within the alias budget. */
  value: unknown;
  /** lineOf returns the 1-based line of the node at path, or of its nearest existing parent. */
  lineOf(path: readonly (string | number)[]): number;
  /** lastLineOf returns the 1-based last line of the value at path (a block value spans several); lineOf's when there is none. */
  lastLineOf(path: readonly (string | number)[]): number;
}

/**
 * parseYamlFile splits a (multi-document) YAML file. Whatever goes wrong — a syntax error, a
 * document over the alias budget, a file over the size cap, the parser itself failing — becomes a
 * coded error for that document or file, never an exception.
 */
export function parseYamlFile(
  file: string,
  text: string,
  // SOPS' encrypted_comment_regex needs the source tokens to tie comments to values; they cost
  // memory and time, so only files that look SOPS-encrypted keep them.
  options: { keepSourceTokens?: boolean } = { keepSourceTokens: /^sops:/m.test(text) },
): { documents: YamlDocument[]; errors: RepoError[] } {
  if (Buffer.byteLength(text) > maxRepoFileBytes) {
    const message = `file is larger than the ${maxRepoFileBytes}-byte cap for repo files; not read`;
    return { documents: [], errors: [{ file, line: 1, code: 'TRUEUP_REPO_FILE_TOO_LARGE', message }] };
  }
  try {
    return parseDocuments(file, text, options.keepSourceTokens ?? false);
  } catch (err) {
    // The parser should report, not throw; if it throws anyway (e.g. out of stack), the file is the error.
    const message = `invalid YAML: the parser failed: ${(err as Error).message}`;
    return { documents: [], errors: [{ file, line: 1, code: 'TRUEUP_REPO_YAML', message }] };
  }
}

function parseDocuments(
  file: string,
  text: string,
  keepSourceTokens: boolean,
): { documents: YamlDocument[]; errors: RepoError[] } {
  const lineCounter = new LineCounter();
  const documents: YamlDocument[] = [];
  const errors: RepoError[] = [];
  const line = (offset: number) => lineCounter.linePos(offset).line;
  parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, keepSourceTokens }).forEach(
    (doc, index) => {
      const start =
        doc.contents && isNode(doc.contents) && doc.contents.range ? doc.contents.range[0] : doc.range[0];
      if (doc.errors.length > 0) {
        const first = doc.errors[0];
        errors.push({
          file,
          line: first ? line(first.pos[0]) : line(start),
          code: 'TRUEUP_REPO_YAML',
          message: `invalid YAML: ${first?.message.split('\n')[0] ?? 'parse error'}`,
        });
        return;
      }
      // Empty documents (a trailing `---`, a file of comments) are not objects; skip them.
      if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return;
      const value = plainValue(doc);
      if ('error' in value) {
        errors.push({ file, line: line(start), ...value.error });
        return;
      }
      documents.push({
        file,
        index,
        line: line(start),
        doc,
        value: value.value,
        lineOf(path) {
          const offset = offsetOf(doc.contents, path);
          return line(offset ?? start);
        },
        lastLineOf(path) {
          const first = line(offsetOf(doc.contents, path) ?? start);
          const end = valueEndOf(doc.contents, path);
          return end === undefined ? first : Math.max(first, line(end));
        },
      });
    },
  );
  return { documents, errors };
}

/** plainValue reads a document as plain data within the alias budget. */
function plainValue(doc: Document): { value: unknown } | { error: Pick<RepoError, 'code' | 'message'> } {
  try {
    return { value: doc.toJS({ maxAliasCount: maxYamlAliases }) };
  } catch (err) {
    const message = (err as Error).message;
    return /alias/i.test(message)
      ? {
          error: {
            code: 'TRUEUP_REPO_YAML_BUDGET',
            message: `invalid YAML: the document expands more than ${maxYamlAliases} aliases (a "YAML bomb"?); not read`,
          },
        }
      : { error: { code: 'TRUEUP_REPO_YAML', message: `invalid YAML: ${message}` } };
  }
}

/**
 * offsetOf finds where the field at path is written: the key of a mapping entry (so a block value
 * on the next lines still points at its key), an item of a sequence, or the nearest existing parent.
 */
function offsetOf(root: unknown, path: readonly (string | number)[]): number | undefined {
  let node = root;
  let found = isNode(root) ? root.range?.[0] : undefined;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === step);
      if (!pair) return found;
      found = (pair.key as Node | undefined)?.range?.[0] ?? found;
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      const item = node.items[step];
      if (!isNode(item)) return found;
      found = item.range?.[0] ?? found;
      node = item;
    } else {
      return found;
    }
  }
  return found;
}

/** valueEndOf is the offset of the last character of the mapping value at path (undefined: none). */
function valueEndOf(root: unknown, path: readonly (string | number)[]): number | undefined {
  let node = root;
  for (const step of path) {
    if (!isMap(node)) return undefined;
    node = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === step)?.value;
  }
  // range[1] is where the value ends (a block scalar's includes its last line break).
  return isNode(node) && node.range ? Math.max(node.range[0], node.range[1] - 1) : undefined;
}

/**
 * declaredObjects is a tolerant scan of a file that could not be read as a whole: the
 * `kind/namespace/name` of every ConfigMap or Secret document whose kind, name and namespace (or
 * defaultNamespace) are written in plain text, even when the document has YAML errors elsewhere or
 * its values are SOPS-encrypted. Values that are aliases or `ENC[...]` are not guessed at.
 */
export function declaredObjects(text: string, defaultNamespace: string | undefined): string[] {
  if (Buffer.byteLength(text) > maxRepoFileBytes) return [];
  try {
    const keys = parseAllDocuments(text, { prettyErrors: false }).map((doc) => {
      const kind = plainAt(doc.contents, ['kind']);
      const name = plainAt(doc.contents, ['metadata', 'name']);
      const namespace = plainAt(doc.contents, ['metadata', 'namespace']) ?? defaultNamespace;
      return kind && isManagedKind(kind) && name && namespace
        ? objectKey({ kind, namespace, name })
        : undefined;
    });
    return [...new Set(keys.filter((k): k is string => k !== undefined))];
  } catch {
    return [];
  }
}

/** plainAt reads a plain-text string scalar at a path of mapping keys, if there is one. */
function plainAt(root: unknown, path: readonly string[]): string | undefined {
  let node = root;
  for (const step of path) {
    if (!isMap(node)) return undefined;
    node = node.items.find((p) => isScalar(p.key) && p.key.value === step)?.value;
  }
  if (!isScalar(node) || typeof node.value !== 'string' || node.value.startsWith('ENC[')) return undefined;
  return node.value;
}
