/**
 * vitest globalSetup for the integration project: builds (once, cached) and starts the local fleet
 * once per run, and hands its kubeconfig to the tests with `inject('fleet')`. A missing apiserver
 * fails the run; it is never a skip.
 */
import type { TestProject } from 'vitest/node';
import type { FleetAudit } from '../../local-fleet/audit.ts';
import { ensureClusterBinaries } from '../../local-fleet/binaries.ts';
import { startFleet } from '../../local-fleet/fleet.ts';

/** FleetInfo is what integration tests receive from inject('fleet'). */
export interface FleetInfo {
  kubeconfigPath: string;
  clusters: string[];
  kubernetesVersion: string;
  kubeApiserverBin: string;
  /** audit: the fleet's audit relay, webhook tokens, log files and static users (local-fleet/audit.ts). */
  audit: FleetAudit;
}

declare module 'vitest' {
  export interface ProvidedContext {
    fleet: FleetInfo;
  }
}

export default async function setup(project: TestProject) {
  const log = (msg: string) => console.error(`[fleet] ${msg}`);
  const binaries = await ensureClusterBinaries(log);
  const fleet = await startFleet({ binaries, log });
  project.provide('fleet', {
    kubeconfigPath: fleet.kubeconfigPath,
    clusters: fleet.clusters.map((c) => c.name),
    kubernetesVersion: binaries.kubernetesVersion,
    kubeApiserverBin: binaries.kubeApiserver,
    audit: fleet.audit,
  });
  return async () => {
    const failed = project.vitest.state.getCountOfFailedTests() > 0;
    await fleet.stop({ keepLogs: failed });
    if (failed) log(`tests failed: server logs kept in ${fleet.dir}`);
  };
}
