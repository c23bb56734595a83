import { describe, expect, it } from 'vitest';
import type { DesiredObject, LiveObject } from '../reconciler/core/model.ts';
import { buildFleetState, type FleetState } from '../reconciler/repo/fleet-state.ts';
import type { ChangeSetEntry } from '../reconciler/sync/cycle.ts';
import type { ObjectReader } from '../reconciler/sync/object-reader.ts';
import { type FixValidationDeps, validateFix } from './fix-validation.ts';
import { buildRevertPatch } from './revert-patch.ts';

const cm = (host: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\ndata:\n  DB_HOST: ${host}\n`;
const files = new Map([
  [
    'fleet.yaml',
    'apiVersion: trueup.io/v1alpha1\nkind: Fleet\nclusters:\n  - name: prod\ntargets:\n  - path: base\n    namespace: pay\n',
  ],
  ['base/api.yaml', cm('db.broken')],
]);
const live = {
  cluster: 'prod',
  kind: 'ConfigMap',
  namespace: 'pay',
  name: 'api-config',
  uid: 'u1',
  resourceVersion: '7',
  data: { DB_HOST: 'db.broken' },
  binaryData: {},
  labels: {},
  annotations: {},
  managedFields: [],
} as unknown as LiveObject;

/** depsOver validates against the repo at files, recording what the dry-run was asked to apply. */
async function depsOver(dryRuns: DesiredObject[], passes = true): Promise<FixValidationDeps> {
  const state: FleetState = await buildFleetState({ revision: 'a'.repeat(40), files });
  const objects = {
    state: () => state,
    object: async (ref) => ({ ref, live }),
  } as Pick<ObjectReader, 'state' | 'object'> as ObjectReader;
  return {
    objects,
    dryRun: () => async (evaluation, desired) => {
      if (desired) dryRuns.push(desired);
      return {
        ...evaluation.drift,
        action: 'configured',
        reasons: [],
        decision: { mode: 'auto', reasons: [], ruleRefs: [] },
        ...(passes
          ? { dryRun: 'passed' }
          : { dryRun: 'failed', error: 'admission webhook "deny" denied it' }),
      } as unknown as ChangeSetEntry;
    },
    approvals: {
      propose: async () => {
        throw new Error('a repo change never queues an approval');
      },
    },
    options: { fieldManager: 'trueup', remediate: true },
    repo: {
      content: async (revision) => ({ revision, files }),
      render: (content) => buildFleetState(content),
    },
  };
}

const revert = (() => {
  const built = buildRevertPatch({
    file: 'base/api.yaml',
    current: cm('db.broken'),
    before: cm('db.internal'),
    object: { kind: 'ConfigMap', name: 'api-config', namespace: 'pay' },
    paths: ['data.DB_HOST'],
  });
  if (!built.ok) throw new Error(built.reason);
  return built.patch;
})();
const fix = (patch: string, file = 'base/api.yaml') => ({
  type: 'repo-change' as const,
  file,
  patch,
  description: '',
});

describe('validateFix of a repo change', () => {
  it('renders the repo with the patch and dry-runs the object it changes, with the patched value', async () => {
    const dryRuns: DesiredObject[] = [];
    const validation = await validateFix(fix(revert), await depsOver(dryRuns));
    expect(validation.status).toBe('validated');
    expect(validation.reasons[1]).toBe(
      'prod/pay/ConfigMap/api-config: server dry-run of configured passed (policy auto)',
    );
    expect(dryRuns.map((d) => d.data)).toEqual([{ DB_HOST: 'db.internal' }]);
    expect(validation.approval).toBeUndefined();
  });

  it.each([
    // the patch was made for another version of the file
    [
      fix(revert.replace('-  DB_HOST: db.broken', '-  DB_HOST: db.other')),
      'the patch does not apply to base/api.yaml at aaaaaaaaaaaa',
    ],
    // a file the repo does not have
    [fix(revert, 'base/nope.yaml'), 'base/nope.yaml is not in the fleet repo at aaaaaaaaaaaa'],
    // the patched file is no longer a valid manifest: the render says where
    [
      fix(revert.replace('+  DB_HOST: db.internal', '+  DB_HOST: [db.internal]')),
      'with the patch, base/api.yaml:6: ConfigMap data.DB_HOST: expected a string (quote numbers and booleans)',
    ],
  ])('refuses a patch that does not render (%#)', async (proposed, reason) => {
    const validation = await validateFix(proposed, await depsOver([]));
    expect(validation.status).toBe('not-validated');
    expect(validation.reasons.join(' | ')).toContain(reason);
  });

  it('is not validated when the server refuses the dry-run, and says why', async () => {
    const validation = await validateFix(fix(revert), await depsOver([], false));
    expect(validation.status).toBe('not-validated');
    expect(validation.reasons.at(-1)).toBe(
      'prod/pay/ConfigMap/api-config: admission webhook "deny" denied it',
    );
  });

  it('keeps a YAML proposal (not a diff) as a proposal it checks for syntax only', async () => {
    const validation = await validateFix(fix(cm('db.internal')), await depsOver([]));
    expect(validation.status).toBe('not-applicable');
  });
});
