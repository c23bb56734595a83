/**
 * A commit-caused incident on the real fleet: a commit changes a value, `trueup serve` rolls it
 * out, the workload that reads it crash-loops and an alert arrives. The diagnosis names the commit
 * and proposes a `repo-change`: the revert patch of exactly the line the commit changed, validated
 * by rendering the repo with the patch applied and a server dry-run on every cluster. Nothing is
 * applied and no approval is queued.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningServer, startServe } from '../../cli/serve.ts';
import type { Incident } from '../../diagnose/incident.ts';
import { proposalReason } from '../../diagnose/repo-change.ts';
import { createFleetRepo, type FleetRepo, fleetYaml } from './fleet-repo.ts';
import { clientsFor, eventually, freshNamespace } from './kube.ts';
import { serveOptions } from './serve-options.ts';
import { crashLoopAlert, createCrashingWorkload } from './workloads.ts';

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];
const token = 'am-webhook-token-repo-change';
const apiConfig = (dbHost: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\ndata:\n  DB_HOST: ${dbHost}\n  LOG_LEVEL: info\n`;

async function liveDbHost(cluster: string, ns: string): Promise<string | undefined> {
  const cm = await clientsFor(cluster)
    .core.readNamespacedConfigMap({ name: 'api-config', namespace: ns })
    .catch(() => undefined);
  return cm?.data?.DB_HOST;
}

describe('diagnosis of a commit trueup rolled out', () => {
  let ns: string;
  let repo: FleetRepo;
  let server: RunningServer;

  beforeAll(async () => {
    ns = await freshNamespace('diag-commit', fleet.clusters.map(clientsFor));
    repo = await createFleetRepo({
      'fleet.yaml': fleetYaml(`  - path: base\n    clusters: {}\n    namespace: ${ns}\n`),
      'base/api.yaml': apiConfig('db.internal'),
    });
    process.env.TRUEUP_WEBHOOK_TOKEN = token;
    server = await startServe(await serveOptions(repo.dir, ns), pino({ level: 'silent' }));
    delete process.env.TRUEUP_WEBHOOK_TOKEN;
    await eventually('api-config is created', async () =>
      (await liveDbHost(first, ns)) === 'db.internal' ? true : undefined,
    );
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await repo?.remove();
  });

  it('proposes the revert of the line the commit changed as a repo change, validated by a render and a server dry-run, and applies nothing', async () => {
    const pod = await createCrashingWorkload(first, ns, 'api', 'api-config');
    const commit = await repo.commit({ 'base/api.yaml': apiConfig('db.broken') }, 'api: move the database');
    expect((await fetch(`${server.url}/api/v1/git/refresh`, { method: 'POST' })).ok).toBe(true);
    await eventually('the commit is rolled out', async () =>
      (await liveDbHost(first, ns)) === 'db.broken' ? true : undefined,
    );

    const res = await fetch(`${server.url}/api/v1/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(crashLoopAlert(first, ns, pod, 'repo-change')),
    });
    expect(res.status).toBe(200);
    const { incident: id } = (await res.json()) as { incident: string };
    const incident = await eventually(
      'investigated',
      async () => {
        const i = (await (await fetch(`${server.url}/api/v1/incidents/${id}`)).json()) as Incident;
        return i.investigation === 'done' ? i : undefined;
      },
      30_000,
    );

    const { answer, validation } = incident.diagnosis ?? {};
    // The commit, its author, file:line and key; not an out-of-band drift.
    expect(answer?.summary).toContain(
      `commit ${commit.slice(0, 12)} by Fleet Author ("api: move the database"`,
    );
    expect(answer?.summary).toContain('base/api.yaml:6 (DB_HOST)');
    expect(answer?.summary).not.toContain('drifted');
    expect(answer?.fix).toEqual({
      type: 'repo-change',
      file: 'base/api.yaml',
      patch: [
        '--- a/base/api.yaml',
        '+++ b/base/api.yaml',
        '@@ -3,5 +3,5 @@',
        ' metadata:',
        '   name: api-config',
        ' data:',
        '-  DB_HOST: db.broken',
        '+  DB_HOST: db.internal',
        '   LOG_LEVEL: info',
        '',
      ].join('\n'),
      description: expect.stringContaining(
        `revert what commit ${commit.slice(0, 12)} set in base/api.yaml:6 (DB_HOST)`,
      ),
    });
    // Validated on every cluster the file targets, and only proposed.
    expect(validation?.status).toBe('validated');
    expect(validation?.reasons).toEqual([
      expect.stringContaining(`with the patch to base/api.yaml: ${fleet.clusters.length} object(s) change`),
      ...fleet.clusters.map(
        (c) => `${c}/${ns}/ConfigMap/api-config: server dry-run of configured passed (policy auto)`,
      ),
      proposalReason,
    ]);
    expect(validation?.approval).toBeUndefined();
    for (const c of fleet.clusters) expect(await liveDbHost(c, ns)).toBe('db.broken');
    const approvals = (await (await fetch(`${server.url}/api/v1/approvals?state=all`)).json()) as {
      approvals: unknown[];
    };
    expect(approvals.approvals).toEqual([]);
  });
});
