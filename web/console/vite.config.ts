/**
 * Vite build of the on-call console: Preact + Pico CSS, built into web/console/dist (index.html and
 * hashed assets) that `trueup serve` serves. `base: './'` keeps every asset URL relative, so the
 * console works under any path prefix (a reverse proxy's `/trueup/`, for instance).
 */
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  // prefresh (HMR) is a dev-server feature; the console is only ever built.
  plugins: [preact({ prefreshEnabled: false, devToolsEnabled: false })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // no source maps in the shipped bundle: it stays small and the source is in the repo anyway.
    sourcemap: false,
    // one chunk, no preloads to polyfill
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
  logLevel: 'warn',
});
