/**
 * The diagnose reader against a real kube-apiserver: a Deployment whose pod template uses a
 * ConfigMap and a Secret, a ReplicaSet and a crash-looping Pod it owns (made by hand: the test
 * apiservers run no controllers or kubelet), and Events about the Pod.
 */
import { type AddressInfo, createServer } from 'node:net';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { kubeWorkloadReader, type WorkloadReader } from '../../diagnose/kube-reader.ts';
import { configReferences } from '../../diagnose/references.ts';
import { KubeError } from '../../reconciler/kube/kube-cluster.ts';
import { clientsFor, freshNamespace, kubectl } from './kube.ts';

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];
const labels = { app: 'web', 'pod-template-hash': '7d9' };

describe('the diagnose workload reader', () => {
  const clients = clientsFor(first);
  let reader: WorkloadReader;
  let ns: string;

  const create = async <T extends KubernetesObject>(object: T): Promise<{ uid: string }> => {
    const created = await clients.objects.create(object);
    return { uid: created.metadata?.uid ?? '' };
  };
  const ownedBy = (apiVersion: string, kind: string, name: string, uid: string) => [
    { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true },
  ];
  const warning = (reason: string, message: string, at: string) =>
    clients.core.createNamespacedEvent({
      namespace: ns,
      body: {
        metadata: { generateName: 'web-7d9-abcde.', namespace: ns },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'web-7d9-abcde' },
        type: 'Warning',
        reason,
        message,
        source: { component: 'kubelet' },
        firstTimestamp: new Date(at),
        lastTimestamp: new Date(at),
        count: 3,
      },
    });

  beforeAll(async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(fleet.kubeconfigPath);
    reader = kubeWorkloadReader(kc, first, { timeoutMs: 10_000 });
    ns = await freshNamespace('reader', [clients]);
    await create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: ns } });
    await create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'web-db', namespace: ns },
      stringData: { password: 'not-a-real-password', user: 'web' },
    } as KubernetesObject);
    const deployment = await create(deploymentManifest(ns));
    const replicaSet = await create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'web-7d9',
        namespace: ns,
        labels,
        ownerReferences: ownedBy('apps/v1', 'Deployment', 'web', deployment.uid),
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: deploymentManifest(ns).spec.template,
      },
    } as KubernetesObject);
    await create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-7d9-abcde',
        namespace: ns,
        labels,
        ownerReferences: ownedBy('apps/v1', 'ReplicaSet', 'web-7d9', replicaSet.uid),
      },
      spec: deploymentManifest(ns).spec.template.spec,
    } as KubernetesObject);
    await kubectl(first, [
      ...['-n', ns, 'patch', 'pod', 'web-7d9-abcde', '--subresource=status', '--type=merge', '-p'],
      JSON.stringify({ status: crashLoopStatus }),
    ]);
    await warning('Failed', 'an older event', '2025-01-01T00:00:00Z');
    await warning('BackOff', 'Back-off restarting failed container app', '2025-01-01T00:05:00Z');
    // An event about another object must not be listed for the pod.
    await clients.core.createNamespacedEvent({
      namespace: ns,
      body: {
        metadata: { generateName: 'web.', namespace: ns },
        involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' },
        type: 'Normal',
        reason: 'ScalingReplicaSet',
        message: 'Scaled up replica set web-7d9 to 1',
      },
    });
  });

  it('reads a Deployment: its selector, and a pod spec whose ConfigMap and Secret references are found', async () => {
    const workload = await reader.readWorkload('Deployment', ns, 'web');
    expect(workload).toMatchObject({ found: true, selector: { app: 'web' } });
    expect(configReferences(workload.podSpec, ns)).toEqual([
      {
        kind: 'ConfigMap',
        namespace: ns,
        name: 'web-config',
        keys: [],
        via: ['env', 'envFrom'],
        containers: ['app'],
        optional: false,
      },
      {
        kind: 'Secret',
        namespace: ns,
        name: 'web-db',
        keys: ['password', 'user'],
        via: ['env', 'volume'],
        containers: ['app'],
        optional: false,
      },
    ]);
  });

  it('lists the pods of a selector with their restarts, waiting reason and last termination', async () => {
    const pods = await reader.listPods(ns, { app: 'web' });
    expect(pods).toHaveLength(1);
    expect(pods[0]).toMatchObject({
      name: 'web-7d9-abcde',
      namespace: ns,
      owner: { kind: 'ReplicaSet', name: 'web-7d9' },
      containers: [
        {
          name: 'app',
          ready: false,
          restarts: 5,
          waiting: { reason: 'CrashLoopBackOff' },
          lastTermination: { reason: 'Error', exitCode: 1, finishedAt: '2025-01-01T00:04:00.000Z' },
        },
      ],
    });
    expect(await reader.listPods(ns, { app: 'other' })).toEqual([]);
  });

  it('reads a Pod with its state', async () => {
    const workload = await reader.readWorkload('Pod', ns, 'web-7d9-abcde');
    expect(workload.found).toBe(true);
    expect(workload.pod?.containers[0]?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(workload.podSpec?.containers[0]?.name).toBe('app');
  });

  it('follows a pod through its ReplicaSet to the Deployment that controls it', async () => {
    expect(await reader.ownerWorkloadOf(ns, 'web-7d9-abcde')).toEqual({ kind: 'Deployment', name: 'web' });
    expect(await reader.ownerWorkloadOf(ns, 'no-such-pod')).toBeUndefined();
  });

  it("lists a pod's events newest first, and only that pod's", async () => {
    const events = await reader.events(ns, { kind: 'Pod', name: 'web-7d9-abcde' });
    expect(events.map((e) => e.reason)).toEqual(['BackOff', 'Failed']);
    expect(events[0]).toEqual({
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container app',
      object: { kind: 'Pod', name: 'web-7d9-abcde', namespace: ns },
      count: 3,
      lastSeen: '2025-01-01T00:05:00.000Z',
      source: 'kubelet',
    });
    expect(await reader.events(ns, { kind: 'Pod', name: 'web-7d9-abcde' }, 1)).toHaveLength(1);
  });

  it('reports a workload that does not exist as not found, and finds nothing in a missing namespace', async () => {
    expect(await reader.readWorkload('StatefulSet', ns, 'web')).toEqual({ found: false });
    expect(await reader.readWorkload('Job', 'no-such-namespace', 'web')).toEqual({ found: false });
    expect(await reader.events('no-such-namespace', { kind: 'Pod', name: 'x' })).toEqual([]);
  });

  it.each([
    // port 1 is on fetch's block list: the request fails before any connection
    ['a blocked port', async () => 1],
    // a port nothing listens on: the connection is refused
    ['a closed port', closedPort],
  ])('fails with an unreachable KubeError naming the cluster when its server is at %s', async (_, port) => {
    const down = new KubeConfig();
    down.loadFromOptions({
      clusters: [{ name: 'down', server: `https://127.0.0.1:${await port()}`, skipTLSVerify: true }],
      users: [{ name: 'nobody', token: 'none' }],
      contexts: [{ name: 'down-context', cluster: 'down', user: 'nobody' }],
      currentContext: 'down-context',
    });
    const unreachable = kubeWorkloadReader(down, 'cluster-down', {
      context: 'down-context',
      timeoutMs: 5_000,
    });
    const error = await unreachable.readWorkload('Deployment', 'default', 'web').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeError);
    expect(error).toMatchObject({ reason: 'unreachable', cluster: 'cluster-down', transient: true });
    expect((error as KubeError).message).toMatch(/^cluster cluster-down: read Deployment default\/web: /);
  });
});

/** closedPort returns a local port that was free a moment ago, so connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const crashLoopStatus = {
  phase: 'Running',
  containerStatuses: [
    {
      name: 'app',
      image: 'registry.example/web:1',
      imageID: '',
      ready: false,
      started: false,
      restartCount: 5,
      state: {
        waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container' },
      },
      lastState: {
        terminated: {
          reason: 'Error',
          exitCode: 1,
          startedAt: '2025-01-01T00:03:00Z',
          finishedAt: '2025-01-01T00:04:00Z',
        },
      },
    },
  ],
};

/** deploymentManifest uses the ConfigMap by env and envFrom, and the Secret by env and a volume. */
function deploymentManifest(namespace: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.example/web:1',
              env: [
                { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'color' } } },
                { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'web-db', key: 'password' } } },
              ],
              envFrom: [{ configMapRef: { name: 'web-config' } }],
              volumeMounts: [{ name: 'db', mountPath: '/etc/db', readOnly: true }],
            },
          ],
          volumes: [{ name: 'db', secret: { secretName: 'web-db', items: [{ key: 'user', path: 'user' }] } }],
        },
      },
    },
  };
}
