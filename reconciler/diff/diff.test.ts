import { describe, expect, it } from 'vitest';
import type { DesiredObject, LiveObject, ManagedFieldsEntry } from '../core/model.ts';
import { digestOf, SecretValue } from '../core/secret-value.ts';
import { diffObject } from './diff.ts';

const ref = { cluster: 'c1', kind: 'ConfigMap' as const, namespace: 'ns', name: 'app' };
const options = { fieldManager: 'trueup' };

function desired(over: Partial<DesiredObject> = {}): DesiredObject {
  return {
    ...ref,
    data: { color: 'blue', size: 'L' },
    binaryData: {},
    labels: { team: 'web' },
    annotations: {},
    provenance: { 'data.color': { file: 'base/app.yaml', line: 7 } },
    ...over,
  };
}

function live(over: Partial<LiveObject> = {}): LiveObject {
  return {
    ...ref,
    uid: 'u1',
    resourceVersion: '10',
    data: { size: 'L', color: 'blue' },
    binaryData: {},
    labels: { team: 'web', 'pod-template-hash': 'x' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    managedFields: [],
    ...over,
  };
}

const edit = (fields: Record<string, unknown>, time = '2026-11-23T03:00:00Z'): ManagedFieldsEntry => ({
  manager: 'kubectl-edit',
  operation: 'Update',
  time,
  fieldsV1: fields,
});

describe('diffObject', () => {
  it.each([
    // same keys in another order, undeclared labels and annotations, last-applied: in sync
    ['in sync despite key order and foreign metadata', desired(), live(), 'in-sync', []],
    // a value changed out of band
    [
      'a changed value',
      desired(),
      live({ data: { color: 'red', size: 'L' } }),
      'modified',
      [{ path: 'data.color', type: 'changed', desired: 'blue', live: 'red' }],
    ],
    // a key added out of band is drift
    [
      'an added key',
      desired(),
      live({ data: { color: 'blue', size: 'L', extra: '1' } }),
      'modified',
      [{ path: 'data.extra', type: 'added', live: '1' }],
    ],
    // a key removed out of band
    [
      'a removed key',
      desired(),
      live({ data: { color: 'blue' } }),
      'modified',
      [{ path: 'data.size', type: 'removed', desired: 'L' }],
    ],
    // a declared label changed; undeclared ones are not drift
    [
      'a declared label',
      desired(),
      live({ labels: { team: 'ops' } }),
      'modified',
      [{ path: 'metadata.labels.team', type: 'changed', desired: 'web', live: 'ops' }],
    ],
    // immutable declared in the repo but not live
    [
      'immutable',
      desired({ immutable: true }),
      live(),
      'modified',
      [{ path: 'immutable', type: 'changed', desired: 'true', live: 'false' }],
    ],
    // binaryData keys count like data keys
    [
      'binaryData',
      desired({ binaryData: { b: 'AAE=' } }),
      live({ binaryData: { b: 'AAI=' } }),
      'modified',
      [{ path: 'binaryData.b', type: 'changed', desired: 'AAE=', live: 'AAI=' }],
    ],
  ])('%s', (_name, want, have, status, changes) => {
    const drift = diffObject(ref, want, have, options);
    expect(drift.status).toBe(status);
    expect(drift.changes).toEqual(changes);
  });

  it('reports a missing object with its provenance, and an orphaned one', () => {
    expect(diffObject(ref, desired(), undefined, options)).toMatchObject({
      status: 'missing',
      provenance: { 'data.color': { file: 'base/app.yaml' } },
    });
    expect(diffObject(ref, undefined, live(), options)).toMatchObject({ status: 'orphaned', changes: [] });
  });

  it('compares Secrets by digest and shows only short hashes', () => {
    const secretRef = { ...ref, kind: 'Secret' as const };
    const want = desired({
      ...secretRef,
      type: 'Opaque',
      data: { password: SecretValue.fromString('canary-desired-value') },
    });
    const have = live({
      ...secretRef,
      type: 'Opaque',
      data: { password: digestOf(Buffer.from('canary-live-value')) },
    });
    const drift = diffObject(secretRef, want, have, options);
    expect(drift.changes).toEqual([
      {
        path: 'data.password',
        type: 'changed',
        desired: expect.stringMatching(/^hmac-sha256:[0-9a-f]{12}$/),
        live: expect.stringMatching(/^hmac-sha256:[0-9a-f]{12}$/),
      },
    ]);
    expect(JSON.stringify(drift)).not.toMatch(/canary/);
    const same = live({ ...secretRef, data: { password: digestOf(Buffer.from('canary-desired-value')) } });
    expect(diffObject(secretRef, want, same, options).status).toBe('in-sync');
  });

  it('shows values SOPS decrypted (ConfigMap data, labels, annotations) as digests on both sides, and compares their text', () => {
    const want = desired({
      data: { dsn: SecretValue.fromString('postgres://app:sops-canary@db'), size: 'L' },
      labels: { team: 'sops-label-canary' },
      annotations: { note: 'sops-annotation-canary' },
      secretPaths: ['metadata.annotations.note', 'metadata.labels.team'],
    });
    const drifted = live({
      data: { dsn: 'postgres://app:live-canary@db', size: 'L' },
      labels: { team: 'live-label-canary' },
      annotations: { note: 'live-annotation-canary' },
    });
    const drift = diffObject(ref, want, drifted, options);
    expect(drift.changes).toEqual([
      {
        path: 'data.dsn',
        type: 'changed',
        desired: digestOf('postgres://app:sops-canary@db'),
        live: digestOf('postgres://app:live-canary@db'),
      },
      {
        path: 'metadata.labels.team',
        type: 'changed',
        desired: digestOf('sops-label-canary'),
        live: digestOf('live-label-canary'),
      },
      {
        path: 'metadata.annotations.note',
        type: 'changed',
        desired: digestOf('sops-annotation-canary'),
        live: digestOf('live-annotation-canary'),
      },
    ]);
    expect(JSON.stringify(drift)).not.toMatch(/canary/);
    const same = live({
      data: { dsn: 'postgres://app:sops-canary@db', size: 'L' },
      labels: { team: 'sops-label-canary' },
      annotations: { note: 'sops-annotation-canary' },
    });
    expect(diffObject(ref, want, same, options).status).toBe('in-sync');
  });

  it('attributes drifted fields to the manager that wrote them, with operation and time', () => {
    const have = live({
      data: { color: 'red', size: 'L', extra: '1' },
      managedFields: [
        { manager: 'trueup', operation: 'Apply', fieldsV1: { 'f:data': { 'f:size': {} } } },
        edit({ 'f:data': { 'f:color': {}, 'f:extra': {} } }),
        {
          manager: 'helm',
          operation: 'Update',
          time: '2026-11-22T00:00:00Z',
          fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } },
        },
      ],
    });
    expect(diffObject(ref, desired(), have, options).driftedBy).toEqual([
      {
        manager: 'kubectl-edit',
        operation: 'Update',
        time: '2026-11-23T03:00:00Z',
        paths: ['data.color', 'data.extra'],
      },
    ]);
  });

  it('attributes a removed key to the latest other writer of the data map', () => {
    const have = live({
      data: { color: 'blue' },
      managedFields: [
        edit({ 'f:data': { 'f:other': {} } }, '2026-11-23T01:00:00Z'),
        {
          manager: 'kubectl-patch',
          operation: 'Update',
          time: '2026-11-23T02:00:00Z',
          fieldsV1: { 'f:data': {} },
        },
      ],
    });
    expect(diffObject(ref, desired(), have, options).driftedBy).toEqual([
      { manager: 'kubectl-patch', operation: 'Update', time: '2026-11-23T02:00:00Z', paths: ['data.size'] },
    ]);
  });
});
