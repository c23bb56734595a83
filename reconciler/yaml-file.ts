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

/** YamlDocument is one document of a YAML file, with a way to find the line of any path in it. */
export interface YamlDocument {
  file: string;
  /** index of the document in its file, from 0. */
  index: number;
  /** line where the document starts (1-based). */
  line: number;
  doc: Document;
  /** lineOf returns the 1-based line of the node at path, or of its nearest existing parent. */
  lineOf(path: readonly (string | number)[]): number;
}

/** parseYamlFile splits a (multi-document) YAML file; a document with a syntax error becomes an error. */
export function parseYamlFile(
  file: string,
  text: string,
  // SOPS' encrypted_comment_regex needs the source tokens to tie comments to values; they cost
  // memory and time, so only files that look SOPS-encrypted keep them.
  options: { keepSourceTokens?: boolean } = { keepSourceTokens: /^sops:/m.test(text) },
): { documents: YamlDocument[]; errors: RepoError[] } {
  const lineCounter = new LineCounter();
  const documents: YamlDocument[] = [];
  const errors: RepoError[] = [];
  const line = (offset: number) => lineCounter.linePos(offset).line;
  parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    keepSourceTokens: options.keepSourceTokens ?? false,
  }).forEach((doc, index) => {
    const start =
      doc.contents && isNode(doc.contents) && doc.contents.range ? doc.contents.range[0] : doc.range[0];
    if (doc.errors.length > 0) {
      const first = doc.errors[0];
      errors.push({
        file,
        line: first ? line(first.pos[0]) : line(start),
        message: `invalid YAML: ${first?.message.split('\n')[0] ?? 'parse error'}`,
      });
      return;
    }
    // Empty documents (a trailing `---`, a file of comments) are not objects; skip them.
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return;
    documents.push({
      file,
      index,
      line: line(start),
      doc,
      lineOf(path) {
        const offset = offsetOf(doc.contents, path);
        return line(offset ?? start);
      },
    });
  });
  return { documents, errors };
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
