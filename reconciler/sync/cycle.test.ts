import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../policies/policy-file.ts';
import type { LiveObject } from '../core/model.ts';
import { buildDesiredState } from '../repo/desired-state.ts';
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
