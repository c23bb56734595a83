/**
 * build-client-node bundles `@kubernetes/client-node` and its dependencies into one ES module in
 * `node_modules/.cache/trueup/` (see client-node-path.ts), with Vite (Rolldown) in SSR mode so
 * Node's built-ins stay imports. Run by `npm run build:kube` and by `prepare`, so `npm ci` builds
 * it; it is never committed. Why: loading ~870 modules one by one is most of a one-shot command's
 * start-up; one file loads in about half the time. Tree-shaking does not drop the generated models
 * (client-node's serializer references them all), so the bundle is the whole library.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build } from 'vite';
import { clientNodeBundle } from './client-node-path.ts';

const bundle = clientNodeBundle();
if (!bundle) throw new Error('@kubernetes/client-node is not installed');
const outDir = dirname(bundle.path);
await mkdir(outDir, { recursive: true });
// The entry re-exports the package, so the bundle has the same exports as the package itself.
const entry = join(outDir, 'client-node-entry.mjs');
await writeFile(entry, "export * from '@kubernetes/client-node';\n");
const fileName = bundle.path.slice(outDir.length + 1);
try {
  await build({
    configFile: false,
    logLevel: 'warn',
    root: dirname(outDir),
    ssr: { noExternal: true, target: 'node' },
    build: {
      ssr: entry,
      outDir,
      emptyOutDir: false,
      target: 'node24',
      minify: false,
      sourcemap: false,
      reportCompressedSize: false,
      // No comments: client-node's generated models are mostly doc comments (17 MB with, 6 MB without).
      rolldownOptions: {
        output: { format: 'esm', entryFileNames: fileName, codeSplitting: false, comments: false },
      },
    },
  });
} finally {
  await rm(entry, { force: true });
}
process.stdout.write(`built ${bundle.path}\n`);
