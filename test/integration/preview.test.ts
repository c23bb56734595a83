/**
 * `trueup preview` on the real 3-cluster fleet: a real git repo with a base and a head, the real
 * `trueup` process, and the live clusters answering the dry-runs. Nothing is ever applied.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { PreviewReport } from '../../reconciler/preview/model.ts';
import { createFleetRepo, type FleetRepo, fleetYaml, Transcript } from './fleet-repo.ts';
import { clientsFor, freshNamespace, kubectlPatch } from './kube.ts';

const fleet = inject('fleet');
const [first, second, third] = fleet.clusters as [string, string, string];
const everyCluster = fleet.clusters.map(clientsFor);

const configMap = (ns: string, name: string, data: string, extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${ns}}\n${extra}data:\n${data}`;

describe('trueup preview', () => {
  const repos: FleetRepo[] = [];
  afterAll(async () => {
    await Promise.all(repos.map((r) => r.remove()));
  });

  /** setup applies the base to every cluster (reconcile --once --remediate) and returns helpers. */
  async function setup(files: (ns: string) => Record<string, string>, targets?: string) {
    const ns = await freshNamespace('prev', everyCluster);
    const repo = await createFleetRepo({
      'fleet.yaml': fleetYaml(targets ?? '  - path: base\n    clusters: {}\n'),
      ...files(ns),
    });
    repos.push(repo);
    const t = new Transcript();
    const repoArgs = ['--repo', repo.dir, '--field-manager', `trueup-${ns}`];
    const applied = await t.trueup(['reconcile', '--once', '--remediate', ...repoArgs]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const base = await repo.git(['rev-parse', 'HEAD']);
    const preview = (head: string, extra: string[] = []) =>
      t.json<PreviewReport>(['preview', '--base', base, '--head', head, ...repoArgs, ...extra]);
    return { ns, repo, t, base, preview, repoArgs };
  }

  const liveColor = (context: string, ns: string) =>
    clientsFor(context)
      .core.readNamespacedConfigMap({ name: 'app', namespace: ns })
      .then((cm) => cm.data?.color);

  it('shows a change to a base file on every cluster as one group, applied at once after a passing dry-run, and applies nothing', async () => {
    const { ns, repo, t, base, preview, repoArgs } = await setup((ns) => ({
      'base/app.yaml': configMap(ns, 'app', '  color: blue\n  size: L\n'),
    }));
    await repo.git(['checkout', '-q', '-b', 'feature']);
    await repo.commit({ 'base/app.yaml': configMap(ns, 'app', '  color: green\n  size: L\n  tier: gold\n') });
    const { code, body } = await preview('feature');
    expect(code).toBe(1);
    expect(body.outcome).toBe('changes');
    expect(body.summary).toBe('2 keys in 1 object on 3 clusters: 3 applied at once');
    expect(body.groups).toEqual([
      { clusters: [first, second, third], summary: '2 keys in 1 object: 1 applied at once' },
    ]);
    expect(body.clusters[0]?.changes).toEqual([
      {
        kind: 'ConfigMap',
        namespace: ns,
        name: 'app',
        change: 'modified',
        keys: [
          { path: 'data.color', type: 'changed', base: 'blue', head: 'green' },
          { path: 'data.tier', type: 'added', head: 'gold' },
        ],
      },
    ]);
    expect(body.clusters[0]?.applies).toEqual([
      expect.objectContaining({
        name: 'app',
        cause: 'head',
        fate: 'applied',
        action: 'configured',
        dryRun: 'passed',
      }),
    ]);
    expect(body.head.ref).toBe('feature');
    expect(body.base.revision).toBe(base);
    // A preview writes nothing.
    for (const c of fleet.clusters) expect(await liveColor(c, ns)).toBe('blue');
    // The same revision on both sides: no change, exit 0.
    const same = await t.json<PreviewReport>(['preview', '--base', base, '--head', base, ...repoArgs]);
    expect({ code: same.code, summary: same.body.summary }).toEqual({
      code: 0,
      summary: 'no change on 3 clusters',
    });
    // The markdown comment: summary first, one collapsible group.
    const md = await t.trueup([
      'preview',
      '--base',
      base,
      '--head',
      'feature',
      ...repoArgs,
      '-o',
      'markdown',
    ]);
    expect(md.code).toBe(1);
    const stable = md.stdout
      .replaceAll(ns, '<ns>')
      .replace(/`[0-9a-f]{12}`/g, '`<sha>`')
      .replaceAll(base, '<base>');
    expect(stable).toMatchInlineSnapshot(`
      "### trueup preview: 2 keys in 1 object on 3 clusters: 3 applied at once

      Base \`<base>\` (\`<sha>\`) → head \`feature\` (\`<sha>\`).

      <details>
      <summary>cluster-1, cluster-2, cluster-3 (3 clusters): 2 keys in 1 object: 1 applied at once</summary>

      | object | key | base | head |
      | --- | --- | --- | --- |
      | ConfigMap \`<ns>/app\` (modified) | \`data.color\` | \`"blue"\` | \`"green"\` |
      | ConfigMap \`<ns>/app\` (modified) | \`data.tier\` |  | \`"gold"\` |

      | object | apply | decision |
      | --- | --- | --- |
      | ConfigMap \`<ns>/app\` | configured, dry-run passed: applied at once | auto |

      </details>
      "
    `);
  });

  it('shows an overlay change only on the clusters its label selection picks, and live drift the apply would also overwrite', async () => {
    const { ns, repo, preview } = await setup(
      (ns) => ({
        'base/app.yaml': configMap(ns, 'app', '  color: blue\n'),
        'overlays/prod/app.yaml': configMap(ns, 'app', '  size: XL\n'),
      }),
      '  - path: base\n    clusters: {}\n  - path: overlays/prod\n    clusters: {matchLabels: {env: prod}}\n',
    );
    await kubectlPatch(first, ns, 'configmap', 'app', { data: { color: 'red' } });
    const head = await repo.commit({ 'overlays/prod/app.yaml': configMap(ns, 'app', '  size: XXL\n') });
    const { code, body } = await preview(head);
    expect(code).toBe(1);
    expect(body.summary).toBe(
      '1 key in 1 object on 1 cluster: 1 applied at once; also overwrites live drift on 1 object',
    );
    expect(body.groups.map((g) => g.clusters)).toEqual([[second, third], [first]]);
    const prod = body.clusters.find((c) => c.name === first);
    expect(prod?.changes[0]?.keys).toEqual([{ path: 'data.size', type: 'changed', base: 'XL', head: 'XXL' }]);
    expect(prod?.drift).toEqual([
      {
        kind: 'ConfigMap',
        namespace: ns,
        name: 'app',
        status: 'modified',
        changes: [expect.objectContaining({ path: 'data.color', desired: 'blue', live: 'red' })],
      },
    ]);
    expect(prod?.applies[0]).toMatchObject({ cause: 'both', fate: 'applied' });
  });

  it('states that an object the head deletes stays on the clusters unless prune is on, and previews the prune', async () => {
    const { ns, repo, preview } = await setup((ns) => ({
      'base/app.yaml': configMap(ns, 'app', '  color: blue\n'),
      'base/old.yaml': configMap(ns, 'old', '  x: "1"\n'),
    }));
    const head = await repo.commit({ 'base/old.yaml': null });
    const kept = await preview(head);
    expect(kept.code).toBe(1);
    expect(kept.body.summary).toBe(
      '1 key in 1 object (1 deleted) on 3 clusters: 3 left on the cluster (not pruned)',
    );
    expect(kept.body.clusters[0]?.applies[0]).toMatchObject({
      name: 'old',
      fate: 'kept',
      reasons: ['not in the repo any more; prune is off (--prune)'],
    });
    const pruned = await preview(head, ['--prune']);
    expect(pruned.body.summary).toBe('1 key in 1 object (1 deleted) on 3 clusters: 3 deleted (prune)');
    expect(pruned.body.clusters[0]?.applies[0]).toMatchObject({
      fate: 'pruned',
      action: 'deleted',
      dryRun: 'passed',
    });
    const still = await clientsFor(first).core.readNamespacedConfigMap({ name: 'old', namespace: ns });
    expect(still.data).toEqual({ x: '1' });
  });

  it('reports the server refusing the dry-run of a change to an immutable object, with exit 2', async () => {
    const { ns, repo, preview } = await setup((ns) => ({
      'base/frozen.yaml': configMap(ns, 'frozen', '  color: blue\n', 'immutable: true\n'),
    }));
    const head = await repo.commit({
      'base/frozen.yaml': configMap(ns, 'frozen', '  color: green\n', 'immutable: true\n'),
    });
    const { code, body } = await preview(head);
    expect(code).toBe(2);
    expect(body.outcome).toBe('errors');
    expect(body.summary).toBe('1 key in 1 object on 3 clusters: 3 refused by the dry-run');
    const apply = body.clusters[0]?.applies[0];
    expect(apply).toMatchObject({
      fate: 'refused',
      dryRun: 'failed',
      failure: { code: 'TRUEUP_DRY_RUN_FAILED' },
    });
    expect(apply?.error).toMatch(/immutable/);
  });

  it('decides with the head policies, notes that the head changes them, and groups clusters by decision', async () => {
    const policy = (rules: string) =>
      `apiVersion: trueup.io/v1alpha1\nkind: Policy\ndefaultMode: auto\nrules:\n${rules}`;
    const { ns, repo, preview } = await setup((ns) => ({
      'base/app.yaml': configMap(ns, 'app', '  color: blue\n'),
      'policies.yaml': policy('  - name: everything\n    mode: auto\n'),
    }));
    const head = await repo.commit({
      'base/app.yaml': configMap(ns, 'app', '  color: green\n'),
      'policies.yaml': policy(
        `  - name: everything\n    mode: auto\n  - name: prod-careful\n    match: {clusterLabels: {matchLabels: {env: prod}}}\n    mode: approve\n`,
      ),
    });
    const { code, body } = await preview(head);
    expect(code).toBe(1);
    expect(body.summary).toBe(
      '1 key in 1 object on 3 clusters: 2 applied at once, 1 wait for approval (rule prod-careful)',
    );
    expect(body.policies).toEqual({
      changed: true,
      decisionsChanged: 1,
      note: "the head changes the policies; decisions here are the head's (1 differs from the base's policies)",
    });
    const prod = body.clusters.find((c) => c.name === first)?.applies[0];
    expect(prod).toMatchObject({
      fate: 'approval',
      dryRun: 'passed',
      decision: { mode: 'approve' },
      baseDecision: { mode: 'auto' },
    });
    expect(body.groups.map((g) => g.clusters)).toEqual([[second, third], [first]]);
  });

  it('shows a Secret change as keyed digests only, in every output', async () => {
    const secret = (ns: string, value: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: ${ns}}\nstringData:\n  password: ${value}\n`;
    const before = `canary-before-${Math.random().toString(36).slice(2)}`;
    const after = `canary-after-${Math.random().toString(36).slice(2)}`;
    const { ns, repo, t, base, repoArgs } = await setup((ns) => ({ 'base/db.yaml': secret(ns, before) }));
    const head = await repo.commit({ 'base/db.yaml': secret(ns, after) });
    const json = await t.json<PreviewReport>(['preview', '--base', base, '--head', head, ...repoArgs]);
    expect(json.code).toBe(1);
    const key = json.body.clusters[0]?.changes[0]?.keys[0];
    expect(key).toEqual({
      path: 'data.password',
      type: 'changed',
      base: expect.stringMatching(/^hmac-sha256:[0-9a-f]{12}$/),
      head: expect.stringMatching(/^hmac-sha256:[0-9a-f]{12}$/),
    });
    expect(key?.base).not.toBe(key?.head);
    await t.trueup(['preview', '--base', base, '--head', head, ...repoArgs]);
    await t.trueup(['preview', '--base', base, '--head', head, ...repoArgs, '-o', 'markdown']);
    const all = t.allOutput();
    for (const canary of [
      before,
      after,
      Buffer.from(before).toString('base64'),
      Buffer.from(after).toString('base64'),
    ])
      expect(all).not.toContain(canary);
    expect(all).toContain(key?.head as string);
  });

  it('reports the repo errors the head introduces with file and line, and exits 2', async () => {
    const { ns, repo, preview } = await setup((ns) => ({
      'base/app.yaml': configMap(ns, 'app', '  color: blue\n'),
    }));
    const head = await repo.commit({
      'base/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [oops\n',
    });
    const { code, body } = await preview(head);
    expect(code).toBe(2);
    expect(body.errors).toEqual([
      expect.objectContaining({
        file: 'base/broken.yaml',
        line: expect.any(Number),
        code: 'TRUEUP_REPO_YAML',
      }),
    ]);
    expect(body.summary).toMatch(/1 repo error\(s\) introduced$/);
    expect(ns).toBeTruthy();
  });
});
