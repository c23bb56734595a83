import { describe, expect, it } from 'vitest';
import type { Conflict } from '../reconciler/core/model.ts';
import type { CycleReport } from '../reconciler/sync/cycle.ts';
import { renderDiffText, toDiffJson } from './render.ts';

const report: CycleReport = {
  revision: 'abc123',
  clusters: [
    { name: 'prod-eu', reachable: true, drifts: [], changeSet: [] },
    { name: 'prod-us', reachable: true, drifts: [], changeSet: [] },
  ],
  errors: [],
};

const conflict = (cluster: string): Conflict => ({
  cluster,
  kind: 'Secret',
  namespace: 'shop',
  name: 'db',
  path: 'data.password',
  winner: {
    target: 'overlays/prod',
    file: 'overlays/prod/db.yaml',
    line: 8,
    value: 'hmac-sha256:0123456789ab',
    commit: 'ffeeddccbbaa99887766',
  },
  overridden: [
    {
      target: 'base',
      file: 'base/db.yaml',
      line: 7,
      value: 'hmac-sha256:ba9876543210',
      commit: '00112233445566778899',
    },
  ],
});

describe('diff output with conflicts', () => {
  it('renders a conflicts section with both provenances, one entry for the clusters it is the same on', () => {
    const longValue: Conflict = {
      ...conflict('prod-eu'),
      kind: 'ConfigMap',
      name: 'app',
      path: 'data.config',
      winner: { target: 'overlays/prod', file: 'overlays/prod/app.yaml', line: 9, value: 'x\n'.repeat(50) },
      overridden: [{ target: 'base', file: 'base/app.yaml', line: 9, value: 'short' }],
    };
    expect(
      renderDiffText(report, [conflict('prod-eu'), conflict('prod-us'), longValue]),
    ).toMatchInlineSnapshot(`
      "revision abc123

      cluster prod-eu: 0 drifted, 0 in sync

      cluster prod-us: 0 drifted, 0 in sync

      conflicts (3):
        prod-eu, prod-us: Secret shop/db data.password: hmac-sha256:0123456789ab at overlays/prod/db.yaml:8 (target overlays/prod, commit ffeeddccbbaa)
          overrides hmac-sha256:ba9876543210 at base/db.yaml:7 (target base, commit 001122334455)
        prod-eu: ConfigMap shop/app data.config: "x\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\nx\\n"… (100 chars) at overlays/prod/app.yaml:9 (target overlays/prod)
          overrides "short" at base/app.yaml:9 (target base)
      "
    `);
  });

  it('prints no conflicts section when there are none', () => {
    expect(renderDiffText(report)).not.toContain('conflicts');
  });

  it('adds conflicts to the JSON contract without changing the other fields', () => {
    const json = toDiffJson(report, [conflict('prod-eu')]);
    expect(Object.keys(json)).toEqual(['revision', 'clusters', 'drifts', 'errors', 'conflicts']);
    expect(json.conflicts).toEqual([conflict('prod-eu')]);
    expect(toDiffJson(report).conflicts).toEqual([]);
  });
});

describe('diff output for values that hold documents', () => {
  it('shows the paths that differ inside a JSON or YAML value instead of a whole-value diff', () => {
    const desiredYaml = 'server:\n  port: 8080\nfeatures: [a, b]\n';
    const liveYaml = 'server:\n  port: 9090\n  debug: true\nfeatures: [a]\n';
    const drifted: CycleReport = {
      revision: 'abc123',
      errors: [],
      clusters: [
        {
          name: 'prod-eu',
          reachable: true,
          changeSet: [],
          drifts: [
            {
              cluster: 'prod-eu',
              kind: 'ConfigMap',
              namespace: 'shop',
              name: 'app',
              status: 'modified',
              changes: [
                {
                  path: 'data.application.yaml',
                  type: 'changed',
                  desired: desiredYaml,
                  live: liveYaml,
                  document: {
                    format: 'yaml',
                    changes: [
                      {
                        path: 'server.port',
                        pointer: '/server/port',
                        type: 'changed',
                        desired: '8080',
                        live: '9090',
                      },
                      { path: 'server.debug', pointer: '/server/debug', type: 'added', live: 'true' },
                      { path: 'features[1]', pointer: '/features/1', type: 'removed', desired: '"b"' },
                    ],
                    ignored: 1,
                  },
                },
                {
                  path: 'data.settings.json',
                  type: 'changed',
                  desired: '{"a": 1}',
                  live: '{"a":1}',
                  document: { format: 'json', changes: [] },
                },
              ],
              driftedBy: [
                {
                  manager: 'kubectl-edit',
                  operation: 'Update',
                  time: '2026-11-23T03:00:00Z',
                  paths: ['data.application.yaml', 'data.settings.json'],
                },
              ],
              provenance: { 'data.application.yaml': { file: 'base/app.yaml', line: 7 } },
            },
          ],
        },
      ],
    };
    expect(renderDiffText(drifted)).toMatchInlineSnapshot(`
      "revision abc123

      cluster prod-eu: 1 drifted, 0 in sync
        ConfigMap shop/app: modified
          ~ data.application.yaml: yaml document (live -> desired)
              ~ server.port: 9090 -> 8080
              + server.debug: true (not in the repo)
              - features[1]: "b" (missing on the cluster)
              (1 path ignored by policy)
              drifted by kubectl-edit (Update at 2026-11-23T03:00:00Z)
              declared in base/app.yaml:7
          ~ data.settings.json (same json document, only the text differs): "{\\"a\\":1}" -> "{\\"a\\": 1}" (live -> desired)
              drifted by kubectl-edit (Update at 2026-11-23T03:00:00Z)
      "
    `);
    // The JSON contract keeps the whole values and adds the paths.
    expect(toDiffJson(drifted).drifts[0]?.changes[0]).toMatchObject({
      desired: desiredYaml,
      live: liveYaml,
      document: { format: 'yaml' },
    });
  });
});

describe('diff output for objects held by repo errors', () => {
  const heldBy = [
    { file: 'base/app.yaml', line: 7, code: 'TRUEUP_REPO_YAML' as const, message: 'invalid YAML: bad' },
  ];
  const held: CycleReport = {
    revision: 'abc123',
    clusters: [
      {
        name: 'prod-eu',
        reachable: true,
        changeSet: [],
        drifts: [
          {
            cluster: 'prod-eu',
            kind: 'ConfigMap',
            namespace: 'shop',
            name: 'app',
            status: 'unknown',
            changes: [],
            driftedBy: [],
            heldBy,
          },
        ],
      },
    ],
    errors: [{ ...heldBy[0], holds: ['ConfigMap/shop/app'] } as CycleReport['errors'][number]],
  };

  it('shows an object a broken file declared as unknown, held by the file error, in text and JSON', () => {
    const text = renderDiffText(held);
    expect(text).toContain('ConfigMap shop/app: unknown');
    expect(text).toContain('held by base/app.yaml:7: invalid YAML: bad [TRUEUP_REPO_YAML]');
    expect(text).toContain(
      'base/app.yaml:7: invalid YAML: bad [TRUEUP_REPO_YAML]; holds 1 object(s) whose desired state is unknown (not orphaned, never pruned): ConfigMap/shop/app',
    );
    expect(text).not.toContain('orphaned\n');
    const json = JSON.parse(JSON.stringify(toDiffJson(held)));
    expect(json.drifts[0]).toMatchObject({ status: 'unknown', heldBy });
    expect(json.errors[0].holds).toEqual(['ConfigMap/shop/app']);
  });
});
