/**
 * Diagnosis fixtures for the chart's RBAC test: a crash-looping workload that uses a ConfigMap, and
 * the Alertmanager webhook payload that names it.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { clientsFor, kubectl } from '../integration/kube.ts';

/** createWorkload makes a Deployment → ReplicaSet → crash-looping Pod that uses app-config. */
export async function createWorkload(context: string, ns: string) {
  const { objects } = clientsFor(context);
  const labels = { app: 'api' };
  const podSpec = {
    containers: [
      {
        name: 'app',
        image: 'registry.example/app:1',
        env: [{ name: 'DB_HOST', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'DB_HOST' } } }],
      },
    ],
  };
  const spec = { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec } };
  const owner = (kind: string, name: string, uid?: string) => [
    { apiVersion: 'apps/v1', kind, name, uid: uid as string, controller: true },
  ];
  const deployment = await objects.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: ns },
    spec,
  } as KubernetesObject);
  const rs = await objects.create({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'api-7d9',
      namespace: ns,
      labels,
      ownerReferences: owner('Deployment', 'api', deployment.metadata?.uid),
    },
    spec,
  } as KubernetesObject);
  await objects.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'api-7d9-x1',
      namespace: ns,
      labels,
      ownerReferences: owner('ReplicaSet', 'api-7d9', rs.metadata?.uid),
    },
    spec: podSpec,
  });
  await kubectl(context, [
    'patch',
    'pod',
    'api-7d9-x1',
    '-n',
    ns,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'app',
            image: 'registry.example/app:1',
            imageID: '',
            ready: false,
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
          },
        ],
      },
    }),
  ]);
}

/** alert is an Alertmanager webhook payload for a crash-looping pod on one cluster. */
export function alert(local: string, ns: string, pod: string) {
  const labels = { alertname: 'KubePodCrashLooping', cluster: local, namespace: ns, pod, container: 'app' };
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
        fingerprint: 'helm-rbac-fp',
      },
    ],
    groupLabels: { alertname: 'KubePodCrashLooping' },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey: '{}:{alertname="KubePodCrashLooping"}',
    truncatedAlerts: 0,
  };
}
