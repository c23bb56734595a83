// Decrypts YAML files that sops encrypted with age, in memory, and checks their MAC, the way sops
// 3.13 does (github.com/getsops/sops/v3: aes/cipher.go, sops.go, stores/yaml, shamir). Pure: no
// fs, no network, no env. The keys come in as AGE-SECRET-KEY-… strings (see sops-keys.ts).

import { createDecipheriv, createHash, type Hash, timingSafeEqual } from 'node:crypto';
import type { armor as ageArmor, Decrypter } from 'age-encryption';
import {
  type Document,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  type Node,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { type BoundedRegex, boundedRegex, RegexBudgetError } from '../core/bounded-regex.ts';

/** AgeArmor is age's armor codec, loaded with age itself (see recoverDataKey). */
type AgeArmor = typeof ageArmor;

/** SopsErrorCode says why a sops file did not decrypt. */
export type SopsErrorCode = 'no-key' | 'mac-mismatch' | 'malformed' | 'decrypt-failed';

/** SopsError is a failed sops decryption; its message names key paths, never values or keys. */
export class SopsError extends Error {
  /** code says why: no usable key, a MAC that does not match, bad metadata or a value that does not decrypt. */
  readonly code: SopsErrorCode;
  /** path is where in the file the fault is (`document 2: stringData.password`), when at a value. */
  readonly path: string | undefined;

  constructor(code: SopsErrorCode, message: string, path?: string) {
    super(path === undefined ? message : `${path}: ${message}`);
    this.name = 'SopsError';
    this.code = code;
    this.path = path;
  }
}

// The key paths each decrypted document's values were decrypted at, by the document's value.
const decryptedPaths = new WeakMap<object, ReadonlySet<string>>();
const pathKey = (path: readonly string[]) => path.join('\u0000');

/**
 * wasDecrypted tells whether the value at a key path (e.g. ['metadata', 'labels', 'team']) of a
 * document value that decryptSopsDocuments returned was encrypted in the file: such a value is a
 * secret, whatever field it is in. False for values not from decryptSopsDocuments.
 */
export function wasDecrypted(document: unknown, path: readonly string[]): boolean {
  if (typeof document !== 'object' || document === null) return false;
  return decryptedPaths.get(document)?.has(pathKey(path)) ?? false;
}

/** sopsValuePattern matches a value as sops writes an encrypted one. */
const sopsValuePattern = /^ENC\[AES256_GCM,data:/;

/**
 * findEncryptedValues lists the key paths of the values that look sops-encrypted
 * (`ENC[AES256_GCM,data:…]`) in a plain YAML value, for a file without sops metadata: its `sops:`
 * block was stripped, and applying it would write ciphertext to the cluster.
 */
export function findEncryptedValues(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return sopsValuePattern.test(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => findEncryptedValues(item, [...path, i]));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => findEncryptedValues(v, [...path, k]));
}

/** isSopsEncrypted tells whether a parsed YAML document carries sops metadata (a top-level `sops` key). */
export function isSopsEncrypted(doc: Document): boolean {
  return isMap(doc.contents) && doc.contents.items.some((pair) => isSopsKey(pair.key));
}

/**
 * decryptSopsDocument decrypts a single-document YAML file encrypted by sops with age and returns its
 * plain JS value without the `sops` key. For a multi-document file use decryptSopsDocuments: the
 * MAC covers all documents of a file, so one alone does not verify.
 */
export async function decryptSopsDocument(
  doc: Document,
  identities: readonly string[],
): Promise<Record<string, unknown>> {
  const [value] = await decryptSopsDocuments([doc], identities);
  return value ?? {};
}

/**
 * decryptSopsDocuments decrypts every document of one sops-encrypted YAML file (as parsed by
 * `parseAllDocuments`, in file order) with the given age identities, verifies the file's MAC and
 * returns one plain JS value per document, without the `sops` keys. Values left unencrypted by the
 * file's rules are returned as the yaml package reads them; decrypted ones as sops typed them.
 * Files that use a comment rule (encrypted_comment_regex, unencrypted_comment_regex) need the
 * documents parsed with `keepSourceTokens: true`, so comments are placed by their indentation.
 */
export async function decryptSopsDocuments(
  docs: readonly Document[],
  identities: readonly string[],
): Promise<Record<string, unknown>[]> {
  for (const [i, doc] of docs.entries()) {
    const [error] = doc.errors;
    if (error) {
      const line = error.linePos?.[0].line;
      throw new SopsError('malformed', `document ${i + 1} is not valid YAML (${error.code} at line ${line})`);
    }
  }
  const first = docs[0];
  const metadataNode =
    first && isMap(first.contents) ? first.contents.items.find((p) => isSopsKey(p.key)) : undefined;
  if (!first || !metadataNode) {
    throw new SopsError('malformed', 'no sops metadata: the first document has no top-level "sops" key');
  }
  const metadata = readMetadata(metadataNode.value, first);
  const dataKey = await recoverDataKey(metadata, identities);

  try {
    return verifyAndWalk(docs, metadata, dataKey);
  } finally {
    dataKey.fill(0); // the data key opens every value of the file: keep it no longer than needed
  }
}

function verifyAndWalk(
  docs: readonly Document[],
  metadata: Metadata,
  dataKey: Buffer,
): Record<string, unknown>[] {
  // Walk every document in file order: decrypt the values and hash them as sops does.
  const hash = createHash('sha512');
  if (metadata.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  const commentRule = metadata.rule.kind.endsWith('comment-regex');
  const hint =
    commentRule && !docs.some((doc) => doc.contents?.srcToken)
      ? ' (this file uses a comment rule: parse it with keepSourceTokens so comments are placed by indentation)'
      : '';
  const values = docs.map((doc, i) => {
    const where = docs.length > 1 ? `document ${i + 1}: ` : '';
    const decrypted = new Set<string>();
    const walk: Walk = { doc, hint, dataKey, metadata, hash, where, aliasBudget: 1000, decrypted };
    const value = walkDocument(walk);
    decryptedPaths.set(value, decrypted);
    return value;
  });

  // Compare with the stored MAC, itself encrypted with lastmodified as the additional data.
  const stored = decryptValue(metadata.mac, dataKey, metadata.lastModified);
  if (stored === undefined || stored.type !== 'str') {
    throw new SopsError(
      'mac-mismatch',
      'the MAC does not decrypt: the mac or lastmodified entry was altered',
    );
  }
  const computed = Buffer.from(hash.digest('hex').toUpperCase());
  if (stored.bytes.length !== computed.length || !timingSafeEqual(stored.bytes, computed)) {
    throw new SopsError('mac-mismatch', `MAC mismatch: the file was changed after sops encrypted it${hint}`);
  }
  return values;
}

// sha256("sops"): starts the MAC of files with mac_only_encrypted, so the two kinds never collide.
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from(
  '8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69',
  'hex',
);

const isSopsKey = (key: unknown): boolean => isScalar(key) && key.value === 'sops';

const malformed = (message: string, path?: string) => new SopsError('malformed', message, path);

// ---- metadata -----------------------------------------------------------------------------------

type AgeEntry = { recipient: string; enc: string };
type Rule = { kind: 'unencrypted-suffix' | 'encrypted-suffix'; suffix: string } | RegexRule;
type RegexRule = {
  kind: 'unencrypted-regex' | 'encrypted-regex' | 'unencrypted-comment-regex' | 'encrypted-comment-regex';
  regex: BoundedRegex;
};
type Metadata = {
  lastModified: string;
  mac: string;
  rule: Rule;
  macOnlyEncrypted: boolean;
  groups: AgeEntry[][];
  threshold: number;
};

const RULE_FIELDS = {
  unencrypted_suffix: 'unencrypted-suffix',
  encrypted_suffix: 'encrypted-suffix',
  unencrypted_regex: 'unencrypted-regex',
  encrypted_regex: 'encrypted-regex',
  unencrypted_comment_regex: 'unencrypted-comment-regex',
  encrypted_comment_regex: 'encrypted-comment-regex',
} as const;

function readMetadata(node: unknown, doc: Document): Metadata {
  if (!isMap(node)) throw malformed('the sops metadata is not a mapping');
  const raw = node.toJS(doc) as Record<string, unknown>;
  const lastModified = formatRfc3339(parseTimestamp(text(raw.lastmodified) ?? '', RFC3339), false);
  if (lastModified === undefined) throw malformed('sops.lastmodified is missing or not an RFC 3339 time');
  const mac = text(raw.mac);
  if (!mac) throw malformed('sops.mac is missing');

  // At most one rule says which values are encrypted; with none, sops' default applies.
  const rules = Object.entries(RULE_FIELDS).filter(([field]) => text(raw[field]));
  if (rules.length > 1)
    throw malformed(`sops metadata sets ${rules.map(([f]) => f).join(' and ')}; at most one`);
  const [field, kind] = rules[0] ?? ['unencrypted_suffix', 'unencrypted-suffix'];
  const value = text(raw[field]) ?? '_unencrypted';
  const rule: Rule =
    kind === 'unencrypted-suffix' || kind === 'encrypted-suffix'
      ? { kind, suffix: value }
      : { kind, regex: goRegex(value, `sops.${field}`) };

  // Key groups: either explicit key_groups, or one group made of the top-level keys.
  const groupsRaw = Array.isArray(raw.key_groups) && raw.key_groups.length > 0 ? raw.key_groups : [raw];
  const groups = groupsRaw.map((group, i) => readAgeEntries(group, `sops.key_groups[${i}]`));
  if (groups.every((g) => g.length === 0)) {
    const anyKey = groupsRaw.some((g) =>
      KEY_TYPES.some((type) => Array.isArray(g?.[type]) && g[type].length > 0),
    );
    if (!anyKey) throw malformed('sops metadata lists no keys');
    throw new SopsError(
      'no-key',
      'the file has no age recipient: trueup decrypts only files encrypted with age',
    );
  }
  const threshold = groups.length === 1 ? 1 : Number(raw.shamir_threshold) || groups.length;
  const macOnly = raw.mac_only_encrypted;
  const macOnlyEncrypted = macOnly === true || macOnly === 'true' || macOnly === 1 || macOnly === '1';
  return { lastModified, mac, rule, macOnlyEncrypted, groups, threshold };
}

const KEY_TYPES = ['age', 'pgp', 'kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'hckms'];

function readAgeEntries(group: unknown, where: string): AgeEntry[] {
  const list = (group as { age?: unknown } | null)?.age ?? [];
  if (!Array.isArray(list)) throw malformed(`${where}.age is not a list`);
  return list.map((entry: { recipient?: unknown; enc?: unknown } | null, i) => {
    const enc = text(entry?.enc);
    if (!enc) throw malformed(`${where}.age[${i}] has no enc`);
    return { recipient: text(entry?.recipient) ?? '(no recipient)', enc };
  });
}

/** text reads a metadata string the way sops' weakly typed decoding does (numbers become strings). */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * goRegex compiles a Go (RE2) regular expression for the common subset JavaScript shares, bounded
 * (bounded-regex.ts): RE2 runs in linear time, JavaScript's backtracking may not, so the pattern
 * has a length cap and a time budget for the whole file; over either, the file is malformed.
 */
function goRegex(source: string, where: string): BoundedRegex {
  const flags = /^\(\?([imsU]+)\)/.exec(source);
  const body = flags ? source.slice(flags[0].length) : source;
  const jsFlags = (flags?.[1] ?? '').replace('U', '');
  for (const unicode of ['u', '']) {
    let regex: RegExp;
    try {
      regex = new RegExp(body, jsFlags + unicode);
    } catch {
      continue;
    }
    try {
      const bounded = boundedRegex(regex);
      return {
        test(value) {
          try {
            return bounded.test(value);
          } catch (err) {
            if (err instanceof RegexBudgetError) throw malformed(`${where}: ${err.message}`);
            throw err;
          }
        },
      };
    } catch (err) {
      if (err instanceof RegexBudgetError) throw malformed(`${where}: ${err.message}`);
      throw err;
    }
  }
  throw malformed(`${where} is not a regular expression trueup can evaluate`);
}

// ---- data key -----------------------------------------------------------------------------------

async function recoverDataKey(metadata: Metadata, identities: readonly string[]): Promise<Buffer> {
  if (identities.length === 0) {
    throw new SopsError('no-key', 'no age identity given (set SOPS_AGE_KEY or SOPS_AGE_KEY_FILE)');
  }
  // age and its post-quantum ciphers (~60 modules) load only for a repo that has sops files.
  const { armor, Decrypter, identityToRecipient } = await import('age-encryption');
  const decrypter = new Decrypter();
  const ours: string[] = [];
  for (const [i, identity] of identities.entries()) {
    try {
      ours.push(await identityToRecipient(identity));
      decrypter.addIdentity(identity);
    } catch {
      throw new SopsError('no-key', `age identity #${i + 1} is not a valid age secret key`);
    }
  }

  // Each key group holds the data key (or, with several groups, one Shamir part of it) encrypted
  // to each of its recipients; one recipient per group is enough.
  const parts: Uint8Array[] = [];
  let failure: SopsError | undefined;
  for (const group of metadata.groups) {
    for (const entry of group) {
      const part = await openAgeEntry(armor, decrypter, entry).catch((err: SopsError) => {
        failure ??= err;
      });
      if (part) {
        parts.push(part);
        break;
      }
    }
    if (parts.length === metadata.threshold) break;
  }
  if (parts.length < metadata.threshold) {
    if (failure) throw failure;
    const recipients = metadata.groups.flat().map((e) => e.recipient);
    const groups =
      metadata.groups.length > 1 ? ` (${parts.length} of ${metadata.threshold} key groups opened)` : '';
    throw new SopsError(
      'no-key',
      `none of the given age identities (for ${ours.join(', ')}) opens the data key${groups}; ` +
        `the file is encrypted to ${[...new Set(recipients)].join(', ')}`,
    );
  }
  const joined = parts.length === 1 && parts[0] ? parts[0] : combineShamir(parts);
  const dataKey = Buffer.from(joined);
  for (const secret of [joined, ...parts]) secret.fill(0);
  if (dataKey.length !== 32) throw new SopsError('decrypt-failed', 'the data key is not 32 bytes long');
  return dataKey;
}

/** openAgeEntry returns the decrypted data key (part), undefined if no identity matches, or throws. */
async function openAgeEntry(
  armor: AgeArmor,
  decrypter: Decrypter,
  entry: AgeEntry,
): Promise<Uint8Array | undefined> {
  let file: Uint8Array;
  try {
    file = armor.decode(entry.enc);
  } catch {
    throw malformed(`the data key for ${entry.recipient} is not an armored age file`);
  }
  try {
    return await decrypter.decrypt(file);
  } catch (err) {
    if (err instanceof Error && err.message.includes('no identity matched')) return undefined;
    throw new SopsError('decrypt-failed', `the data key for ${entry.recipient} does not decrypt`);
  }
}

/** combineShamir recovers a secret from parts `y1…yN x`, as sops' (Vault's) shamir.Combine. */
function combineShamir(parts: Uint8Array[]): Uint8Array {
  const length = parts[0]?.length ?? 0;
  const xs = parts.map((p) => p[length - 1] ?? 0);
  if (length < 2 || new Set(xs).size !== xs.length || parts.some((p) => p.length !== length)) {
    throw new SopsError('decrypt-failed', 'the Shamir parts of the data key do not fit together');
  }
  // Lagrange interpolation at x = 0; in GF(2^8) subtraction is xor.
  const bases = xs.map((xi, i) =>
    xs.reduce((basis, xj, j) => (i === j ? basis : gfMul(basis, gfMul(xj, gfInverse(xi ^ xj)))), 1),
  );
  const secret = new Uint8Array(length - 1);
  for (let b = 0; b < secret.length; b++) {
    secret[b] = parts.reduce((acc, part, i) => acc ^ gfMul(part[b] ?? 0, bases[i] ?? 0), 0);
  }
  return secret;
}

// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
function gfMul(a: number, b: number): number {
  let acc = 0;
  for (let i = 7; i >= 0; i--) acc = ((acc << 1) & 0xff) ^ (acc & 0x80 ? 0x1b : 0) ^ ((b >> i) & 1 ? a : 0);
  return acc;
}

function gfInverse(a: number): number {
  let result = 1;
  for (let i = 0; i < 254; i++) result = gfMul(result, a);
  return result;
}

// ---- values -------------------------------------------------------------------------------------

type Plain = { type: string; bytes: Buffer };
const ENC_VALUE = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** decryptValue opens one `ENC[AES256_GCM,…]` value; undefined when it is not one or fails to authenticate. */
function decryptValue(value: string, key: Buffer, additionalData: string): Plain | undefined {
  const [, data = '', iv = '', tag = '', type = ''] = ENC_VALUE.exec(value) ?? [];
  if (![data, iv, tag].every((part) => BASE64.test(part)) || iv === '') return undefined;
  const sealed = Buffer.concat([Buffer.from(data, 'base64'), Buffer.from(tag, 'base64')]);
  if (sealed.length < 16) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(additionalData, 'utf8'));
    decipher.setAuthTag(sealed.subarray(-16));
    return { type, bytes: Buffer.concat([decipher.update(sealed.subarray(0, -16)), decipher.final()]) };
  } catch {
    return undefined;
  }
}

const COMMENT = Symbol('comment');

/** typedValue turns decrypted bytes into the JS value and the MAC bytes, as sops' Decrypt and ToBytes. */
function typedValue(plain: Plain, path: string): { value: unknown; mac: Buffer } | typeof COMMENT {
  const s = plain.bytes.toString('utf8');
  const bad = () => malformed(`decrypted value is not of its declared type ${plain.type}`, path);
  switch (plain.type) {
    case 'str':
    case 'bytes':
      return { value: s, mac: plain.bytes };
    case 'int': {
      const n = /^[+-]?[0-9]+$/.test(s) ? BigInt(s) : undefined;
      if (n === undefined || n < -(2n ** 63n) || n >= 2n ** 63n) throw bad();
      return { value: Number(n), mac: Buffer.from(n.toString()) };
    }
    case 'float': {
      const f = parseGoFloat(s);
      if (f === undefined) throw bad();
      return { value: f, mac: Buffer.from(formatGoFloat(f)) };
    }
    case 'bool': {
      const b = GO_BOOLS[s];
      if (b === undefined) throw bad();
      return { value: b, mac: Buffer.from(b ? 'True' : 'False') };
    }
    case 'time': {
      const t = formatRfc3339(parseTimestamp(s, RFC3339), true);
      if (t === undefined) throw bad();
      return { value: t, mac: Buffer.from(t) };
    }
    case 'comment':
      return COMMENT;
    default:
      throw malformed('encrypted value has an unknown type', path);
  }
}

const GO_BOOLS: Record<string, boolean> = Object.fromEntries([
  ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((s) => [s, true]),
  ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((s) => [s, false]),
]);

// ---- tree walk ----------------------------------------------------------------------------------

type Walk = {
  doc: Document;
  /** hint is appended to errors a comment rule can cause when comment columns are unknown. */
  hint: string;
  dataKey: Buffer;
  metadata: Metadata;
  hash: Hash;
  where: string;
  aliasBudget: number;
  /** decrypted collects the key paths of the values decrypted (see wasDecrypted). */
  decrypted: Set<string>;
};

/** walkDocument decrypts one document's top-level mapping, leaving out its `sops` key. */
function walkDocument(walk: Walk): Record<string, unknown> {
  const contents = walk.doc.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) return {};
  if (!isMap(contents)) throw malformed(`${walk.where}sops only encrypts documents that are mappings`);
  const leading = [...commentLines(walk.doc.commentBefore), ...commentLines(contents.commentBefore)];
  return walkMap(contents, [], [], walk, { comments: leading, carry: [], parentIndent: -1 }, true);
}

// The comment lines seen since the previous value, one Level per nesting level: sops' comment
// rules (encrypted_comment_regex, unencrypted_comment_regex) look at all of them. carry holds
// comments that follow a nested block at this level's indentation: they precede the next value.
type Level = { comments: string[]; carry: string[]; parentIndent: number };

function walkMap(
  map: YAMLMap,
  path: string[],
  outer: Level[],
  walk: Walk,
  level: Level,
  topLevel = false,
): Record<string, unknown> {
  const levels = [...outer, level];
  const out: Record<string, unknown> = {};
  for (const pair of map.items) {
    const keyNode = resolveAlias(asNode(pair.key, walk), walk);
    const valueNode = asNode(pair.value, walk);
    level.comments.push(...commentLines(keyNode?.commentBefore), ...commentLines(keyNode?.comment));
    const scalarValue = valueNode === null || isScalar(valueNode) || isAlias(valueNode);
    if (scalarValue)
      level.comments.push(...commentLines(valueNode?.commentBefore), ...commentLines(valueNode?.comment));
    const key = mapKey(keyNode, path, walk);
    if (topLevel && key === 'sops') continue;
    const value = walkValue(valueNode, [...path, key], levels, walk, scalarValue, indentOf(map));
    if (value === COMMENT)
      throw malformed('a mapping value decrypts to a comment', label(walk, [...path, key]));
    setOwn(out, key, value);
    nextItem(level);
  }
  spillTrailingComments(map, levels);
  return out;
}

function walkSeq(seq: YAMLSeq, path: string[], outer: Level[], walk: Walk, level: Level): unknown[] {
  const levels = [...outer, level];
  const out: unknown[] = [];
  for (const item of seq.items.map((raw) => asNode(raw, walk))) {
    level.comments.push(...commentLines(item?.commentBefore));
    if (item === null || isScalar(item) || isAlias(item)) level.comments.push(...commentLines(item?.comment));
    // sops turns comments inside encrypted lists into list items of type comment; they are no values.
    const value = walkValue(item, path, levels, walk, true, indentOf(seq));
    if (value !== COMMENT) out.push(value);
    nextItem(level);
  }
  spillTrailingComments(seq, levels);
  return out;
}

function walkValue(
  node: Node | null,
  path: string[],
  levels: Level[],
  walk: Walk,
  commentsTaken: boolean,
  parentIndent: number,
): unknown {
  const resolved = resolveAlias(node, walk);
  const taken = commentsTaken && resolved === node;
  const level = { comments: taken ? [] : commentLines(resolved?.commentBefore), carry: [], parentIndent };
  if (resolved === null) return null;
  if (isMap(resolved)) return walkMap(resolved, path, levels, walk, level);
  if (isSeq(resolved)) return walkSeq(resolved, path, levels, walk, level);
  if (isScalar(resolved)) return walkLeaf(resolved, path, levels, walk);
  throw malformed('unsupported YAML node', label(walk, path));
}

function nextItem(level: Level): void {
  level.comments.length = 0;
  level.comments.push(...level.carry);
  level.carry.length = 0;
}

// The yaml package gives a block's trailing comments to the block even when they are written at an
// outer indentation, where yaml.v3 (and so sops) gives them to the next outer value. With source
// tokens (parse option keepSourceTokens) we can tell them apart by their column.
function spillTrailingComments(node: YAMLMap | YAMLSeq, levels: Level[]): void {
  const token = node.srcToken;
  if (token?.type !== 'block-map' && token?.type !== 'block-seq') return;
  for (const item of token.items) {
    if ('key' in item || 'sep' in item || 'value' in item) continue;
    for (const t of item.start) {
      if (t.type !== 'comment') continue;
      const owner = levels.findLast((l) => t.indent > l.parentIndent);
      if (owner && owner !== levels.at(-1)) owner.carry.push(t.source.slice(1));
    }
  }
}

const indentOf = (node: YAMLMap | YAMLSeq): number =>
  node.srcToken && 'indent' in node.srcToken ? node.srcToken.indent : Number.POSITIVE_INFINITY;

function walkLeaf(node: Scalar, path: string[], levels: Level[], walk: Walk): unknown {
  const where = label(walk, path);
  const scalar = resolveGoScalar(node, where);
  if (scalar.kind === 'null') return null; // sops neither encrypts nor hashes nulls
  const { hash, metadata } = walk;
  if (!shouldBeEncrypted(metadata.rule, path, levels)) {
    if (!metadata.macOnlyEncrypted) hash.update(scalar.mac);
    return node.value;
  }
  if (scalar.kind !== 'str' || !scalar.text.startsWith('ENC[')) {
    // sops leaves empty strings as they are, even where it encrypts
    if (scalar.kind === 'str' && scalar.text === '') return '';
    throw malformed(`value is in the clear although the sops rules say it is encrypted${walk.hint}`, where);
  }
  const plain = decryptValue(scalar.text, walk.dataKey, `${path.join(':')}:`);
  if (plain === undefined) {
    throw new SopsError(
      'decrypt-failed',
      'value does not decrypt: its ciphertext was altered or moved from another key',
      where,
    );
  }
  const typed = typedValue(plain, where);
  if (typed === COMMENT) return COMMENT;
  hash.update(typed.mac);
  walk.decrypted.add(pathKey(path));
  return typed.value;
}

function shouldBeEncrypted(rule: Rule, path: string[], levels: Level[]): boolean {
  const comments = () => levels.flatMap((level) => level.comments);
  switch (rule.kind) {
    case 'unencrypted-suffix':
      return !path.some((key) => key.endsWith(rule.suffix));
    case 'encrypted-suffix':
      return path.some((key) => key.endsWith(rule.suffix));
    case 'unencrypted-regex':
      return !path.some((key) => rule.regex.test(key));
    case 'encrypted-regex':
      return path.some((key) => rule.regex.test(key));
    case 'unencrypted-comment-regex':
      return !comments().some((c) => rule.regex.test(c));
    case 'encrypted-comment-regex':
      return comments().some((c) => rule.regex.test(c));
  }
}

function mapKey(node: Node | null, path: string[], walk: Walk): string {
  const scalar = isScalar(node) ? resolveGoScalar(node, label(walk, path)) : undefined;
  if (scalar?.kind !== 'str') throw malformed('sops supports only string keys', label(walk, path));
  return scalar.text;
}

/** asNode wraps the plain JS keys and values that in-memory edits of a Document may leave in it. */
function asNode(value: unknown, walk: Walk): Node | null {
  if (value === null || value === undefined) return null;
  return isNode(value) ? value : walk.doc.createNode(value);
}

function resolveAlias(node: Node | null, walk: Walk): Node | null {
  let current = node;
  while (isAlias(current)) {
    if (--walk.aliasBudget < 0) throw malformed(`${walk.where}too many YAML aliases`);
    current = current.resolve(walk.doc) ?? null;
  }
  return current;
}

function commentLines(comment: string | null | undefined): string[] {
  return comment ? comment.split('\n').filter((line) => line !== '') : [];
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function label(walk: Walk, path: string[]): string {
  const keys = path.map((k, i) => (/^[\w-]+$/.test(k) ? `${i ? '.' : ''}${k}` : `[${JSON.stringify(k)}]`));
  return `${walk.where}${keys.join('') || '(top level)'}`;
}

// ---- YAML scalars as sops sees them (go.yaml.in/yaml/v3 decoding into interface{}) ---------------

type GoKind = 'str' | 'int' | 'uint' | 'float' | 'bool' | 'null' | 'timestamp';
type GoScalar = { kind: GoKind; text: string; mac: Buffer };

const YAML_TAG_PREFIX = 'tag:yaml.org,2002:';
const RESOLVABLE_TAGS = new Set(['!!str', '!!bool', '!!int', '!!float', '!!null', '!!timestamp']);
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const RESOLVE_MAP = new Map<string, [GoKind, string]>();
for (const [words, kind, mac] of [
  ['true True TRUE', 'bool', 'True'],
  ['false False FALSE', 'bool', 'False'],
  ['~ null Null NULL', 'null', ''],
  ['.nan .NaN .NAN', 'float', 'NaN'],
  ['.inf .Inf .INF +.inf +.Inf +.INF', 'float', '+Inf'],
  ['-.inf -.Inf -.INF', 'float', '-Inf'],
] as const) {
  for (const word of words.split(' ')) RESOLVE_MAP.set(word, [kind, mac]);
}
RESOLVE_MAP.set('', ['null', '']);

/** resolveGoScalar reads a scalar as sops' YAML store does: its Go type and the bytes the MAC takes. */
function resolveGoScalar(node: Scalar, where: string): GoScalar {
  const value = node.value;
  // the yaml package keeps a scalar's source text when its value is changed in memory: trust it
  // only while it still matches, else take the JS value at face value
  if (node.source === undefined || (typeof value === 'string' && value !== node.source)) {
    return fromJsValue(value, where);
  }
  const text = node.source;
  const tag = node.tag?.startsWith(YAML_TAG_PREFIX)
    ? `!!${node.tag.slice(YAML_TAG_PREFIX.length)}`
    : node.tag;
  const styled = node.type !== undefined && node.type !== 'PLAIN';
  if (tag === '!!str' || ((tag === undefined || tag === '!') && styled)) return goScalar('str', text);
  if (tag === '!!binary') return { kind: 'str', text, mac: Buffer.from(text.replace(/\s/g, ''), 'base64') };
  if (tag !== undefined && !RESOLVABLE_TAGS.has(tag)) return goScalar('str', text);
  const resolved = resolvePlain(text);
  const want = tag?.slice(2) ?? resolved.kind;
  if (want === 'float' && resolved.kind === 'int')
    return goScalar('float', formatGoFloat(Number(`${resolved.mac}`)));
  if (want !== resolved.kind) throw malformed(`value tagged !!${want} does not read as one`, where);
  if (resolved.kind === 'uint') throw malformed('integer too large for sops', where);
  return resolved;
}

function fromJsValue(value: unknown, where: string): GoScalar {
  if (value === null || value === undefined) return goScalar('null', '');
  if (typeof value === 'string') return goScalar('str', value);
  if (typeof value === 'boolean') return goScalar('bool', value ? 'True' : 'False');
  if (typeof value === 'bigint') return goScalar('int', value.toString());
  if (typeof value === 'number' && Number.isSafeInteger(value)) return goScalar('int', String(value));
  if (typeof value === 'number') return goScalar('float', formatGoFloat(value));
  throw malformed('unsupported scalar value', where);
}

const goScalar = (kind: GoKind, mac: string, text = mac): GoScalar => ({ kind, text, mac: Buffer.from(mac) });

/** resolvePlain is yaml.v3's resolve() for a plain scalar. */
function resolvePlain(s: string): GoScalar {
  const special = RESOLVE_MAP.get(s);
  if (special) return goScalar(special[0], special[1], s);
  if (s.startsWith('.') && /^\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?$/.test(s)) {
    const f = Number(s.replaceAll('_', ''));
    if (Number.isFinite(f)) return goScalar('float', formatGoFloat(f), s);
  }
  if (!/^[-+0-9]/.test(s)) return goScalar('str', s);
  const time = formatRfc3339(parseTimestamp(s, YAML_TIMESTAMP), true);
  if (time !== undefined) return goScalar('timestamp', time, s);
  const plain = s.replaceAll('_', '');
  const int = parseGoInt(plain, 0);
  if (int !== undefined) return goScalar('int', int.toString(), s);
  if (parseGoUint(plain, 0) !== undefined) return goScalar('uint', s);
  if (YAML_STYLE_FLOAT.test(plain)) {
    const f = Number(plain);
    if (Number.isFinite(f)) return goScalar('float', formatGoFloat(f), s);
  }
  // yaml.v3 retries 0b/0o literals with the sign after the prefix (0b-1 is -1)
  const prefixed = /^(-?)0([bo])(.*)$/.exec(plain);
  const retried = prefixed && parseGoInt(`${prefixed[1]}${prefixed[3]}`, prefixed[2] === 'b' ? 2 : 8);
  if (typeof retried === 'bigint') return goScalar('int', retried.toString(), s);
  return goScalar('str', s);
}

/** parseGoInt is strconv.ParseInt(s, base, 64); base 0 reads the 0b/0o/0x/0 prefixes. */
function parseGoInt(s: string, base: number): bigint | undefined {
  const negative = s.startsWith('-');
  const magnitude = parseGoUint(/^[+-]/.test(s) ? s.slice(1) : s, base);
  if (magnitude === undefined) return undefined;
  const n = negative ? -magnitude : magnitude;
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

/** parseGoUint is strconv.ParseUint(s, base, 64) without underscores. */
function parseGoUint(s: string, base: number): bigint | undefined {
  if (s === '') return undefined;
  let digits = s;
  let radix = base;
  if (base === 0) {
    const prefix = /^0([bBoOxX])(.+)$/.exec(s);
    radix = prefix
      ? (({ b: 2, o: 8, x: 16 } as Record<string, number>)[prefix[1]?.toLowerCase() ?? ''] ?? 10)
      : 10;
    if (prefix) digits = prefix[2] ?? '';
    else if (s.startsWith('0')) [radix, digits] = [8, s.slice(1)];
  }
  let n = 0n;
  for (const c of digits.toLowerCase()) {
    const d = Number.parseInt(c, 36);
    if (Number.isNaN(d) || d >= radix) return undefined;
    n = n * BigInt(radix) + BigInt(d);
  }
  return n < 2n ** 64n ? n : undefined;
}

/** parseGoFloat reads what strconv.FormatFloat(f, 'f', -1, 64) writes, as strconv.ParseFloat does. */
function parseGoFloat(s: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return Number.NaN;
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s)) return undefined;
  const f = Number(s);
  return Number.isFinite(f) ? f : undefined;
}

/** formatGoFloat is strconv.FormatFloat(f, 'f', -1, 64): shortest round-trip digits, no exponent. */
function formatGoFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (Object.is(f, -0)) return '-0';
  const [mantissa = '', exponent = '0'] = f.toExponential().split('e');
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  const point = Number(exponent) + 1;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

// time.RFC3339 (sops' lastmodified and values of type time) and the timestamp forms yaml.v3 reads.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;
const YAML_TIMESTAMP =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?(Z|[+-]\d{2}:\d{2}))|(?: +(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?))?$/;

type Timestamp = { date: number[]; fraction: string; zone: string };

function parseTimestamp(s: string, pattern: RegExp): Timestamp | undefined {
  const m = pattern.exec(s);
  if (!m) return undefined;
  const date = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? m[i + 5] ?? 0));
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = date;
  const zone = m[8] ?? 'Z';
  const [zh, zm] = zone === 'Z' ? [0, 0] : [Number(zone.slice(1, 3)), Number(zone.slice(4))];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  if (day < 1 || day > days || hour > 23 || minute > 59 || second > 59 || zh > 23 || zm > 59)
    return undefined;
  return { date, fraction: m[7] ?? m[12] ?? '', zone: zh + zm === 0 ? 'Z' : zone };
}

/** formatRfc3339 writes a time as Go's Format(time.RFC3339) or, with nanos, MarshalText does. */
function formatRfc3339(t: Timestamp | undefined, nanos: boolean): string | undefined {
  if (!t) return undefined;
  const [y, mo, d, h, mi, s] = t.date.map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0'));
  const fraction = nanos ? t.fraction.slice(0, 9).replace(/0+$/, '') : '';
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction ? `.${fraction}` : ''}${t.zone}`;
}
