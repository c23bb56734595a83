/**
 * Where the one-file build of `@kubernetes/client-node` lives: next to the installed package, in
 * `node_modules/.cache/trueup/`, named by the package's version so an upgrade without a rebuild
 * falls back to the package instead of running a stale copy. Nothing here is committed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** clientNodeBundle names the installed client-node package and the bundle built from it. */
export interface ClientNodeBundle {
  /** version is the installed package's version. */
  version: string;
  /** path is the bundle's file (it may not exist yet). */
  path: string;
}

/** clientNodeBundle locates the installed client-node and its bundle; undefined when not installed. */
export function clientNodeBundle(): ClientNodeBundle | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('@kubernetes/client-node/package.json');
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    // node_modules/@kubernetes/client-node/package.json -> node_modules/.cache/trueup/
    const cache = join(dirname(manifest), '..', '..', '.cache', 'trueup');
    return { version, path: join(cache, `client-node-${version}.mjs`) };
  } catch {
    return undefined;
  }
}

/**
 * bundledClientNode is the bundle's file URL when it exists and may be used (TRUEUP_NO_BUNDLE=1
 * turns it off), else undefined: load the package itself.
 */
export function bundledClientNode(): string | undefined {
  if (process.env.TRUEUP_NO_BUNDLE === '1') return undefined;
  const bundle = clientNodeBundle();
  return bundle && existsSync(bundle.path) ? `file://${bundle.path}` : undefined;
}
