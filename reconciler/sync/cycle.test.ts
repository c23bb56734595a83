import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../policies/policy-file.ts';
import type { LiveObject } from '../core/model.ts';
import type { ClusterAccess } from '../kube/kube-cluster.ts';
import { buildDesiredState } from '../repo/desired-state.ts';
import { buildFleetState } from '../repo/fleet-state.ts';
import { defaultCycleOptions, reconcileFleet } from './cycle.ts';
import { evaluateCluster } from './evaluate.ts';
import { createdByAnnotation } from './plan.ts';
import { remediateDrift } from './remediate.ts';

const fleetYaml = `apiVersion: trueup.io/v1alpha1
kind: Fleet
clusters:
  - name: prod
    labels: {env: prod}
targets:
  - path: base
    namespace: shop
`;

const configMap = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  color: blue\n`;

/** applied is a live object trueup created and applied (its field manager, its annotation). */
const applied = (name: string): LiveObject => ({
  cluster: 'prod',
  kind: 'ConfigMap',
  namespace: 'shop',
  name,
  uid: `uid-${name}`,
  resourceVersion: '1',
  data: { color: 'blue' },
  binaryData: {},
  labels: {},
  annotations: { [createdByAnnotation]: 'trueup' },
  managedFields: [{ manager: 'trueup', operation: 'Apply' }],
});

async function evaluate(files: Record<string, string>, live: LiveObject[]) {
  const state = await buildDesiredState({
    revision: 'r1',
    files: new Map(Object.entries({ 'fleet.yaml': fleetYaml, ...files })),
  });
  const cluster = state.clusters[0];
  if (!cluster) throw new Error('no cluster');
  const context = {
    fieldManager: 'trueup',
    policy: loadPolicy(new Map()).policy,
    remediate: true,
    now: new Date('2026-01-01T00:00:00Z'),
  };
  return { cluster, evaluations: evaluateCluster(cluster, live, context) };
}

describe('objects a broken file declared', () => {
  it.each([
    // a YAML error after the object's name
    ['a YAML error', `${configMap('app')}  broken: [\n`, 'TRUEUP_REPO_YAML'],
    // an alias bomb
    [
      'an alias bomb',
      `${configMap('app')}  a: &a [x,x,x,x,x,x,x,x,x,x]\n  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n  c: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n`,
      'TRUEUP_REPO_YAML_BUDGET',
    ],
  ])('are unknown, held by the file error (%s), not orphaned', async (_, broken, code) => {
    const { evaluations } = await evaluate(
      { 'base/app.yaml': broken, 'base/other.yaml': configMap('other') },
      [applied('app'), applied('other')],
    );
    const app = evaluations.find((e) => e.drift.name === 'app');
    expect(app?.drift.status).toBe('unknown');
    expect(app?.drift.heldBy?.map((e) => [e.file, e.code])).toEqual([['base/app.yaml', code]]);
    expect(app?.decision.mode).toBe('observe');
    expect(app?.drift.decision?.reasons.join(' ')).toMatch(
      /^held by repo error base\/app\.yaml:\d+: .*not orphaned/,
    );
    // The rest of the revision is read and compared as usual.
    expect(evaluations.find((e) => e.drift.name === 'other')?.drift.status).toBe('in-sync');
  });

  it('are held by every error that leaves the desired state incomplete when no scan names them', async () => {
    // Every value of a default SOPS file is encrypted, names included: the scan cannot name it.
    const encrypted = 'kind: ENC[AES256_GCM,data:x]\nsops:\n  mac: x\n';
    const { evaluations } = await evaluate({ 'base/app.yaml': encrypted, 'base/b.yaml': configMap('b') }, [
      applied('app'),
    ]);
    const app = evaluations.find((e) => e.drift.name === 'app');
    expect(app?.drift.status).toBe('unknown');
    expect(app?.drift.heldBy?.map((e) => [e.file, e.code])).toEqual([['base/app.yaml', 'TRUEUP_REPO_SOPS']]);
  });

  it('are never pruned, even with --prune and an auto decision', async () => {
    const { cluster, evaluations } = await evaluate({ 'base/app.yaml': `${configMap('app')}  x: [\n` }, [
      applied('app'),
    ]);
    const app = evaluations.find((e) => e.drift.name === 'app');
    if (!app) throw new Error('no evaluation');
    const deletes: string[] = [];
    const access = {
      delete: async (ref: { name: string }) => {
        deletes.push(ref.name);
      },
    } as unknown as Parameters<typeof remediateDrift>[0]['cluster'];
    const entry = await remediateDrift({
      evaluation: { ...app, decision: { ...app.decision, mode: 'auto', prune: true } },
      desired: undefined,
      live: applied('app'),
      complete: cluster.complete,
      cluster: access,
      options: {
        fieldManager: 'trueup',
        remediate: true,
        dryRun: false,
        prune: true,
        replaceImmutable: false,
        recordEvents: false,
      },
    });
    expect(entry.action).toBe('skipped');
    expect(entry.reasons.join(' ')).toMatch(/held by repo error/);
    expect(deletes).toEqual([]);
  });

  it('are still orphaned when the repo is readable and no longer declares them', async () => {
    const { evaluations } = await evaluate({ 'base/other.yaml': configMap('other') }, [applied('app')]);
    expect(evaluations.find((e) => e.drift.name === 'app')?.drift).toMatchObject({ status: 'orphaned' });
  });
});

describe('reconcileFleet progress', () => {
  it('tells each cluster listed or unreachable, the changes planned and each outcome', async () => {
    const state = await buildFleetState({
      revision: 'r1',
      files: new Map([
        [
          'fleet.yaml',
          'apiVersion: trueup.io/v1alpha1\nkind: Fleet\nclusters: [{name: prod}, {name: edge}]\ntargets: [{path: base, namespace: shop}]\n',
        ],
        ['base/app.yaml', configMap('app')],
      ]),
    });
    const prod = {
      name: 'prod',
      listObjects: async () => [],
      apply: async () => {
        throw new Error('admission webhook refused');
      },
    } as unknown as ClusterAccess;
    const heard: string[] = [];
    await reconcileFleet(
      state,
      (cluster) => {
        if (cluster.name === 'edge') throw new Error('no context edge');
        return prod;
      },
      {
        ...defaultCycleOptions(),
        remediate: true,
        progress: {
          listed: (c, n) => heard.push(`${c} listed ${n}`),
          unreachable: (c, e) => heard.push(`${c} unreachable: ${e}`),
          planned: (c, n) => heard.push(`${c} planned ${n}`),
          remediated: (c, entry) => heard.push(`${c} ${entry.name} ${entry.error ? 'failed' : entry.action}`),
        },
      },
    );
    expect(heard.sort()).toEqual([
      'edge unreachable: no context edge',
      'prod app failed',
      'prod listed 0',
      'prod planned 1',
    ]);
  });
});

describe('evaluations the daemon keeps for every object', () => {
  it('share their empty lists when in sync, and a drifted one still lists its changes', async () => {
    const drifted = { ...applied('b'), data: { color: 'red' } };
    const { evaluations } = await evaluate(
      { 'base/a.yaml': configMap('a'), 'base/b.yaml': configMap('b'), 'base/c.yaml': configMap('c') },
      [applied('a'), drifted, applied('c')],
    );
    const [a, b, c] = ['a', 'b', 'c'].map((n) => evaluations.find((e) => e.drift.name === n));
    expect([a?.drift.status, b?.drift.status, c?.drift.status]).toEqual(['in-sync', 'modified', 'in-sync']);
    expect(a?.drift.changes).toBe(c?.drift.changes);
    expect(a?.decision.reasons).toEqual(['in sync']);
    expect(Object.isFrozen(a?.drift.changes)).toBe(true);
    expect(b?.drift.changes).toEqual([{ path: 'data.color', type: 'changed', desired: 'blue', live: 'red' }]);
  });
});
