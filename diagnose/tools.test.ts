import { describe, expect, it } from 'vitest';
import type { LiveObject, ObjectRef } from '../reconciler/core/model.ts';
import type { FleetState } from '../reconciler/repo/fleet-state.ts';
import { openAuditStore } from '../reconciler/store/store.ts';
import { cycleObjectReader } from '../reconciler/sync/object-reader.ts';
import type { EvidenceSources } from './evidence.ts';
import type { EvidenceBundle } from './model.ts';
import { agentTools, readableConfigs } from './tools.ts';

const declared = (kind: 'ConfigMap' | 'Secret', namespace: string, name: string) =>
  ({ kind, namespace, name, data: {}, provenance: {} }) as unknown;

/** state declares payments/ConfigMap/api on prod and staging, and has payments/Secret/db in error on prod. */
const state = {
  revision: 'r1',
  fleet: { clusters: [{ name: 'prod' }, { name: 'staging' }] },
  clusters: [
    {
      cluster: { name: 'prod' },
      objects: [declared('ConfigMap', 'payments', 'api')],
      erroredObjects: new Set(['Secret/payments/db']),
      complete: false,
    },
    {
      cluster: { name: 'staging' },
      objects: [declared('ConfigMap', 'payments', 'api')],
      erroredObjects: new Set(),
    },
  ],
  errors: [],
  conflicts: [],
  policy: {},
} as unknown as FleetState;

/** evidence: the alert's Deployment on prod uses payments/Secret/api-creds (undeclared). */
const evidence = {
  workloads: [
    {
      subject: { cluster: 'prod', kind: 'Deployment', namespace: 'payments', name: 'api' },
      found: true,
      pods: [],
      events: [],
      references: [
        {
          kind: 'Secret',
          namespace: 'payments',
          name: 'api-creds',
          keys: [],
          via: ['env'],
          containers: [],
          optional: false,
        },
      ],
    },
  ],
} as unknown as Pick<EvidenceBundle, 'workloads'>;

describe('readableConfigs', () => {
  const readable = readableConfigs(state, evidence);
  it.each([
    // declared by the repo for that cluster
    ['prod/payments/ConfigMap/api', true],
    ['staging/payments/ConfigMap/api', true],
    // declared, but its file has an error: still the repo's object
    ['prod/payments/Secret/db', true],
    // used by the alert's workload
    ['prod/payments/Secret/api-creds', true],
    // the same name on a cluster where nothing uses or declares it
    ['staging/payments/Secret/api-creds', false],
    // the cluster at large
    ['prod/kube-system/Secret/bootstrap-token-abcdef', false],
    ['prod/kube-system/ConfigMap/extension-apiserver-authentication', false],
    ['prod/payments/Secret/other-team', false],
  ])('%s: %s', (target, expected) => {
    expect(readable.has(target)).toBe(expected);
  });
});

describe('get_config', () => {
  function tool(reads: ObjectRef[]) {
    const live: LiveObject = {
      kind: 'ConfigMap',
      namespace: 'x',
      name: 'x',
      resourceVersion: '1',
      data: { k: 'v' },
      binaryData: {},
      labels: {},
      annotations: {},
      managedFields: [],
    } as unknown as LiveObject;
    const sources: EvidenceSources = {
      objects: cycleObjectReader({
        state: () => state,
        live: () => async (ref: ObjectRef) => {
          reads.push(ref);
          return live;
        },
        store: openAuditStore(':memory:'),
        blame: async () => new Map(),
        context: { fieldManager: 'trueup', remediate: false },
      }),
      reader: () => undefined,
      git: { log: async () => [] },
    };
    const found = agentTools(sources, evidence).find((t) => t.name === 'get_config');
    if (!found) throw new Error('no get_config');
    return found;
  }
  const signal = new AbortController().signal;

  it('refuses a kube-system Secret with a readable result, listing what it may read, and reads nothing', async () => {
    const reads: ObjectRef[] = [];
    const result = await tool(reads).run(
      { target: 'prod/kube-system/Secret/bootstrap-token-abcdef' },
      { signal },
    );
    expect(reads).toEqual([]);
    expect(result).toEqual({
      refused:
        "prod/kube-system/Secret/bootstrap-token-abcdef is neither declared in the fleet repo nor used by the alert's workloads: get_config reads only those",
      readable: [
        'prod/payments/ConfigMap/api',
        'prod/payments/Secret/api-creds',
        'prod/payments/Secret/db',
        'staging/payments/ConfigMap/api',
      ],
    });
  });

  it("reads a Secret the alert's workload uses though the repo does not declare it", async () => {
    const reads: ObjectRef[] = [];
    const result = await tool(reads).run({ target: 'prod/payments/Secret/api-creds' }, { signal });
    expect(reads).toEqual([{ cluster: 'prod', kind: 'Secret', namespace: 'payments', name: 'api-creds' }]);
    expect(result).toMatchObject({ name: 'api-creds', managed: false });
  });
});
