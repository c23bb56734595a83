/** serveOptions: `trueup serve` options for a test on the shared fleet, with per-test overrides. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { ServeOptions } from '../../cli/options.ts';

/**
 * serveOptions are the defaults every daemon test starts from: the fleet's kubeconfig, a field
 * manager of the test's namespace (so tests never fight over fields), fresh cache and state folders,
 * remediation on, no resync and no polling during a test, and console auth off (its own tests turn it
 * on).
 */
export async function serveOptions(
  repo: string,
  ns: string,
  overrides: Partial<ServeOptions> = {},
): Promise<ServeOptions> {
  return {
    repo,
    kubeconfig: inject('fleet').kubeconfigPath,
    cacheDir: await mkdtemp(join(tmpdir(), 'trueup-serve-cache-')),
    fieldManager: `trueup-${ns}`,
    timeout: 5,
    remediate: true,
    listen: '127.0.0.1:0',
    stateDir: await mkdtemp(join(tmpdir(), 'trueup-serve-state-')),
    resync: '0 0 1 1 *',
    pollInterval: 3600,
    logLevel: 'info',
    events: false,
    clusterLabel: 'cluster',
    consoleAuthOff: true,
    ...overrides,
  };
}
