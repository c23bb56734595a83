import { describe, expect, it } from 'vitest';
import type { Conflict } from '../reconciler/model.ts';
import type { CycleReport } from '../reconciler/reconcile.ts';
import { renderDiffText, toDiffJson } from './render.ts';

const report: CycleReport = {
  revision: 'abc123',
  clusters: [
    { name: 'prod-eu', reachable: true, drifts: [], changes: [] },
    { name: 'prod-us', reachable: true, drifts: [], changes: [] },
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
    value: 'sha256:0123456789ab',
    commit: 'ffeeddccbbaa99887766',
  },
  overridden: [
    {
      target: 'base',
      file: 'base/db.yaml',
      line: 7,
      value: 'sha256:ba9876543210',
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
        prod-eu, prod-us: Secret shop/db data.password: sha256:0123456789ab at overlays/prod/db.yaml:8 (target overlays/prod, commit ffeeddccbbaa)
          overrides sha256:ba9876543210 at base/db.yaml:7 (target base, commit 001122334455)
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
