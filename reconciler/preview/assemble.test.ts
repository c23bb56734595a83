import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../policies/policy-file.ts';
import type { Decision } from '../core/decision.ts';
import type { Conflict, DesiredObject, Drift } from '../core/model.ts';
import type { ClusterDesiredState } from '../repo/desired-state.ts';
import type { FleetState } from '../repo/fleet-state.ts';
import type { ChangeSetEntry, ClusterReport } from '../sync/change-set.ts';
import { assemblePreview, fateOf } from './assemble.ts';
import { renderPreviewMarkdown } from './render-markdown.ts';
import { renderPreviewText } from './render-text.ts';
import { approvalReason } from './summary.ts';

const auto: Decision = { mode: 'auto', reasons: ['remediation is on (--remediate)'], ruleRefs: [] };
const approve: Decision = {
  mode: 'approve',
  reasons: ['rule prod-secrets (policies.yaml:4) matched: mode approve'],
  ruleRefs: ['prod-secrets (policies.yaml:4)'],
};
const ref = { kind: 'ConfigMap' as const, namespace: 'shop', name: 'app' };
const entry = (e: Partial<ChangeSetEntry>): ChangeSetEntry => ({
  cluster: 'c1',
  ...ref,
  action: 'configured',
  reasons: [],
  decision: auto,
  ...e,
});

describe('fateOf', () => {
  it.each([
    // auto and the dry-run passed: the next reconcile applies it
    ['applied', entry({ dryRun: 'passed' }), 'modified', 'applied'],
    // planned, dry-run, then queued
    [
      'approval',
      entry({
        action: 'skipped',
        dryRun: 'passed',
        decision: approve,
        pending: { action: 'configured', resourceVersion: '1' },
      }),
      'modified',
      'approval',
    ],
    // the server refused it: whatever the decision
    ['refused', entry({ dryRun: 'failed', decision: approve }), 'modified', 'refused'],
    // observe mode: never applied
    [
      'observed',
      entry({ action: 'skipped', decision: { ...auto, mode: 'observe' } }),
      'modified',
      'observed',
    ],
    // an object the repo dropped, prune off
    ['kept', entry({ action: 'skipped' }), 'orphaned', 'kept'],
    // an object the repo dropped, pruned after a passing dry-run
    ['pruned', entry({ action: 'deleted', dryRun: 'passed' }), 'orphaned', 'pruned'],
  ] as const)('%s', (_name, e, status, fate) => {
    expect(fateOf(e, { status })).toBe(fate);
  });
});

describe('approvalReason', () => {
  it.each([
    // the rule whose mode won, not every rule that matched
    [
      'the deciding rule',
      {
        mode: 'approve',
        reasons: [
          'rule careful (policies.yaml:7) matched: mode approve',
          'stricter than all (policies.yaml:4): auto',
        ],
        ruleRefs: ['all (policies.yaml:4)', 'careful (policies.yaml:7)'],
      },
      'rule careful',
    ],
    // an exception decides alone
    [
      'an exception',
      {
        mode: 'approve',
        reasons: ['rule slow (p.yaml:2) is an explicit exception: mode approve'],
        ruleRefs: [],
      },
      'rule slow',
    ],
    // no rule set a mode
    [
      'the default mode',
      { mode: 'approve', reasons: ['no rule sets a mode: default mode approve'], ruleRefs: [] },
      'default mode',
    ],
    // a hold names what holds, whatever the rules
    [
      'a window',
      { mode: 'approve', reasons: ['x'], ruleRefs: ['night (p.yaml:3)'], hold: 'window' },
      'window',
    ],
  ] as [string, Decision, string][])('%s', (_name, decision, reason) => {
    expect(approvalReason(decision)).toBe(reason);
  });
});

const cluster = (name: string, env: string) => ({ name, labels: { env } });
const object = (cluster: string, data: Record<string, string>): DesiredObject => ({
  cluster,
  ...ref,
  data,
  binaryData: {},
  labels: {},
  annotations: {},
  provenance: {},
});
const clusterState = (name: string, env: string, data: Record<string, string>): ClusterDesiredState => ({
  cluster: cluster(name, env),
  objects: [object(name, data)],
  erroredObjects: new Set(),
  complete: true,
  unreadable: [],
});
const state = (
  revision: string,
  clusters: ClusterDesiredState[],
  extra: Partial<FleetState> = {},
): FleetState => ({
  revision,
  clusters,
  errors: [],
  conflicts: [],
  policy: loadPolicy(new Map()).policy,
  ...extra,
});
const drift = (cluster: string, changes: Drift['changes']): Drift => ({
  cluster,
  ...ref,
  status: 'modified',
  changes,
  driftedBy: [],
});
const report = (name: string, d: Drift, e: ChangeSetEntry): ClusterReport => ({
  name,
  reachable: true,
  drifts: [d],
  changeSet: [{ ...e, cluster: name }],
});

/** A fleet of three: prod-eu waits for approval, the two staging clusters apply at once; prod-eu also drifted live. */
function fixture() {
  const envs = [
    ['prod-eu', 'prod'],
    ['staging-1', 'staging'],
    ['staging-2', 'staging'],
  ] as const;
  const base = state(
    'a'.repeat(40),
    envs.map(([n, e]) => clusterState(n, e, { color: 'blue', size: 'L' })),
  );
  const head = state(
    'b'.repeat(40),
    envs.map(([n, e]) => clusterState(n, e, { color: 'green', size: 'L' })),
    {
      errors: [{ file: 'base/broken.yaml', line: 3, message: 'not valid YAML', code: 'TRUEUP_REPO_YAML' }],
    },
  );
  const color = { path: 'data.color', type: 'changed' as const, desired: 'green', live: 'blue' };
  const clusters = [
    report(
      'prod-eu',
      drift('prod-eu', [color, { path: 'data.size', type: 'changed', desired: 'L', live: 'XL | <b>' }]),
      entry({
        action: 'skipped',
        dryRun: 'passed',
        decision: approve,
        pending: { action: 'configured', resourceVersion: '9' },
      }),
    ),
    report('staging-1', drift('staging-1', [color]), entry({ dryRun: 'passed' })),
    report('staging-2', drift('staging-2', [color]), entry({ dryRun: 'passed' })),
  ];
  return assemblePreview({
    base: { ref: 'main', state: base },
    head: { ref: 'feature/green', state: head },
    cycle: { revision: head.revision, clusters, errors: head.errors },
    now: new Date('2026-12-03T12:00:00Z'),
  });
}

describe('assemblePreview', () => {
  it('counts keys, objects and clusters, and names the rule that holds changes for approval', () => {
    const r = fixture();
    expect(r.summary).toBe(
      '1 key in 1 object on 3 clusters: 2 applied at once, 1 wait for approval (rule prod-secrets); also overwrites live drift on 1 object; 1 repo error(s) introduced',
    );
    expect(r.outcome).toBe('errors');
  });

  it('groups clusters with identical changes and fates, the largest group first', () => {
    expect(fixture().groups).toEqual([
      { clusters: ['staging-1', 'staging-2'], summary: '1 key in 1 object: 1 applied at once' },
      {
        clusters: ['prod-eu'],
        summary:
          '1 key in 1 object: 1 wait for approval (rule prod-secrets); also overwrites live drift on 1 object',
      },
    ]);
  });

  it('keeps apart the drift the head does not cause', () => {
    const prod = fixture().clusters[0];
    expect(prod?.drift).toEqual([
      {
        ...ref,
        status: 'modified',
        changes: [{ path: 'data.size', type: 'changed', desired: 'L', live: 'XL | <b>' }],
      },
    ]);
    expect(prod?.applies[0]?.cause).toBe('both');
  });

  it('blames on the head only the errors the base does not have', () => {
    const r = fixture();
    expect(r.errors).toHaveLength(1);
    expect(r.baseErrors).toEqual([]);
  });

  it('reports only the conflicts the head introduces, wherever their lines moved', () => {
    const conflict = (path: string, line: number): Conflict => ({
      cluster: 'c1',
      ...ref,
      path,
      winner: { target: 'overlays/prod', file: 'overlays/prod/app.yaml', line, value: 'b' },
      overridden: [{ target: 'base', file: 'base/app.yaml', line: 4, value: 'a' }],
    });
    const base = state('a'.repeat(40), [clusterState('c1', 'prod', { color: 'blue' })], {
      conflicts: [conflict('data.color', 5)],
    });
    const head = state('b'.repeat(40), [clusterState('c1', 'prod', { color: 'blue' })], {
      conflicts: [conflict('data.color', 7), conflict('data.size', 8)],
    });
    const r = assemblePreview({
      base: { ref: 'main', state: base },
      head: { ref: 'x', state: head },
      cycle: {
        revision: head.revision,
        clusters: [{ name: 'c1', reachable: true, drifts: [], changeSet: [] }],
        errors: [],
      },
      now: new Date(0),
    });
    expect(r.conflicts.map((c) => c.path)).toEqual(['data.size']);
    expect(r.outcome).toBe('no-change');
  });

  it('renders text with each group once', () => {
    const text = renderPreviewText(fixture());
    expect(text).toContain('staging-1, staging-2 (2): 1 key in 1 object: 1 applied at once');
    expect(text).toContain('~ data.color: "blue" -> "green"');
    expect(text).toContain('base/broken.yaml:3: not valid YAML [TRUEUP_REPO_YAML]');
  });

  it('renders a PR comment: summary first, a collapsible section per group, table cells escaped', () => {
    expect(renderPreviewMarkdown(fixture())).toMatchInlineSnapshot(`
      "### trueup preview: 1 key in 1 object on 3 clusters: 2 applied at once, 1 wait for approval (rule prod-secrets); also overwrites live drift on 1 object; 1 repo error(s) introduced

      Base \`main\` (\`aaaaaaaaaaaa\`) → head \`feature/green\` (\`bbbbbbbbbbbb\`).

      **Repo errors the head introduces**

      - \`base/broken.yaml:3: not valid YAML [TRUEUP_REPO_YAML]\`

      <details>
      <summary>staging-1, staging-2 (2 clusters): 1 key in 1 object: 1 applied at once</summary>

      | object | key | base | head |
      | --- | --- | --- | --- |
      | ConfigMap \`shop/app\` (modified) | \`data.color\` | \`"blue"\` | \`"green"\` |

      | object | apply | decision |
      | --- | --- | --- |
      | ConfigMap \`shop/app\` | configured, dry-run passed: applied at once | auto |

      </details>

      <details>
      <summary>prod-eu (1 cluster): 1 key in 1 object: 1 wait for approval (rule prod-secrets); also overwrites live drift on 1 object</summary>

      | object | key | base | head |
      | --- | --- | --- | --- |
      | ConfigMap \`shop/app\` (modified) | \`data.color\` | \`"blue"\` | \`"green"\` |

      | object | apply | decision |
      | --- | --- | --- |
      | ConfigMap \`shop/app\` | configured, dry-run passed: waits for approval (rule prod-secrets) | approve |

      Already differs live (the apply overwrites it too):

      - ConfigMap \`shop/app\`: \`data.size\` live \`"XL \\| <b>"\`

      </details>
      "
    `);
  });

  it('caps the comment and points to the JSON for the groups left out', () => {
    const md = renderPreviewMarkdown(fixture(), { maxChars: 1200, jsonHint: 'see `-o json`' });
    expect(md.length).toBeLessThanOrEqual(1200);
    expect(md).toMatch(
      /_\d more groups? of clusters not shown \(comment length cap\); for the full report, see `-o json`._\n$/,
    );
  });
});
