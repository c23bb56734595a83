import { describe, expect, it } from 'vitest';
import type { Decision } from '../core/decision.ts';
import type { DesiredObject, Drift, LiveObject } from '../core/model.ts';
import { SecretValue } from '../core/secret-value.ts';
import {
  createdByAnnotation,
  defaultPlanOptions,
  installationAnnotation,
  isOwnObject,
  jsonPointer,
  planRemediation,
  withoutIgnoredPaths,
} from './plan.ts';

const ref = { cluster: 'c1', kind: 'ConfigMap' as const, namespace: 'ns', name: 'app' };
const auto: Decision = { mode: 'auto', reasons: ['remediation is on (--remediate)'], ruleRefs: [] };
const desired: DesiredObject = {
  ...ref,
  data: { color: 'blue' },
  binaryData: {},
  labels: {},
  annotations: {},
  provenance: {},
};
const live: LiveObject = {
  ...ref,
  uid: 'u',
  resourceVersion: '7',
  data: { color: 'red', extra: 'x' },
  binaryData: {},
  labels: {},
  annotations: {},
  managedFields: [],
};
const drift = (status: Drift['status'], changes: Drift['changes'] = []): Drift => ({
  ...ref,
  status,
  changes,
  driftedBy: [],
});
const modified = drift('modified', [
  { path: 'data.color', type: 'changed', desired: 'blue', live: 'red' },
  { path: 'data.extra', type: 'added', live: 'x' },
]);

describe('planRemediation', () => {
  it('configures a modified object: removes extra keys guarded by resourceVersion, then applies', () => {
    const plan = planRemediation(modified, desired, live, auto, defaultPlanOptions());
    expect(plan).toMatchObject({
      action: 'configured',
      removeKeys: { paths: ['data.extra'], resourceVersion: '7' },
    });
    expect(plan.apply).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app', namespace: 'ns' },
      data: { color: 'blue' },
    });
  });

  it('creates a missing object and marks it as created by trueup', () => {
    const plan = planRemediation(drift('missing'), desired, undefined, auto, defaultPlanOptions());
    expect(plan.action).toBe('created');
    expect(plan.apply?.metadata.annotations).toEqual({ [createdByAnnotation]: 'trueup' });
  });

  it.each([
    // a decision other than auto holds the change, with its reasons
    [
      'observe',
      modified,
      desired,
      live,
      { mode: 'observe', reasons: ['remediation is off'], ruleRefs: [] },
      {},
      'skipped',
      ['remediation is off'],
    ],
    // immutable objects are only reported by default
    [
      'immutable',
      modified,
      desired,
      { ...live, immutable: true },
      auto,
      {},
      'skipped',
      [expect.stringContaining('--replace-immutable')],
    ],
    // prune is opt-in
    [
      'orphan, prune off',
      drift('orphaned'),
      undefined,
      live,
      auto,
      {},
      'skipped',
      [expect.stringContaining('prune is off')],
    ],
    // only objects trueup created are pruned
    [
      'orphan not created by trueup',
      drift('orphaned'),
      undefined,
      live,
      auto,
      { prune: true },
      'skipped',
      [expect.stringContaining('did not create it')],
    ],
    // never prune while the repo has errors
    [
      'orphan, repo errors',
      drift('orphaned'),
      undefined,
      { ...live, annotations: { [createdByAnnotation]: 'trueup' } },
      auto,
      { prune: true, complete: false },
      'skipped',
      ['not pruned while the repo has errors'],
    ],
    // in sync: nothing to do
    ['in sync', drift('in-sync'), desired, live, auto, {}, 'unchanged', ['in sync']],
  ] as const)('holds back: %s', (_name, d, want, have, decision, opts, action, reasons) => {
    const plan = planRemediation(d, want, have, decision as Decision, { ...defaultPlanOptions(), ...opts });
    expect(plan.action).toBe(action);
    expect(plan.reasons).toEqual(reasons);
    expect(plan.apply).toBeUndefined();
    expect(plan.delete).toBeUndefined();
  });

  it('prunes an orphan trueup created when --prune is given', () => {
    const orphan = { ...live, annotations: { [createdByAnnotation]: 'trueup' } };
    const plan = planRemediation(drift('orphaned'), undefined, orphan, auto, {
      ...defaultPlanOptions(),
      prune: true,
    });
    expect(plan).toMatchObject({ action: 'deleted', delete: { uid: 'u', resourceVersion: '7' } });
  });

  it('replaces an immutable object only with --replace-immutable, keeping the created-by mark', () => {
    const have = { ...live, immutable: true, annotations: { [createdByAnnotation]: 'trueup' } };
    const plan = planRemediation(modified, desired, have, auto, {
      ...defaultPlanOptions(),
      replaceImmutable: true,
    });
    expect(plan).toMatchObject({
      action: 'replaced',
      delete: { uid: 'u' },
      apply: { metadata: { annotations: { [createdByAnnotation]: 'trueup' } } },
    });
  });

  it('renders Secret values as base64 data and the type', () => {
    const secret: DesiredObject = {
      ...desired,
      kind: 'Secret',
      type: 'Opaque',
      data: { k: SecretValue.fromString('v') },
    };
    const plan = planRemediation(drift('missing'), secret, undefined, auto, defaultPlanOptions());
    expect(plan.apply).toMatchObject({ kind: 'Secret', type: 'Opaque', data: { k: 'dg==' } });
  });
});

describe('a ConfigMap value SOPS decrypted', () => {
  it('is applied as its text, not as base64', () => {
    const sealed: DesiredObject = { ...desired, data: { dsn: SecretValue.fromString('postgres://x') } };
    const plan = planRemediation(drift('missing'), sealed, undefined, auto, defaultPlanOptions());
    expect(plan.apply).toMatchObject({ kind: 'ConfigMap', data: { dsn: 'postgres://x' } });
  });
});

describe('jsonPointer', () => {
  it.each([
    ['data.color', '/data/color'],
    ['data.ca.crt', '/data/ca.crt'],
    ['binaryData.a/b~c', '/binaryData/a~1b~0c'],
  ])('%s -> %s', (path, pointer) => expect(jsonPointer(path)).toBe(pointer));
});

describe('installation ids', () => {
  const mine = { [createdByAnnotation]: 'trueup', [installationAnnotation]: 'team-a' };
  it.each([
    // marked by this installation: its own orphan, pruned
    ['its own mark', mine, 'deleted', []],
    // another installation on the same cluster applied it: never pruned
    [
      "another installation's mark",
      { ...mine, [installationAnnotation]: 'team-b' },
      'skipped',
      ['not in the repo any more, but another trueup installation (team-b) applied it'],
    ],
    // applied before installation ids existed: never pruned
    [
      'no mark',
      { [createdByAnnotation]: 'trueup' },
      'skipped',
      [
        `not in the repo any more, but it carries no installation id (${installationAnnotation}): never pruned`,
      ],
    ],
  ] as const)('prunes an orphan with %s only when it is its own', (_name, annotations, action, reasons) => {
    const plan = planRemediation(
      drift('orphaned'),
      undefined,
      { ...live, annotations: { ...annotations } },
      auto,
      { ...defaultPlanOptions(), prune: true, installation: 'team-a' },
    );
    expect(plan.action).toBe(action);
    if (reasons.length) expect(plan.reasons).toEqual(reasons);
  });

  it('marks every apply with the installation id (created or configured)', () => {
    const options = { ...defaultPlanOptions(), installation: 'team-a' };
    const created = planRemediation(drift('missing'), desired, undefined, auto, options);
    const configured = planRemediation(modified, desired, live, auto, options);
    for (const plan of [created, configured])
      expect(plan.apply?.metadata.annotations?.[installationAnnotation]).toBe('team-a');
  });

  const applied = [{ manager: 'trueup', operation: 'Apply' }];
  it.each([
    // with an id: the mark alone decides
    [{ [installationAnnotation]: 'team-a' }, [], 'team-a', true],
    [{ [installationAnnotation]: 'team-b' }, applied, 'team-a', false],
    // unmarked, even if this field manager applied it (another installation, or before ids)
    [{}, applied, 'team-a', false],
    // without an id (library callers): this field manager's apply, unless another installation marked it
    [{}, applied, undefined, true],
    [{ [installationAnnotation]: 'team-b' }, applied, undefined, false],
  ])('isOwnObject(%o, %o, %s) is %s', (annotations, managedFields, installation, own) => {
    expect(isOwnObject({ annotations, managedFields }, 'trueup', installation)).toBe(own);
  });
});

describe('withoutIgnoredPaths', () => {
  const want = (data: Record<string, string>, labels: Record<string, string> = {}): DesiredObject => ({
    ...desired,
    data,
    labels,
  });
  const have = (data: Record<string, string>, labels: Record<string, string> = {}): LiveObject => ({
    ...live,
    data,
    labels,
  });
  it.each([
    {
      case: 'an ignored key whose repo value changed is applied with its live value, so the apply cannot delete it',
      desired: want({ color: 'blue', tuning: 'new' }),
      live: have({ color: 'red', tuning: 'old' }),
      paths: ['data.tuning'],
      data: { color: 'blue', tuning: 'old' },
    },
    {
      case: 'an ignored key that is not live is left out',
      desired: want({ color: 'blue', tuning: 'new' }),
      live: have({ color: 'red' }),
      paths: ['data.tuning'],
      data: { color: 'blue' },
    },
    {
      case: 'an ignored key already equal to the repo is applied as it is',
      desired: want({ tuning: 'same' }),
      live: have({ tuning: 'same' }),
      paths: ['data.*'],
      data: { tuning: 'same' },
    },
    {
      case: 'a key not ignored is applied as the repo has it',
      desired: want({ color: 'blue' }),
      live: have({ color: 'red' }),
      paths: ['data.other'],
      data: { color: 'blue' },
    },
  ])('$case', ({ desired: d, live: l, paths, data }) => {
    expect(withoutIgnoredPaths(d, l, paths).data).toEqual(data);
  });

  it('keeps an ignored label at its live value', () => {
    const out = withoutIgnoredPaths(
      want({}, { team: 'a', tier: 'gold' }),
      have({}, { team: 'b', tier: 'silver' }),
      ['metadata.labels.tier'],
    );
    expect(out.labels).toEqual({ team: 'a', tier: 'silver' });
  });

  it('leaves out an ignored Secret key whose live digest differs (trueup never holds the live value)', () => {
    const secret: DesiredObject = {
      ...desired,
      kind: 'Secret',
      data: { password: SecretValue.fromString('new-canary-value'), user: SecretValue.fromString('app') },
    };
    const out = withoutIgnoredPaths(
      secret,
      {
        ...live,
        kind: 'Secret',
        data: { password: 'hmac-sha256:000000000000', user: 'hmac-sha256:000000000000' },
      },
      ['data.password'],
    );
    expect(Object.keys(out.data)).toEqual(['user']);
  });
});

describe('planRemediation of a Secret with ignored keys', () => {
  const secretRef = { ...ref, kind: 'Secret' as const };
  const desiredSecret: DesiredObject = {
    ...desired,
    ...secretRef,
    data: {
      password: SecretValue.fromString('repo-canary-password'),
      user: SecretValue.fromString('app'),
    },
  };
  const liveSecret: LiveObject = {
    ...live,
    ...secretRef,
    data: {
      password: SecretValue.fromString('live-password').digest,
      user: SecretValue.fromString('old-user').digest,
    },
  };
  const secretDrift: Drift = {
    ...secretRef,
    status: 'modified',
    changes: [{ path: 'data.user', type: 'changed' }],
    driftedBy: [],
  };
  const plan = (ignorePaths: string[], liveObject = liveSecret) =>
    planRemediation(secretDrift, desiredSecret, liveObject, auto, { ...defaultPlanOptions(), ignorePaths });

  it('lists an ignored key whose live value differs in keepLive, so the apply sends its live value instead of deleting it', () => {
    const p = plan(['data.password']);
    expect(p.keepLive).toEqual(['password']);
    expect(Object.keys(p.apply?.data ?? {})).toEqual(['user']);
  });

  it('keeps nothing live when no key is ignored, or the ignored key is not live', () => {
    expect(plan([]).keepLive).toBeUndefined();
    expect(
      plan(['data.password'], { ...liveSecret, data: { user: liveSecret.data.user ?? '' } }).keepLive,
    ).toBeUndefined();
  });
});
