/**
 * The dependency direction, checked as folder rules (a new file is checked without being listed):
 * - `reconciler/core/` imports nothing of trueup outside itself, and no I/O module;
 * - `policies/` imports only `reconciler/core/` (and itself), and no I/O module;
 * - `reconciler/audit/` imports only `reconciler/core/` (and itself), and no I/O module;
 * - `reconciler/{repo,diff,sync,preview}/` import no Kubernetes client, git, SQLite, HTTP server or LLM SDK;
 * - `reconciler/` imports none of `web/`, `diagnose/`, `cli/`;
 * - `diagnose/` imports no cluster access from `reconciler/kube/` (only its errors and the client library);
 * - nothing but tests and `bench/` imports `test/`; nothing outside `cli/`, `bin/`, tests and `bench/`
 *   imports `cli/`;
 * - `ha/lease.ts` and `ha/shards.ts` (the pure HA decisions) import no I/O module;
 * - `web/contract/` (the API's JSON shapes) declares types only and imports nothing outside itself;
 *   the console (`web/console/`) imports nothing of trueup but `web/contract/` and the ObjectRef
 *   parser (`reconciler/core/object-ref.ts`).
 * Type-only imports count: a layer that names a higher layer's type depends on it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);

/** sources lists the repo's TypeScript files (relative paths), without dependencies or build output. */
function sources(): string[] {
  return (readdirSync(root, { recursive: true }) as string[])
    .map((f) => f.split('\\').join('/'))
    .filter((f) => /\.tsx?$/.test(f) && !/(^|\/)(node_modules|dist|test-output)\//.test(f));
}

const isTest = (f: string) => /\.test\.tsx?$/.test(f) || f.startsWith('test/');

/** importsOf lists a file's module specifiers (static, type-only, side-effect and dynamic imports). */
function importsOf(text: string): string[] {
  const specifiers: string[] = [];
  for (const m of text.matchAll(
    /^\s*(?:import|export)\s[^'";]*?from\s+'([^']+)'|^import\s+'([^']+)'|import\('([^']+)'\)/gm,
  )) {
    specifiers.push((m[1] ?? m[2] ?? m[3]) as string);
  }
  return specifiers;
}

function resolve(from: string, specifier: string): string {
  return posix.normalize(posix.join(posix.dirname(from), specifier));
}

/** graph maps each file to the local files it imports and the packages it imports. */
function graph(): Map<string, { local: string[]; packages: string[] }> {
  const g = new Map<string, { local: string[]; packages: string[] }>();
  for (const f of sources()) {
    const specifiers = importsOf(readFileSync(new URL(f, root), 'utf8'));
    g.set(f, {
      local: specifiers.filter((s) => s.startsWith('.')).map((s) => resolve(f, s)),
      packages: specifiers.filter((s) => !s.startsWith('.')),
    });
  }
  return g;
}

const io =
  /^(@kubernetes\/client-node|openai|fastify|@fastify\/.*|simple-git|pino|prom-client|node:(fs|fs\/promises|child_process|net|http|https|sqlite|dns|os))$/;
const edgeLibraries = /^(@kubernetes\/client-node|simple-git|node:sqlite|fastify|@fastify\/.*|openai)$/;

interface Rule {
  name: string;
  applies: (file: string) => boolean;
  /** localAllowed tells whether the file may import that local file. */
  localAllowed?: (target: string, file: string) => boolean;
  packageForbidden?: RegExp;
}

const rules: Rule[] = [
  {
    name: 'reconciler/core imports only itself and no I/O',
    applies: (f) => f.startsWith('reconciler/core/') && !isTest(f),
    localAllowed: (t) => t.startsWith('reconciler/core/'),
    packageForbidden: io,
  },
  {
    name: 'policies imports only reconciler/core and no I/O',
    applies: (f) => f.startsWith('policies/') && !isTest(f),
    localAllowed: (t) => t.startsWith('reconciler/core/') || t.startsWith('policies/'),
    packageForbidden: io,
  },
  {
    name: 'reconciler/audit imports only reconciler/core and itself, and no I/O',
    applies: (f) => f.startsWith('reconciler/audit/') && !isTest(f),
    localAllowed: (t) => t.startsWith('reconciler/core/') || t.startsWith('reconciler/audit/'),
    packageForbidden: io,
  },
  {
    name: 'reconciler/{repo,diff,sync,preview} use no Kubernetes client, git, SQLite, HTTP server or LLM SDK',
    applies: (f) => /^reconciler\/(repo|diff|sync|preview)\//.test(f) && !isTest(f),
    packageForbidden: edgeLibraries,
  },
  {
    name: 'reconciler imports none of web, diagnose, cli',
    applies: (f) => f.startsWith('reconciler/') && !isTest(f),
    localAllowed: (t) => !/^(web|diagnose|cli)\//.test(t),
  },
  {
    // Diagnosis reads through the read port (reconciler/sync/object-reader.ts) and its own
    // read-only workload reader; a cluster access that could write never reaches it. The client
    // library's loader (client-node.ts) is the package diagnose already used, loaded once.
    name: 'diagnose imports no cluster access from reconciler/kube (only its errors and the client library)',
    applies: (f) => f.startsWith('diagnose/') && !isTest(f),
    localAllowed: (t) =>
      !t.startsWith('reconciler/kube/') ||
      t === 'reconciler/kube/kube-errors.ts' ||
      t === 'reconciler/kube/client-node.ts' ||
      t === 'reconciler/kube/client-node-path.ts',
  },
  {
    name: 'only tests and bench import test/',
    applies: (f) => !isTest(f) && !f.startsWith('bench/') && f !== 'vitest.config.ts',
    localAllowed: (t) => !t.startsWith('test/'),
  },
  {
    name: 'only cli, bin, tests and bench import cli/',
    applies: (f) => !isTest(f) && !/^(cli|bin|bench)\//.test(f),
    localAllowed: (t) => !t.startsWith('cli/'),
  },
  {
    name: 'the pure HA decisions do no I/O',
    applies: (f) => f === 'ha/lease.ts' || f === 'ha/shards.ts',
    localAllowed: (t) => t.startsWith('ha/') || t.startsWith('reconciler/core/'),
    packageForbidden: io,
  },
  {
    // both the server and the browser bundle compile it
    name: 'web/contract imports nothing outside itself',
    applies: (f) => f.startsWith('web/contract/') && !isTest(f),
    localAllowed: (t) => t.startsWith('web/contract/'),
    packageForbidden: /./,
  },
  {
    // a browser bundle: the API's types, and the one ObjectRef parser (pure, it imports nothing)
    name: 'the console imports nothing of trueup but web/contract and the ObjectRef parser',
    applies: (f) => f.startsWith('web/console/') && !isTest(f),
    localAllowed: (t) =>
      t.startsWith('web/console/') || t.startsWith('web/contract/') || t === 'reconciler/core/object-ref.ts',
  },
];

/** violations lists every import that breaks a rule, as `file -> import (rule)`. */
function violations(g: Map<string, { local: string[]; packages: string[] }>, rule: Rule): string[] {
  const found: string[] = [];
  for (const [file, { local, packages }] of g) {
    if (!rule.applies(file)) continue;
    for (const t of local)
      if (rule.localAllowed && !rule.localAllowed(t, file)) found.push(`${file} -> ${t}`);
    for (const p of packages) if (rule.packageForbidden?.test(p)) found.push(`${file} -> ${p}`);
  }
  return found;
}

describe('the folder rules', () => {
  const g = graph();

  it.each(rules.map((r) => [r.name, r] as const))('%s', (_name, rule) => {
    expect(violations(g, rule)).toEqual([]);
  });

  it('apply to files that exist (the rules are not vacuous)', () => {
    for (const rule of rules) expect([...g.keys()].filter(rule.applies).length, rule.name).toBeGreaterThan(0);
  });

  it('catch a violation', () => {
    const bad = new Map([
      ['reconciler/core/x.ts', { local: ['reconciler/repo/fleet-config.ts'], packages: ['node:fs'] }],
      ['policies/x.ts', { local: ['reconciler/sync/plan.ts'], packages: [] }],
      ['reconciler/sync/x.ts', { local: [], packages: ['@kubernetes/client-node'] }],
      ['web/x.ts', { local: ['test/cluster/fleet.ts', 'cli/options.ts'], packages: [] }],
      ['diagnose/x.ts', { local: ['reconciler/kube/kube-cluster.ts'], packages: [] }],
      ['web/contract/x.ts', { local: ['reconciler/core/model.ts'], packages: ['zod'] }],
      ['web/console/src/x.ts', { local: ['reconciler/core/model.ts', 'web/contract/api.ts'], packages: [] }],
    ]);
    const all = rules.flatMap((r) => violations(bad, r));
    expect(all).toEqual(
      expect.arrayContaining([
        'reconciler/core/x.ts -> reconciler/repo/fleet-config.ts',
        'reconciler/core/x.ts -> node:fs',
        'policies/x.ts -> reconciler/sync/plan.ts',
        'reconciler/sync/x.ts -> @kubernetes/client-node',
        'web/x.ts -> test/cluster/fleet.ts',
        'web/x.ts -> cli/options.ts',
        'diagnose/x.ts -> reconciler/kube/kube-cluster.ts',
        'web/contract/x.ts -> reconciler/core/model.ts',
        'web/contract/x.ts -> zod',
        'web/console/src/x.ts -> reconciler/core/model.ts',
      ]),
    );
    expect(all).not.toContain('web/console/src/x.ts -> web/contract/api.ts');
  });

  it('keep web/contract type-only (nothing of it reaches the console bundle)', () => {
    const runtime = [...g.keys()]
      .filter((f) => f.startsWith('web/contract/') && !isTest(f))
      .filter((f) =>
        /^(export\s+(const|let|var|function|class|enum|default)\b|import\s+(?!type\b))/m.test(
          readFileSync(new URL(f, root), 'utf8'),
        ),
      );
    expect(runtime).toEqual([]);
  });

  it('reads type-only, re-export and dynamic imports', () => {
    expect(
      importsOf("import type { A } from './a.ts';\nexport { b } from './b.ts';\nawait import('./c.ts');\n"),
    ).toEqual(['./a.ts', './b.ts', './c.ts']);
  });
});
