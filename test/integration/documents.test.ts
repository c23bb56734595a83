/**
 * Drift inside ConfigMap values that hold YAML documents, on the real fleet: kubectl edit of one
 * nested field is reported as that path, ignore rules name paths inside the document, and
 * remediation restores the whole value.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { DiffJson } from '../../cli/render.ts';
import type { ChangeSetEntry } from '../../reconciler/sync/cycle.ts';
import { createFleetRepo, type FleetRepo, fleetYaml, Transcript } from './fleet-repo.ts';
import { clientsFor, freshNamespace, kubectl } from './kube.ts';

type ReconcileJson = DiffJson & { changes: ChangeSetEntry[] };

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];
const applicationYaml = 'server:\n  port: 8080\n  host: web\nlogging:\n  level: info\n';

describe('drift inside document values', () => {
  const repos: FleetRepo[] = [];
  afterAll(async () => {
    await Promise.all(repos.map((r) => r.remove()));
  });

  it('reports a kubectl edit of one nested field as that path, and remediation restores it', async () => {
    const ns = await freshNamespace('doc', [clientsFor(first)]);
    const repo = await createFleetRepo({
      'fleet.yaml': fleetYaml('  - path: base\n    clusters: {}\n'),
      'base/app.yaml': [
        'apiVersion: v1',
        'kind: ConfigMap',
        `metadata: {name: app, namespace: ${ns}}`,
        'data:',
        '  application.yaml: |',
        ...applicationYaml
          .trimEnd()
          .split('\n')
          .map((l) => `    ${l}`),
        '',
      ].join('\n'),
      'policies.yaml': [
        'apiVersion: trueup.io/v1alpha1',
        'kind: Policy',
        'rules:',
        '  - name: all',
        '    mode: auto',
        '    ignore:',
        '      paths: ["data.application.yaml#/logging/level"]',
        '',
      ].join('\n'),
    });
    repos.push(repo);
    const t = new Transcript();
    const args = (cmd: string[]) => [
      ...cmd,
      '--repo',
      repo.dir,
      '--field-manager',
      `trueup-${ns}`,
      '--cluster',
      first,
    ];
    const read = async () =>
      (await clientsFor(first).core.readNamespacedConfigMap({ name: 'app', namespace: ns })).data?.[
        'application.yaml'
      ];
    const created = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(created.body.changes.map((c) => [c.action, c.error])).toEqual([['created', undefined]]);

    await kubectl(first, ['-n', ns, 'edit', 'configmap', 'app'], {
      KUBE_EDITOR: "sed -i -e 's/port: 8080/port: 9090/'",
    });
    const diff = await t.json<DiffJson>(args(['diff']));
    expect(diff.code).toBe(1);
    const [drift] = diff.body.drifts;
    expect(drift?.changes).toEqual([
      {
        path: 'data.application.yaml',
        type: 'changed',
        desired: applicationYaml,
        live: applicationYaml.replace('8080', '9090'),
        document: {
          format: 'yaml',
          changes: [
            { path: 'server.port', pointer: '/server/port', type: 'changed', desired: '8080', live: '9090' },
          ],
        },
      },
    ]);
    expect(drift?.driftedBy).toEqual([
      {
        manager: 'kubectl-edit',
        operation: 'Update',
        time: expect.any(String),
        paths: ['data.application.yaml'],
      },
    ]);
    const text = await t.trueup(args(['diff']));
    expect(text.stdout).toContain('~ data.application.yaml: yaml document (live -> desired)');
    expect(text.stdout).toContain('~ server.port: 9090 -> 8080');

    const rec = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(rec.body.changes.map((c) => [c.action, c.dryRun, c.error])).toEqual([
      ['configured', 'passed', undefined],
    ]);
    expect(await read()).toBe(applicationYaml);

    // A nested path the policy ignores is not drift, and is left as it is.
    await kubectl(first, ['-n', ns, 'edit', 'configmap', 'app'], {
      KUBE_EDITOR: "sed -i -e 's/level: info/level: debug/'",
    });
    const ignored = await t.json<ReconcileJson>(args(['reconcile', '--once', '--remediate']));
    expect(ignored.body.drifts).toEqual([]);
    expect(ignored.code).toBe(0);
    expect(await read()).toBe(applicationYaml.replace('info', 'debug'));
    // Six trueup runs and two edits: more than the default minute on a busy machine.
  }, 180_000);
});
