/**
 * Canary waves in the daemon: `serve` changes the canary cluster first, and the rest only once the
 * canary has been in sync for the settle time — by itself, with no resync — and the approvals it
 * queued for the held changes are then marked stale.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServe } from '../../cli/serve.ts';
import { openAuditStore } from '../../reconciler/store/store.ts';
import { createFleetRepo, type FleetRepo, fleetYaml } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace } from './kube.ts';
import { serveOptions } from './serve-options.ts';

const fleet = inject('fleet');

describe('trueup serve with canary waves', () => {
  let repo: FleetRepo | undefined;
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.stop();
    await repo?.remove();
  });

  it('changes the canary cluster first and the rest once it has settled', async () => {
    const [c1, c2, c3] = fleet.clusters as [string, string, string];
    const ns = await freshNamespace('swave', fleet.clusters.map(clientsFor));
    repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {}\n'),
      'base/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: ${ns}}\ndata:\n  color: blue\n`,
      'policies.yaml': `apiVersion: trueup.io/v1alpha1\nkind: Policy\nrules:\n  - name: rollout\n    match: {namespaces: [${ns}]}\n    mode: auto\n    limits:\n      waves:\n        - clusters: [${c1}]\n        - {}\n      settle: 5s\n`,
    });
    const stateDir = await mkdtemp(join(tmpdir(), 'trueup-state-'));
    server = await startServe(
      // No resync during the test (the default): the daemon must take the next wave by itself.
      await serveOptions(repo.dir, ns, { prune: false, stateDir }),
      pino({ level: 'silent' }),
    );
    const created = (cluster: string) =>
      clientsFor(cluster)
        .core.readNamespacedConfigMap({ name: 'app', namespace: ns })
        .then((cm) => cm.metadata?.creationTimestamp);

    const canary = await eventually(`app on ${c1}`, () => created(c1));
    // The next wave waits for the canary to be in sync for 5 s.
    await expect(created(c2)).rejects.toThrow();
    const rest = await Promise.all([c2, c3].map((c) => eventually(`app on ${c}`, () => created(c), 30_000)));
    for (const t of rest) {
      // creationTimestamp is whole seconds: at least 4 s apart means the 5 s settle was waited for.
      expect(new Date(t as Date).getTime() - new Date(canary as Date).getTime()).toBeGreaterThanOrEqual(4000);
    }

    // The approvals queued while the rest waited are superseded once those objects are in sync.
    const store = openAuditStore(stateDir);
    try {
      // Wait for the daemon to record what it did: stopping it mid-remediation would cut that short.
      await eventually('remediations recorded', async () => {
        const done = (await store.remediations()).filter((r) => r.entry.action === 'created');
        return done.length === 3 ? done : undefined;
      });
      const approvals = await eventually('approvals superseded', async () => {
        const all = await store.approvals();
        return all.length > 0 && all.every((a) => a.state === 'stale') ? all : undefined;
      });
      expect(new Set(approvals.map((a) => a.entry.cluster))).toEqual(new Set([c2, c3]));
      expect(approvals.map((a) => a.note)).toEqual(
        approvals.map(() => 'superseded: the object is in sync now'),
      );
      expect(approvals[0]?.entry.decision).toMatchObject({ mode: 'approve', hold: 'wave' });
    } finally {
      await store.close();
    }
  });
});
