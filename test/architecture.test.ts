/**
 * The dependency direction, checked: the pure core (load, merge, diff, plan, policy decisions)
 * does no I/O. It may not import Kubernetes, git, HTTP, LLM, logging or file-system modules, and
 * may import (as values) only other core files. Type-only imports are allowed. (node-cron is
 * allowed: the core only uses its pure parser.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const core = [
  'ha/lease.ts',
  'ha/shards.ts',
  'reconciler/attribution.ts',
  'reconciler/bounded-regex.ts',
  'reconciler/desired-state.ts',
  'reconciler/fleet-state.ts',
  'reconciler/diff.ts',
  'reconciler/document-diff.ts',
  'reconciler/fleet-config.ts',
  'reconciler/flap-tracker.ts',
  'reconciler/glob.ts',
  'reconciler/manifest.ts',
  'reconciler/model.ts',
  'reconciler/namespace-scope.ts',
  'reconciler/plan.ts',
  'reconciler/provenance.ts',
  'reconciler/secret-value.ts',
  'reconciler/sops.ts',
  'reconciler/substitute.ts',
  'reconciler/wave-state.ts',
  'reconciler/yaml-file.ts',
  'policies/decision.ts',
  'policies/engine.ts',
  'policies/ignore-path.ts',
  'policies/limits.ts',
  'policies/policy-file.ts',
  'policies/waves.ts',
  'policies/windows.ts',
];
const forbidden =
  /^(@kubernetes\/client-node|openai|fastify|simple-git|pino|prom-client|node:(fs|fs\/promises|child_process|net|http|https|sqlite|dns|os))$/;

/** valueImports lists the module specifiers a file imports as values (not `import type`). */
function valueImports(file: string): string[] {
  const text = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
  const specifiers: string[] = [];
  for (const m of text.matchAll(
    /^import\s+(type\s+)?[^'"]*?from\s+'([^']+)'|^import\s+'([^']+)'|import\('([^']+)'\)/gms,
  )) {
    if (m[1]) continue;
    specifiers.push((m[2] ?? m[3] ?? m[4]) as string);
  }
  return specifiers;
}

function resolve(from: string, specifier: string): string {
  return new URL(specifier, `file:///${from}`).pathname.slice(1);
}

describe('the pure core', () => {
  it.each(core)('%s imports no I/O module and only core files', (file) => {
    const imports = valueImports(file);
    expect(imports.filter((s) => forbidden.test(s))).toEqual([]);
    const local = imports.filter((s) => s.startsWith('.')).map((s) => resolve(file, s));
    expect(local.filter((f) => !core.includes(f))).toEqual([]);
  });

  it('is checked by a rule that would catch a violation', () => {
    expect(forbidden.test('@kubernetes/client-node')).toBe(true);
    expect(forbidden.test('node:fs/promises')).toBe(true);
    expect(forbidden.test('node:crypto')).toBe(false);
    expect(valueImports('reconciler/kube-cluster.ts')).toContain('@kubernetes/client-node');
  });
});
