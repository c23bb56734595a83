import type { V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ConfigReference } from './model.ts';
import { configReferences, messageLimit, podStateOf, podTemplateOf, trimMessage } from './references.ts';

const ns = 'shop';

/** ref builds an expected reference with the defaults of a single, required, whole-object use. */
function ref(fields: Partial<ConfigReference> & Pick<ConfigReference, 'kind' | 'name'>): ConfigReference {
  return { namespace: ns, keys: [], via: [], containers: [], optional: false, ...fields };
}

function spec(fields: Partial<V1PodSpec>): V1PodSpec {
  return { containers: [], ...fields };
}

describe('configReferences', () => {
  it.each<[string, V1PodSpec | undefined, ConfigReference[]]>([
    // no pod spec at all (a workload that was not found) uses nothing
    ['nothing without a pod spec', undefined, []],
    // env valueFrom names one key of a ConfigMap
    [
      'a ConfigMap key from env valueFrom',
      spec({
        containers: [
          {
            name: 'app',
            env: [{ name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'color' } } }],
          },
        ],
      }),
      [ref({ kind: 'ConfigMap', name: 'cfg', keys: ['color'], via: ['env'], containers: ['app'] })],
    ],
    // env valueFrom names one key of a Secret
    [
      'a Secret key from env valueFrom',
      spec({
        containers: [
          {
            name: 'app',
            env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
          },
        ],
      }),
      [ref({ kind: 'Secret', name: 'db', keys: ['password'], via: ['env'], containers: ['app'] })],
    ],
    // envFrom takes every key of both a ConfigMap and a Secret
    [
      'whole objects from envFrom',
      spec({
        containers: [
          { name: 'app', envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'db' } }] },
        ],
      }),
      [
        ref({ kind: 'ConfigMap', name: 'cfg', via: ['envFrom'], containers: ['app'] }),
        ref({ kind: 'Secret', name: 'db', via: ['envFrom'], containers: ['app'] }),
      ],
    ],
    // a configMap volume with items names those keys; it belongs to the container that mounts it
    [
      'the items of a ConfigMap volume, attributed to the mounting container',
      spec({
        containers: [
          { name: 'app', volumeMounts: [{ name: 'conf', mountPath: '/etc/app' }] },
          { name: 'sidecar' },
        ],
        volumes: [
          { name: 'conf', configMap: { name: 'cfg', items: [{ key: 'app.yaml', path: 'app.yaml' }] } },
        ],
      }),
      [ref({ kind: 'ConfigMap', name: 'cfg', keys: ['app.yaml'], via: ['volume'], containers: ['app'] })],
    ],
    // a secret volume without items takes the whole Secret; nobody mounts it, so no containers
    [
      'a whole Secret volume that no container mounts',
      spec({ volumes: [{ name: 'tls', secret: { secretName: 'tls', optional: true } }] }),
      [ref({ kind: 'Secret', name: 'tls', via: ['volume'], optional: true })],
    ],
    // projected volume sources are references too, marked projected
    [
      'the sources of a projected volume',
      spec({
        containers: [{ name: 'app', volumeMounts: [{ name: 'all', mountPath: '/all' }] }],
        volumes: [
          {
            name: 'all',
            projected: {
              sources: [
                { configMap: { name: 'cfg' } },
                { secret: { name: 'db', items: [{ key: 'user', path: 'u' }] } },
                { serviceAccountToken: { path: 'token' } },
              ],
            },
          },
        ],
      }),
      [
        ref({ kind: 'ConfigMap', name: 'cfg', via: ['projected'], containers: ['app'] }),
        ref({ kind: 'Secret', name: 'db', keys: ['user'], via: ['projected'], containers: ['app'] }),
      ],
    ],
    // init containers' uses count like any other container's
    [
      'the uses of init containers',
      spec({
        initContainers: [
          {
            name: 'migrate',
            env: [{ name: 'URL', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } }],
          },
        ],
      }),
      [ref({ kind: 'Secret', name: 'db', keys: ['url'], via: ['env'], containers: ['migrate'] })],
    ],
    // two keys of one ConfigMap from two containers merge into one reference with both
    [
      'one merged reference per object with the union of keys and containers',
      spec({
        containers: [
          { name: 'web', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'b' } } }] },
          { name: 'api', env: [{ name: 'B', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a' } } }] },
        ],
      }),
      [ref({ kind: 'ConfigMap', name: 'cfg', keys: ['a', 'b'], via: ['env'], containers: ['api', 'web'] })],
    ],
    // a whole-object use beside a key use means the whole object is used: keys empty
    [
      'no keys when any use takes the whole object',
      spec({
        containers: [
          {
            name: 'app',
            env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a' } } }],
            envFrom: [{ configMapRef: { name: 'cfg' } }],
          },
        ],
      }),
      [ref({ kind: 'ConfigMap', name: 'cfg', via: ['env', 'envFrom'], containers: ['app'] })],
    ],
    // optional only when every use is optional: one required use makes the reference required
    [
      'a required reference when one use of several is required',
      spec({
        containers: [
          {
            name: 'app',
            env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a', optional: true } } }],
            volumeMounts: [{ name: 'v', mountPath: '/v' }],
          },
        ],
        volumes: [{ name: 'v', configMap: { name: 'cfg', items: [{ key: 'b', path: 'b' }] } }],
      }),
      [
        ref({
          kind: 'ConfigMap',
          name: 'cfg',
          keys: ['a', 'b'],
          via: ['env', 'volume'],
          containers: ['app'],
        }),
      ],
    ],
    // every use optional: the reference is optional
    [
      'an optional reference when every use is optional',
      spec({
        containers: [{ name: 'app', envFrom: [{ secretRef: { name: 'extra', optional: true } }] }],
        volumes: [{ name: 'v', secret: { secretName: 'extra', optional: true } }],
      }),
      [
        ref({
          kind: 'Secret',
          name: 'extra',
          via: ['envFrom', 'volume'],
          containers: ['app'],
          optional: true,
        }),
      ],
    ],
    // the same name as a ConfigMap and as a Secret are two references, sorted ConfigMap first, then by name
    [
      'references sorted by kind then name',
      spec({
        containers: [
          {
            name: 'app',
            envFrom: [
              { secretRef: { name: 'b' } },
              { configMapRef: { name: 'z' } },
              { secretRef: { name: 'a' } },
              { configMapRef: { name: 'b' } },
            ],
          },
        ],
      }),
      [
        ref({ kind: 'ConfigMap', name: 'b', via: ['envFrom'], containers: ['app'] }),
        ref({ kind: 'ConfigMap', name: 'z', via: ['envFrom'], containers: ['app'] }),
        ref({ kind: 'Secret', name: 'a', via: ['envFrom'], containers: ['app'] }),
        ref({ kind: 'Secret', name: 'b', via: ['envFrom'], containers: ['app'] }),
      ],
    ],
    // env with a plain value or a fieldRef references nothing
    [
      'nothing for plain values and field refs',
      spec({
        containers: [
          {
            name: 'app',
            env: [
              { name: 'A', value: '1' },
              { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            ],
          },
        ],
        volumes: [{ name: 'tmp', emptyDir: {} }],
      }),
      [],
    ],
  ])('finds %s', (_, podSpec, expected) => {
    expect(configReferences(podSpec, ns)).toEqual(expected);
  });
});

describe('podTemplateOf', () => {
  const podSpec: V1PodSpec = { containers: [{ name: 'app' }] };
  const template = { spec: { selector: {}, template: { spec: podSpec } } };

  it.each<[string, Parameters<typeof podTemplateOf>[0], object, V1PodSpec | undefined]>([
    // a Pod carries its spec directly
    ['a Pod', 'Pod', { spec: podSpec }, podSpec],
    // controllers carry it in their pod template
    ['a Deployment', 'Deployment', template, podSpec],
    ['a StatefulSet', 'StatefulSet', template, podSpec],
    ['a DaemonSet', 'DaemonSet', template, podSpec],
    ['a Job', 'Job', template, podSpec],
    // an object without a spec has no pod spec
    ['an object without a spec', 'Deployment', {}, undefined],
  ])('reads the pod spec of %s', (_, kind, raw, expected) => {
    expect(podTemplateOf(kind, raw)).toBe(expected);
  });
});

describe('podStateOf', () => {
  it('summarises a CrashLoopBackOff pod: restarts, waiting reason, last termination and owner', () => {
    const pod: V1Pod = {
      metadata: {
        name: 'web-7d9-abcde',
        namespace: ns,
        uid: '5f0c2b1e-0d6a-4a53-9d0e-3a7c1b2d4e6f',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Node', name: 'not-the-controller', uid: '1' },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9', uid: '2', controller: true },
        ],
      },
      spec: { nodeName: 'node-a', containers: [{ name: 'app' }] },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'app',
            image: 'app:1',
            imageID: '',
            ready: false,
            restartCount: 5,
            state: {
              waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' },
            },
            lastState: {
              terminated: {
                reason: 'Error',
                exitCode: 1,
                finishedAt: new Date('2025-01-02T03:04:05Z'),
                message: 'x'.repeat(2000),
              },
            },
          },
        ],
      },
    };
    const state = podStateOf(pod);
    expect(state).toEqual({
      name: 'web-7d9-abcde',
      namespace: ns,
      uid: '5f0c2b1e-0d6a-4a53-9d0e-3a7c1b2d4e6f',
      phase: 'Running',
      node: 'node-a',
      owner: { kind: 'ReplicaSet', name: 'web-7d9' },
      containers: [
        {
          name: 'app',
          ready: false,
          restarts: 5,
          waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' },
          lastTermination: {
            reason: 'Error',
            exitCode: 1,
            finishedAt: '2025-01-02T03:04:05.000Z',
            message: expect.any(String),
          },
        },
      ],
    });
    expect(state.containers[0]?.lastTermination?.message).toHaveLength(messageLimit);
  });

  it('keeps a stuck init container and leaves out one that finished', () => {
    const init = (name: string, restartCount: number, waiting?: string) => ({
      name,
      image: 'i',
      imageID: '',
      ready: false,
      restartCount,
      state: waiting ? { waiting: { reason: waiting } } : { terminated: { exitCode: 0 } },
    });
    const state = podStateOf({
      metadata: { name: 'p', namespace: ns },
      status: {
        phase: 'Pending',
        initContainerStatuses: [init('done', 0), init('migrate', 3, 'CreateContainerConfigError')],
      },
    });
    expect(state.containers.map((c) => [c.name, c.waiting?.reason])).toEqual([
      ['migrate', 'CreateContainerConfigError'],
    ]);
    expect(state.owner).toBeUndefined();
  });
});

describe('trimMessage', () => {
  it.each([
    // short messages are kept as they are
    ['ok', 'ok'],
    // long ones are cut to the limit with an ellipsis
    ['y'.repeat(messageLimit + 10), `${'y'.repeat(messageLimit - 1)}…`],
  ])('trims %#', (message, expected) => {
    expect(trimMessage(message)).toBe(expected);
  });
});
