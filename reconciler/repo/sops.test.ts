import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { generateX25519Identity } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Document, isMap, parseAllDocuments, type YAMLMap } from 'yaml';
import { decryptSopsDocument, decryptSopsDocuments, isSopsEncrypted, SopsError } from './sops.ts';
import { loadAgeIdentities } from './sops-keys.ts';

// Every *.enc.yaml fixture was written by the real sops (test/fixtures/sops/make-fixtures.sh).
const fixtures = fileURLToPath(new URL('../../test/fixtures/sops/', import.meta.url));
const read = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');
// keepSourceTokens lets comment rules see each comment's column, as sops does
const parse = (text: string) => parseAllDocuments(text, { keepSourceTokens: true }) as Document[];
const encrypted = (name: string) => parse(read(`${name}.enc.yaml`));
const plaintext = (name: string) => parse(read(`plaintext/${name}.yaml`)).map((doc) => doc.toJS());

// The test-only identity the fixtures are encrypted to.
const testKey = /^AGE-SECRET-KEY-1\S+$/m.exec(read('age.key'))?.[0] ?? '';

describe('decryptSopsDocuments', () => {
  const cases: [name: string, why: string][] = [
    // Flux's rule: only data and stringData encrypted; integer-like keys test that the MAC follows file order
    ['string-data', 'stringData under encrypted_regex ^(data|stringData)$'],
    // base64 values stay base64: sops encrypts the text as written
    ['data', 'data under encrypted_regex'],
    // no rule in .sops.yaml: every value but those under *_unencrypted keys, apiVersion and kind included
    ['default-rules', "sops' default unencrypted_suffix"],
    // |, |-, |+ and > block scalars round-trip byte for byte
    ['multiline', 'multi-line values'],
    // the data key is encrypted to each recipient; the first one is a key we do not hold
    ['two-recipients', 'two age recipients, one key available'],
    // one data key and one MAC for the whole file, metadata repeated in each document
    ['multi-doc', 'two documents in one file'],
    // the MAC starts from sha256("sops") and covers only the encrypted values
    ['mac-only-encrypted', 'mac_only_encrypted'],
    // only values under a key ending in Data (stringData) are encrypted
    ['encrypted-suffix', 'encrypted_suffix'],
    // everything but apiVersion, kind, metadata and type
    ['unencrypted-regex', 'unencrypted_regex'],
    // values right after a matching comment, including one written after a nested block
    ['encrypted-comment-regex', 'encrypted_comment_regex'],
    // values right after a matching comment stay in the clear
    ['unencrypted-comment-regex', 'unencrypted_comment_regex'],
    // str, int, float, bool, time, null, "", lists with comments, unencrypted typed values in the MAC
    ['types', 'every scalar type sops knows'],
    // three key groups, threshold two: groups 1 and 3 open, Shamir recombines the data key
    ['shamir-2-of-3', 'Shamir key groups'],
    // a ConfigMap with data, labels and annotations encrypted (encrypted_regex)
    ['configmap-labels', 'a ConfigMap'],
  ];

  it.each(cases)('decrypts %s (%s) to exactly its plaintext original', async (name) => {
    const decrypted = await decryptSopsDocuments(encrypted(name), [testKey]);
    expect(decrypted).toStrictEqual(plaintext(name));
  });

  it('has a case for every fixture', () => {
    const files = readdirSync(fixtures).filter((f) => f.endsWith('.enc.yaml'));
    // shamir-short is an error case: the test key opens only one of its two key groups
    const covered = [...cases.map(([name]) => name), 'shamir-short'].map((name) => `${name}.enc.yaml`);
    expect(files.sort()).toEqual(covered.sort());
  });

  it('tries every identity it is given', async () => {
    const identities = [await generateX25519Identity(), testKey];
    expect(await decryptSopsDocuments(encrypted('data'), identities)).toStrictEqual(plaintext('data'));
  });

  it('needs source tokens for a comment-rule file whose marker follows a nested block', async () => {
    const docs = parseAllDocuments(read('encrypted-comment-regex.enc.yaml')) as Document[];
    await expect(decryptSopsDocuments(docs, [testKey])).rejects.toThrow(/keepSourceTokens/);
  });

  it('leaves unencrypted values unauthenticated under mac_only_encrypted, as sops does', async () => {
    const [secret] = await decryptSopsDocuments(encrypted('tampered/mac-only-plain-value'), [testKey]);
    expect(secret?.metadata).toEqual({ name: 'Aebhook-signing', namespace: 'hooks' });
  });
});

describe("sops' MAC blind spots", () => {
  // The MAC hashes values in order, not keys, and skips nulls; "" adds no bytes. sops itself
  // accepts these edits, so trueup does too: whoever can write the repo can make them.
  it.each([
    // a key in the clear renamed (metadata.name becomes generateName)
    [
      'a renamed unencrypted key',
      (doc: Document) => {
        const metadata = doc.get('metadata', true);
        if (!isMap(metadata) || !metadata.items[0]) throw new Error('no metadata');
        metadata.items[0].key = doc.createNode('generateName');
      },
    ],
    // an empty value added where values are encrypted (sops leaves "" as it is)
    ['an added empty value', (doc: Document) => doc.setIn(['stringData', 'injected'], '')],
    // a null added anywhere
    ['an added null', (doc: Document) => doc.setIn(['metadata', 'labels', 'extra'], null)],
  ])('accepts %s', async (_, change) => {
    await expect(decryptSopsDocuments(edit('string-data', change)(), [testKey])).resolves.toHaveLength(1);
  });
});

describe('decryptSopsDocument', () => {
  it('decrypts a single-document file', async () => {
    const [doc] = encrypted('string-data');
    if (!doc) throw new Error('no document');
    expect(await decryptSopsDocument(doc, [testKey])).toStrictEqual(plaintext('string-data')[0]);
  });

  it('fails the MAC for one document of a multi-document file: the MAC covers the whole file', async () => {
    const [first] = encrypted('multi-doc');
    if (!first) throw new Error('no document');
    await expect(decryptSopsDocument(first, [testKey])).rejects.toMatchObject({ code: 'mac-mismatch' });
  });
});

describe('isSopsEncrypted', () => {
  it.each([
    // what sops writes
    ['a sops file', () => encrypted('string-data'), [true]],
    // sops repeats its metadata in every document of a file
    ['each document of a multi-document file', () => encrypted('multi-doc'), [true, true]],
    // the originals
    ['a plain manifest', () => parse(read('plaintext/string-data.yaml')), [false]],
    // only a top-level sops key counts
    ['a nested sops key', () => parse('data:\n  sops: not metadata\n'), [false]],
  ])('tells %s', (_, docs, expected) => {
    expect(docs().map(isSopsEncrypted)).toEqual(expected);
  });
});

// Edits of real sops output, each applied to a fresh parse.
function edit(name: string, change: (doc: Document) => void): () => Document[] {
  return () => {
    const docs = encrypted(name);
    const [doc] = docs;
    if (!doc) throw new Error(`${name} has no document`);
    change(doc);
    return docs;
  };
}

function stringData(doc: Document): YAMLMap {
  const map = doc.get('stringData', true);
  if (!isMap(map)) throw new Error('no stringData');
  return map;
}

type ErrorCase = {
  name: string;
  docs: () => Document[];
  identities?: () => Promise<string[]>;
  code: SopsError['code'];
};

const errorCases: ErrorCase[] = [
  // a key that is not among the file's recipients
  {
    name: 'wrong key',
    docs: () => encrypted('string-data'),
    identities: async () => [await generateX25519Identity()],
    code: 'no-key',
  },
  // SOPS_AGE_KEY and SOPS_AGE_KEY_FILE both unset
  { name: 'no key at all', docs: () => encrypted('string-data'), identities: async () => [], code: 'no-key' },
  // a mistyped identity is refused without being echoed
  {
    name: 'invalid identity',
    docs: () => encrypted('string-data'),
    identities: async () => [`${testKey.slice(0, -4)}QQQQ`],
    code: 'no-key',
  },
  // Shamir with only one of the two needed key groups open
  { name: 'too few key groups', docs: () => encrypted('shamir-short'), code: 'no-key' },
  // age stanzas removed, a pgp key left: nothing trueup can open
  {
    name: 'pgp-only metadata',
    docs: edit('string-data', (doc) => {
      doc.deleteIn(['sops', 'age']);
      doc.setIn(['sops', 'pgp'], [{ fp: 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4', enc: 'x' }]);
    }),
    code: 'no-key',
  },
  // one base64 character of stringData.password's ciphertext flipped (make-fixtures.sh)
  { name: 'tampered ciphertext', docs: () => encrypted('tampered/value-ciphertext'), code: 'decrypt-failed' },
  // a valid ciphertext moved to another key: the key path is its additional data
  {
    name: 'ciphertext moved between keys',
    docs: edit('string-data', (doc) => {
      const [username, password] = stringData(doc).items;
      if (!username || !password) throw new Error('missing keys');
      [username.value, password.value] = [password.value, username.value];
    }),
    code: 'decrypt-failed',
  },
  // one base64 character of the encrypted MAC flipped (make-fixtures.sh)
  { name: 'altered MAC', docs: () => encrypted('tampered/mac'), code: 'mac-mismatch' },
  // metadata.name changed: unencrypted, but covered by the MAC (make-fixtures.sh)
  { name: 'altered unencrypted value', docs: () => encrypted('tampered/plain-value'), code: 'mac-mismatch' },
  // the MAC covers the order of values, so swapping two keys is tampering
  {
    name: 'keys reordered',
    docs: edit('string-data', (doc) => {
      const items = stringData(doc).items;
      const [two, one] = [items[2], items[3]];
      if (!two || !one) throw new Error('missing keys');
      [items[2], items[3]] = [one, two];
    }),
    code: 'mac-mismatch',
  },
  // a value dropped from the file
  {
    name: 'value removed',
    docs: edit('string-data', (doc) => doc.deleteIn(['stringData', 'username'])),
    code: 'mac-mismatch',
  },
  // lastmodified is the MAC's additional data
  {
    name: 'lastmodified changed',
    docs: edit('string-data', (doc) => doc.setIn(['sops', 'lastmodified'], '2020-01-01T00:00:00Z')),
    code: 'mac-mismatch',
  },
  // the second document of a two-document file dropped
  { name: 'document removed', docs: () => encrypted('multi-doc').slice(0, 1), code: 'mac-mismatch' },
  // a value's type tag is not authenticated by AES-GCM; an unknown one is refused
  {
    name: 'unknown value type',
    docs: edit('string-data', (doc) => {
      const value = String(doc.getIn(['stringData', 'password']));
      doc.setIn(['stringData', 'password'], value.replace('type:str]', 'type:secret]'));
    }),
    code: 'malformed',
  },
  // sops.mac missing
  { name: 'no MAC', docs: edit('string-data', (doc) => doc.deleteIn(['sops', 'mac'])), code: 'malformed' },
  // lastmodified must be RFC 3339
  {
    name: 'bad lastmodified',
    docs: edit('string-data', (doc) => doc.setIn(['sops', 'lastmodified'], 'yesterday')),
    code: 'malformed',
  },
  // at most one encryption rule per file
  {
    name: 'two encryption rules',
    docs: edit('string-data', (doc) => doc.setIn(['sops', 'unencrypted_suffix'], '_plain')),
    code: 'malformed',
  },
  // sops metadata that is not a mapping
  { name: 'sops is a string', docs: edit('string-data', (doc) => doc.set('sops', 'yes')), code: 'malformed' },
  // a plain manifest has no metadata to decrypt with
  { name: 'no sops metadata', docs: () => parse(read('plaintext/string-data.yaml')), code: 'malformed' },
  // the data key must be an armored age file
  {
    name: 'data key not armored',
    docs: edit('string-data', (doc) => doc.setIn(['sops', 'age', 0, 'enc'], 'not an age file')),
    code: 'malformed',
  },
  // a value written in the clear where the rules say sops encrypts
  {
    name: 'value in the clear',
    docs: edit('string-data', (doc) => doc.setIn(['stringData', 'password'], 'Tr0ub4dor&3-payments-pw')),
    code: 'malformed',
  },
  // sops only supports string keys
  {
    name: 'integer key',
    docs: edit('string-data', (doc) => doc.setIn(['stringData', 7], 'x')),
    code: 'malformed',
  },
  // an alias that contains itself (or a billion laughs) stops at a budget instead of the stack
  {
    name: 'alias cycle',
    docs: edit('string-data', (doc) => {
      const metadata = doc.get('metadata', true);
      if (!isMap(metadata)) throw new Error('no metadata');
      metadata.set('self', doc.createAlias(metadata, 'loop'));
    }),
    code: 'malformed',
  },
  // duplicate keys make the YAML itself invalid
  {
    name: 'invalid YAML',
    docs: () => parse(`${read('string-data.enc.yaml')}\nkind: Secret\n`),
    code: 'malformed',
  },
];

// The alias cycle runs to the YAML alias budget, seconds on a loaded 2-core machine: a generous timeout.
describe('decryptSopsDocuments errors', { timeout: 30_000 }, () => {
  it.each(errorCases)('reports $name as $code', async ({ docs, identities, code }) => {
    const error = await decryptSopsDocuments(docs(), identities ? await identities() : [testKey]).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(SopsError);
    expect(error).toMatchObject({ code });
  });

  it('names where a value failed and what the file is encrypted to', async () => {
    const failure = (docs: Document[]) =>
      decryptSopsDocuments(docs, [testKey]).then(
        () => '',
        (err: Error) => err.message,
      );
    expect(await failure(encrypted('tampered/value-ciphertext'))).toMatchInlineSnapshot(
      `"stringData.password: value does not decrypt: its ciphertext was altered or moved from another key"`,
    );
    expect(await failure(encrypted('shamir-short'))).toMatchInlineSnapshot(
      `"none of the given age identities (for age1thl7te9276lmvk3amgw33wk4y7gthxlwl37ju476ltryc7l5lpaq73k3du) opens the data key (1 of 2 key groups opened); the file is encrypted to age1thl7te9276lmvk3amgw33wk4y7gthxlwl37ju476ltryc7l5lpaq73k3du, age1px7gvz7q2s3fzvydm774lr03xkp9ynke232v76n4fpydp3px5aasjqkv9k"`,
    );
  });

  // Canary: no error, however it is printed or logged, carries a secret value or key material.
  it.each(errorCases)('keeps secrets out of the $name error', async ({ docs, identities }) => {
    const keys = identities ? await identities() : [testKey];
    const error = await decryptSopsDocuments(docs(), keys).catch((err: unknown) => err);
    const printed = [
      String(error),
      (error as Error).message,
      JSON.stringify(error),
      inspect(error, { depth: 5 }),
    ];
    for (const secret of [...secretValues(), ...keys, testKey, testKey.toLowerCase()].filter(
      (s) => s.length >= 6,
    )) {
      for (const text of printed) expect(text).not.toContain(secret);
    }
  });
});

/** secretValues lists every value the fixtures encrypt: the data/stringData values, decoded too, and all of types. */
function secretValues(): string[] {
  const values: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') values.push(value, ...value.split('\n'));
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  for (const file of readdirSync(path.join(fixtures, 'plaintext'))) {
    for (const doc of parse(read(`plaintext/${file}`)).map((d) => d.toJS())) {
      if (file === 'types.yaml') collect({ ...doc, plain_unencrypted: undefined });
      collect(doc?.stringData);
      for (const data of Object.values(doc?.data ?? {})) {
        collect(data);
        collect(Buffer.from(String(data), 'base64').toString('utf8'));
      }
    }
  }
  return values.map((v) => v.trim());
}

describe('repo-supplied sops rule patterns', () => {
  it('refuses an encrypted_regex that backtracks catastrophically on a key, as a malformed file', async () => {
    // The rule patterns are not covered by the MAC: anyone who can commit can change them.
    const evil = read('data.enc.yaml')
      .replace('encrypted_regex: ^(data|stringData)$', 'encrypted_regex: ^(a+)+$')
      .replace('data:\n', `data:\n  ${'a'.repeat(40)}!: x\n`);
    const error = await decryptSopsDocuments(parse(evil), [testKey]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SopsError);
    expect((error as SopsError).code).toBe('malformed');
    expect((error as Error).message).toMatch(/sops\.encrypted_regex: the pattern took more than \d+ ms/);
  });
});

describe('loadAgeIdentities', () => {
  const keyA = testKey;
  const keyB = `AGE-SECRET-KEY-1${'Q'.repeat(58)}`; // well-formed enough for the loader, which does not decode
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'trueup-sops-keys-'));
    await writeFile(path.join(dir, 'keys.txt'), `# created: today\n\n${keyB}\n`);
    await writeFile(path.join(dir, 'bad.txt'), `# a comment\n${keyA.slice(0, -1)}!\n`);
    await writeFile(path.join(dir, 'armored.txt'), '-----BEGIN AGE ENCRYPTED FILE-----\n');
    await mkdir(path.join(dir, 'xdg', 'sops', 'age'), { recursive: true });
    await writeFile(path.join(dir, 'xdg', 'sops', 'age', 'keys.txt'), keyB);
  });
  afterAll(() => rm(dir, { recursive: true }));

  it.each([
    // nothing configured: no identities, decryption will say which variables to set
    ['nothing set', () => ({}), []],
    // SOPS_AGE_KEY may hold several keys on a line and comments
    ['SOPS_AGE_KEY', () => ({ SOPS_AGE_KEY: `# team keys\n${keyA} ${keyB}\n\n` }), [keyA, keyB]],
    // SOPS_AGE_KEY_FILE as age-keygen writes it
    ['SOPS_AGE_KEY_FILE', () => ({ SOPS_AGE_KEY_FILE: path.join(fixtures, 'age.key') }), [keyA]],
    // both sources add up
    ['both', () => ({ SOPS_AGE_KEY: keyA, SOPS_AGE_KEY_FILE: path.join(dir, 'keys.txt') }), [keyA, keyB]],
  ])('reads %s', async (_, env, expected) => {
    expect(await loadAgeIdentities(env())).toEqual(expected);
  });

  it("reads sops' default keys.txt under the user config directory", async () => {
    expect(await loadAgeIdentities({ XDG_CONFIG_HOME: path.join(dir, 'xdg') })).toEqual([keyB]);
  });

  it.each([
    // a mistyped key: the line number, never the line
    [
      'a bad line',
      () => ({ SOPS_AGE_KEY_FILE: path.join(dir, 'bad.txt') }),
      /bad\.txt line 2 is not an age identity/,
    ],
    // the file is missing
    ['a missing file', () => ({ SOPS_AGE_KEY_FILE: path.join(dir, 'nope.txt') }), /nope\.txt.*ENOENT/],
    // passphrase-protected identity files need a prompt trueup cannot show
    ['an encrypted key file', () => ({ SOPS_AGE_KEY_FILE: path.join(dir, 'armored.txt') }), /passphrase/],
    // a bad word in SOPS_AGE_KEY
    ['a bad SOPS_AGE_KEY', () => ({ SOPS_AGE_KEY: `${keyA} oops` }), /SOPS_AGE_KEY line 1/],
  ])('refuses %s without printing key material', async (_, env, message) => {
    const error = await loadAgeIdentities(env()).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'no-key', message: expect.stringMatching(message) });
    expect(String(error)).not.toContain(keyA.slice(20, -1));
  });
});
