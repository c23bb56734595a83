import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../core/decision.ts';
import type { RepoSnapshot } from '../git/git-source.ts';
import { buildFleetState, type FleetState } from '../repo/fleet-state.ts';
import { openAuditStore } from '../store/store.ts';
import { type ChangeSetEntry, defaultCycleOptions } from '../sync/cycle.ts';
import { Daemon, heldReason } from './daemon.ts';
import { createMetrics } from './metrics.ts';

const entry = (decision: Decision, reasons = decision.reasons): ChangeSetEntry => ({
  cluster: 'c',
  kind: 'ConfigMap',
  namespace: 'n',
  name: 'o',
  action: 'skipped',
  reasons,
  decision,
});

describe('heldReason', () => {
  it.each([
    // a hold names itself, whatever the reason text says
    [entry({ mode: 'approve', reasons: ['x'], ruleRefs: [], hold: 'limit' }), 'limit'],
    [entry({ mode: 'approve', reasons: ['x'], ruleRefs: [], hold: 'window' }), 'window'],
    [entry({ mode: 'approve', reasons: ['x'], ruleRefs: [], hold: 'policy-errors' }), 'policy-errors'],
    [entry({ mode: 'approve', reasons: ['x'], ruleRefs: [], hold: 'wave' }), 'wave'],
    // a rule's own mode
    [entry({ mode: 'observe', reasons: ['rule r matched: mode observe'], ruleRefs: [] }), 'observe'],
    // auto, held back by the plan
    [
      entry({ mode: 'auto', reasons: [], ruleRefs: [] }, [
        'the live object is immutable; replacing it needs --replace-immutable',
      ]),
      'immutable',
    ],
    [
      entry({ mode: 'auto', reasons: [], ruleRefs: [] }, [
        'not in the repo any more; prune is off (--prune)',
      ]),
      'prune',
    ],
  ])('%#: %s', (e, reason) => expect(heldReason(e)).toBe(reason));
});

describe('Daemon revisions', () => {
  const fleetYaml =
    'apiVersion: trueup.io/v1alpha1\nkind: Fleet\nclusters: [{name: c1}]\ntargets: [{path: base, namespace: shop}]\n';

  /** daemonOn makes a daemon over a source that always offers `snapshot` and no cluster to watch. */
  function daemonOn(snapshot: RepoSnapshot, buildState: (s: RepoSnapshot) => Promise<FleetState>) {
    const metrics = createMetrics();
    const daemon = new Daemon({
      source: { sync: async () => ({ snapshot, changed: true }), blame: async () => new Map() },
      // No cluster is watched: the test is about the revision, not the clusters.
      buildState: async (s) => ({ ...(await buildState(s)), fleet: undefined, clusters: [] }),
      access: () => {
        throw new Error('no cluster in this test');
      },
      store: openAuditStore(':memory:'),
      metrics,
      log: pino({ level: 'silent' }),
      options: defaultCycleOptions(),
    });
    return { daemon, metrics };
  }

  it('does not consume a revision whose build failed: it shows the error and builds it again on the next refresh', async () => {
    const snapshot = {
      revision: 'b'.repeat(40),
      files: new Map([
        ['fleet.yaml', fleetYaml],
        ['base/app.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\n'],
      ]),
    };
    let fail = true;
    const { daemon, metrics } = daemonOn(snapshot, async (s) => {
      if (fail) throw new Error('out of memory');
      return buildFleetState(s);
    });
    await daemon.start(); // a broken HEAD does not stop serve from starting
    const failed = daemon.status();
    expect(failed.revision).toBeUndefined();
    expect(failed.ready).toBe(false);
    expect(failed.errors).toEqual([
      expect.objectContaining({
        code: 'TRUEUP_REPO_BUILD',
        message: expect.stringMatching(/^revision bbbbbbbbbbbb could not be read \(out of memory\)/),
      }),
    ]);
    expect(
      (await metrics.registry.getSingleMetric('trueup_repo_build_failures_total')?.get())?.values[0]?.value,
    ).toBe(1);

    fail = false;
    await daemon.refresh();
    expect(daemon.status().revision).toBe(snapshot.revision);
    expect(daemon.status().errors).toEqual([]);
  });

  it('keeps the last good revision, and its clusters, when a new revision breaks fleet.yaml, naming the file and line', async () => {
    const good = {
      revision: 'd'.repeat(40),
      files: new Map([
        ['fleet.yaml', fleetYaml],
        ['base/app.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\n'],
      ]),
    };
    const broken = {
      revision: 'e'.repeat(40),
      files: new Map([
        ['fleet.yaml', 'apiVersion: trueup.io/v1alpha1\nkind: Fleet\nclusters: [{nme: c1}]\n'],
      ]),
    };
    let snapshot: RepoSnapshot = good;
    const daemon = new Daemon({
      source: { sync: async () => ({ snapshot, changed: true }), blame: async () => new Map() },
      // The fleet is kept (it names c1) but no cluster is watched: the test is about the revision.
      buildState: async (s) => ({ ...(await buildFleetState(s)), clusters: [] }),
      access: () => {
        throw new Error('no cluster in this test');
      },
      store: openAuditStore(':memory:'),
      metrics: createMetrics(),
      log: pino({ level: 'silent' }),
      options: defaultCycleOptions(),
    });
    await daemon.start();
    expect(daemon.status().revision).toBe(good.revision);

    snapshot = broken;
    await daemon.refresh();
    const status = daemon.status();
    expect(status.revision).toBe(good.revision);
    expect(status.errors).toEqual([
      expect.objectContaining({
        code: 'TRUEUP_REPO_BUILD',
        file: 'fleet.yaml',
        line: 3,
        message: expect.stringMatching(
          /^revision eeeeeeeeeeee could not be read \(fleet\.yaml:3: .*still on dddddddddddd/,
        ),
      }),
    ]);

    snapshot = good;
    await daemon.refresh();
    expect(daemon.status().errors).toEqual([]);
  });

  it('uses a revision with an alias bomb in one file and reports the file in status and metrics', async () => {
    const bomb =
      'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n';
    const files = new Map([
      ['fleet.yaml', fleetYaml],
      ['base/app.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {color: blue}\n'],
      ['base/bomb.yaml', bomb],
    ]);
    const { daemon, metrics } = daemonOn({ revision: 'c'.repeat(40), files }, buildFleetState);
    await daemon.start();
    const status = daemon.status();
    expect(status.revision).toBe('c'.repeat(40));
    expect(status.errors.map((e) => [e.file, e.line, e.code])).toEqual([
      ['base/bomb.yaml', 1, 'TRUEUP_REPO_YAML_BUDGET'],
    ]);
    const gauge = await metrics.registry.getSingleMetric('trueup_repo_errors')?.get();
    expect(gauge?.values).toEqual([{ labels: { code: 'TRUEUP_REPO_YAML_BUDGET' }, value: 1 }]);
  });
});
