import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { openIncidentStore } from '../diagnose/incident-store.ts';
import { NotOwnerError } from '../ha/write-guard.ts';
import type { ClusterAccess } from '../reconciler/kube/kube-cluster.ts';
import type { FleetCluster } from '../reconciler/repo/fleet-config.ts';
import type { FleetState } from '../reconciler/repo/fleet-state.ts';
import { openAuditStore } from '../reconciler/store/store.ts';
import { defaultCycleOptions, type Evaluation } from '../reconciler/sync/cycle.ts';
import type { ClusterAccessFactory } from './fleet-run.ts';
import type { ServeOptions } from './options.ts';
import { diagnosisDesk, type ServeCore } from './serve.ts';
import { serveAccess } from './serve-access.ts';
import { setupReplicas } from './serve-ha.ts';

const log = pino({ level: 'silent' });
const kubeconfig = join(mkdtempSync(join(tmpdir(), 'trueup-serve-access-')), 'kubeconfig');
writeFileSync(
  kubeconfig,
  'apiVersion: v1\nkind: Config\nclusters: [{name: a, cluster: {server: "https://127.0.0.1:1"}}]\n' +
    'users: [{name: u, user: {token: t}}]\ncontexts: [{name: prod, context: {cluster: a, user: u}}]\n' +
    'current-context: prod\n',
);
const prod = { name: 'prod' } as FleetCluster;
const ref = { cluster: 'prod', kind: 'ConfigMap' as const, namespace: 'shop', name: 'app' };
const manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'shop' } };

/** recordingPool is a one-cluster pool whose access notes the requests that reach it. */
function recordingPool(): { pool: ClusterAccessFactory; calls: string[] } {
  const calls: string[] = [];
  const access = {
    name: 'prod',
    read: async () => {
      calls.push('read');
      return undefined;
    },
    apply: async (_m: unknown, o: { dryRun: boolean }) => {
      calls.push(o.dryRun ? 'apply dry-run' : 'apply');
      return {};
    },
  } as unknown as ClusterAccess;
  const pool = Object.assign(() => access, { close: async () => {} });
  return { pool, calls };
}

describe("serve's one cluster-access pool", () => {
  // A replica that is not the leader (its elector never started): every write must be refused.
  const follower = () =>
    setupReplicas(
      {
        timeout: 15,
        leaderElect: true,
        leaseName: 'trueup',
        leaseDuration: 15,
        kubeconfig,
        leaseCluster: 'prod',
      } as ServeOptions,
      log,
      new Registry(),
    );

  it('gives diagnosis the one guarded pool: its live reads and fix dry-runs reach it, and nothing else does', async () => {
    const { pool, calls } = recordingPool();
    const access = serveAccess(pool, follower());
    const state = {
      fleet: { clusters: [prod] },
      clusters: [],
      policy: { rules: [] },
    } as unknown as FleetState;
    const core = {
      // The daemon's cache holds nothing here: the object is read live, through the pool.
      daemon: { fleetState: () => state, evaluation: () => ({ cached: false }) },
      store: openAuditStore(':memory:'),
      incidents: openIncidentStore(':memory:'),
      source: { log: async () => [], blame: async () => new Map() },
      cycle: { ...defaultCycleOptions(), fieldManager: 'trueup' },
      metrics: { registry: new Registry() },
      access,
    } as unknown as ServeCore;
    // The wiring serve itself uses: what diagnosis gets is what it is given here.
    const { investigation: deps } = diagnosisDesk(
      { kubeconfig, fieldManager: 'trueup', timeout: 5 } as ServeOptions,
      core,
      log,
    );
    await deps.sources.objects.object(ref);
    const desired = { ...ref, data: { a: '1' }, binaryData: {}, labels: {}, annotations: {}, provenance: {} };
    const evaluation = {
      drift: { ...ref, status: 'missing', changes: [], driftedBy: [] },
      decision: { mode: 'auto', reasons: ['r'], ruleRefs: [] },
      ignore: { paths: [] },
    } as unknown as Evaluation;
    const entry = await deps.validation.dryRun('prod')?.(evaluation, desired, undefined, true);
    expect(entry).toMatchObject({ action: 'created', dryRun: 'passed' });
    // Both came through the one pool, and were only a read and a server dry-run.
    expect(calls).toEqual(['read', 'apply dry-run']);
  });

  it('guards the daemon and recovery, and refuses approvals before anything is read', async () => {
    const { pool, calls } = recordingPool();
    const access = serveAccess(pool, follower());
    await expect(
      access.guarded(prod).apply(manifest as never, { dryRun: false, force: true }),
    ).rejects.toBeInstanceOf(NotOwnerError);
    expect(() => access.approvals(prod)).toThrow(NotOwnerError);
    expect(calls).toEqual([]);
  });

  it('hands out the pool itself for a single replica', () => {
    const { pool } = recordingPool();
    const access = serveAccess(pool, setupReplicas({ timeout: 15 } as ServeOptions, log, new Registry()));
    expect(access.guarded).toBe(pool);
    expect(access.approvals).toBe(pool);
  });
});
