/**
 * The image's Dockerfile, checked without a Docker engine: Node 24 on both stages, a numeric
 * non-root user, and every module the daemon imports at run time inside the image — each relative
 * import in a folder the final stage copies, each package a production dependency (the build stage
 * prunes the dev dependencies).
 */
import { readdir, readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const dockerfile = await readFile(join(root, 'Dockerfile'), 'utf8');
const dockerignore = (await readFile(join(root, '.dockerignore'), 'utf8'))
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

/** copied lists what the final stage copies from the build stage (paths relative to the repo). */
const copied = [...dockerfile.matchAll(/^COPY --from=build \/src\/(\S+) /gm)].map((m) => m[1] as string);
const copiedDirs = copied.filter((p) => p !== 'package.json' && p !== 'node_modules');

// Browser code (bundled by vite at build time) and the demo (it needs Go and the test fleet) do not run in the image.
// The client-node bundler runs at install (npm's prepare) with vite; the Dockerfile deletes it.
const notInImage = (file: string) =>
  file.endsWith('.test.ts') ||
  file.startsWith('web/console/') ||
  file === 'cli/demo.ts' ||
  file === 'reconciler/kube/build-client-node.ts';

async function runtimeFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const dir of copiedDirs) {
    for (const entry of await readdir(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.(ts|js)$/.test(entry.name)) continue;
      const file = relative(root, join(entry.parentPath, entry.name));
      if (!notInImage(file)) files.push(file);
    }
  }
  return files;
}

/** runtimeImports returns the specifiers a file loads at run time (type-only imports are erased). */
function runtimeImports(source: string): string[] {
  const statics = [...source.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^'";]*?from\s+'([^']+)'/gm)];
  const bare = [...source.matchAll(/^\s*import\s+'([^']+)'/gm)];
  const dynamic = [...source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)];
  return [...statics, ...bare, ...dynamic].map((m) => m[1] as string);
}

describe('the Dockerfile', () => {
  it('builds and runs on Node 24 (bookworm-slim) as a numeric non-root user, with tini as PID 1', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    // Both stages FROM the one ARG.
    expect([...dockerfile.matchAll(/^FROM \$\{(\w+)\}/gm)].map((m) => m[1])).toEqual([
      'NODE_IMAGE',
      'NODE_IMAGE',
    ]);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(
      /^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "\/app\/bin\/trueup\.js"\]$/m,
    );
    // The console is built with the dev dependencies, which are then pruned.
    expect(dockerfile).toMatch(/npm run build:console\s*\\\n\s*&& npm prune --omit=dev/);
  });

  it('copies every folder the daemon imports, and the build context does not leave them out', async () => {
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'node_modules', 'bin', 'cli', 'web']));
    for (const dir of copiedDirs) expect(dockerignore, dir).not.toContain(dir);
    const missing: string[] = [];
    for (const file of await runtimeFiles()) {
      for (const spec of runtimeImports(await readFile(join(root, file), 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = relative(root, resolve(dirname(join(root, file)), spec));
        const top = target.split('/')[0] as string;
        if (target !== 'package.json' && !copiedDirs.includes(top)) missing.push(`${file} imports ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('needs no dev dependency at run time: every package imported is a production dependency', async () => {
    const builtins = new Set(builtinModules);
    const undeclared: string[] = [];
    for (const file of await runtimeFiles()) {
      for (const spec of runtimeImports(await readFile(join(root, file), 'utf8'))) {
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
        const name = spec.startsWith('@')
          ? spec.split('/').slice(0, 2).join('/')
          : (spec.split('/')[0] as string);
        if (!(name in pkg.dependencies)) undeclared.push(`${file} imports ${name}`);
      }
    }
    expect(undeclared).toEqual([]);
  });
});
