/**
 * Workloads for diagnosis scenarios on the test fleet (no controllers run there, so each level is
 * created by hand): Deployment -> ReplicaSet -> a Pod whose status says CrashLoopBackOff, and the
 * webhook body Alertmanager posts for it.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { clientsFor, kubectl } from './kube.ts';

/** ownerReference points at a controlling owner, as its controller would set it. */
function ownerReference(kind: 'Deployment' | 'ReplicaSet', name: string, owner: KubernetesObject) {
  return { apiVersion: 'apps/v1', kind, name, uid: owner.metadata?.uid as string, controller: true };
}

/** crashLoopStatus is the status of a pod whose only container crash-loops (6 restarts, exit 1). */
function crashLoopStatus() {
  return {
    phase: 'Running',
    containerStatuses: [
      {
        name: 'app',
        image: 'registry.example/app:1',
        imageID: '',
        ready: false,
        restartCount: 6,
        state: {
          waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' },
        },
        lastState: {
          terminated: {
            reason: 'Error',
            exitCode: 1,
            startedAt: '2026-11-23T02:59:00Z',
            finishedAt: '2026-11-23T02:59:30Z',
          },
        },
      },
    ],
  };
}

/** createCrashingWorkload makes a Deployment → ReplicaSet → Pod (CrashLoopBackOff) using config. */
export async function createCrashingWorkload(
  context: string,
  ns: string,
  name: string,
  configMap: string,
  secret?: string,
): Promise<string> {
  const { objects, core } = clientsFor(context);
  const labels = { app: name };
  const podSpec = {
    containers: [
      {
        name: 'app',
        image: 'registry.example/app:1',
        env: [{ name: 'DB_HOST', valueFrom: { configMapKeyRef: { name: configMap, key: 'DB_HOST' } } }],
        ...(secret ? { envFrom: [{ secretRef: { name: secret } }] } : {}),
      },
    ],
  };
  const spec = { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec } };
  const deployment = await objects.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec,
  } as KubernetesObject);
  const rs = await objects.create({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${name}-7d9`,
      namespace: ns,
      labels,
      ownerReferences: [ownerReference('Deployment', name, deployment)],
    },
    spec,
  } as KubernetesObject);
  const pod = `${name}-7d9-x1`;
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: pod, labels, ownerReferences: [ownerReference('ReplicaSet', `${name}-7d9`, rs)] },
      spec: podSpec,
    },
  });
  // No kubelet runs on the test fleet: the crash loop is written into the status by hand.
  const patch = JSON.stringify({ status: crashLoopStatus() });
  await kubectl(context, [
    'patch',
    'pod',
    pod,
    '-n',
    ns,
    '--subresource=status',
    '--type=merge',
    '-p',
    patch,
  ]);
  return pod;
}

/** crashLoopAlert is a webhook body as Alertmanager 0.25 posts it, for one crash-looping pod. */
export function crashLoopAlert(cluster: string, ns: string, pod: string, group: string) {
  const labels = { alertname: 'KubePodCrashLooping', cluster, namespace: ns, pod, container: 'app' };
  return {
    receiver: 'trueup',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: `Pod ${ns}/${pod} is crash looping` },
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: `${group}-fp`.slice(0, 32),
      },
    ],
    groupLabels: { alertname: 'KubePodCrashLooping', group },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey: `{}:{group="${group}"}`,
    truncatedAlerts: 0,
  };
}
