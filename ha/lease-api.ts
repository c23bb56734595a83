/**
 * The Lease edge: coordination.k8s.io/v1 Leases in one namespace of one cluster, through
 * client-node's CoordinationV1Api. Every replace carries the resourceVersion that was read, so a
 * write based on a stale read fails with 409 (KubeError reason 'conflict') instead of overwriting
 * another replica's claim. Errors are KubeErrors naming the lease cluster and the request.
 */
import { existsSync } from 'node:fs';
import type { V1Lease } from '@kubernetes/client-node';
import { CoordinationV1Api, KubeConfig, V1MicroTime } from '../reconciler/kube/client-node.ts';
import { KubeError, kubeCall } from '../reconciler/kube/kube-errors.ts';
import type { LeaseRecord, LeaseSpec } from './lease.ts';

/** LeaseApi is what leader election and sharding do with Leases. */
export interface LeaseApi {
  /** where names the lease cluster and namespace, for logs and errors. */
  readonly where: string;
  /** get reads one lease, or undefined when it does not exist. */
  get(name: string): Promise<LeaseRecord | undefined>;
  /** list lists the leases that carry every given label. */
  list(labels: Record<string, string>): Promise<LeaseRecord[]>;
  /** create creates a lease; 409 (conflict) when another replica created it first. */
  create(name: string, spec: LeaseSpec, labels?: Record<string, string>): Promise<LeaseRecord>;
  /**
   * replace writes a lease only if it is still at resourceVersion; 409 (conflict) otherwise. It
   * replaces the whole object: labels not given are removed.
   */
  replace(
    name: string,
    resourceVersion: string,
    spec: LeaseSpec,
    labels: Record<string, string>,
  ): Promise<LeaseRecord>;
  /** delete deletes a lease only if it is still at resourceVersion. */
  delete(name: string, resourceVersion: string): Promise<void>;
}

/** LeaseClusterOptions choose the cluster that holds the leases. */
export interface LeaseClusterOptions {
  kubeconfig?: string;
  /** leaseCluster is a kubeconfig context; default in-cluster in a pod, else the current context. */
  leaseCluster?: string;
}

const serviceAccountToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** leaseKubeConfig loads the client configuration of the lease cluster and names it. */
export function leaseKubeConfig(options: LeaseClusterOptions): { kubeConfig: KubeConfig; cluster: string } {
  const kc = new KubeConfig();
  if (!options.leaseCluster && process.env.KUBERNETES_SERVICE_HOST && existsSync(serviceAccountToken)) {
    // In a pod the leases live in the cluster trueup runs in, whatever clusters the kubeconfig lists.
    kc.loadFromCluster();
    return { kubeConfig: kc, cluster: 'in-cluster' };
  }
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  const context = options.leaseCluster ?? kc.getCurrentContext();
  if (!kc.contexts.some((c) => c.name === context))
    throw new KubeError({
      cluster: context,
      what: 'load kubeconfig for leases',
      reason: 'other',
      detail: `no context named ${context} in the kubeconfig`,
    });
  kc.setCurrentContext(context);
  return { kubeConfig: kc, cluster: context };
}

/** kubeLeaseApi returns LeaseApi for one namespace of the cluster kubeConfig points at. */
export function kubeLeaseApi(
  kubeConfig: KubeConfig,
  cluster: string,
  namespace: string,
  options: { timeoutMs: number },
): LeaseApi {
  const api = kubeConfig.makeApiClient(CoordinationV1Api);
  const call = <T>(what: string, run: () => Promise<T>) =>
    kubeCall(cluster, `${what} (namespace ${namespace})`, options.timeoutMs, run);
  return {
    where: `${cluster}/${namespace}`,
    async get(name) {
      try {
        return toRecord(await call(`read lease ${name}`, () => api.readNamespacedLease({ name, namespace })));
      } catch (err) {
        if (err instanceof KubeError && err.reason === 'not-found') return undefined;
        throw err;
      }
    },
    async list(labels) {
      const labelSelector = Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const list = await call('list leases', () => api.listNamespacedLease({ namespace, labelSelector }));
      return list.items.map(toRecord);
    },
    async create(name, spec, labels) {
      const body = toLease(name, namespace, spec, labels);
      return toRecord(
        await call(`create lease ${name}`, () => api.createNamespacedLease({ namespace, body })),
      );
    },
    async replace(name, resourceVersion, spec, labels) {
      const body = toLease(name, namespace, spec, labels, resourceVersion);
      return toRecord(
        await call(`replace lease ${name}`, () => api.replaceNamespacedLease({ name, namespace, body })),
      );
    },
    async delete(name, resourceVersion) {
      await call(`delete lease ${name}`, () =>
        api.deleteNamespacedLease({ name, namespace, body: { preconditions: { resourceVersion } } }),
      );
    },
  };
}

function toLease(
  name: string,
  namespace: string,
  spec: LeaseSpec,
  labels: Record<string, string> | undefined,
  resourceVersion?: string,
): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace,
      ...(labels ? { labels } : {}),
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    spec: {
      ...(spec.holder ? { holderIdentity: spec.holder } : {}),
      leaseDurationSeconds: spec.durationSeconds,
      // MicroTime serialises with microseconds, the format the apiserver requires.
      acquireTime: new V1MicroTime(spec.acquireTime),
      renewTime: new V1MicroTime(spec.renewTime),
      leaseTransitions: spec.transitions,
    },
  };
}

function toRecord(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  const time = (t: unknown) => (t === undefined || t === null ? undefined : new Date(t as string).getTime());
  const acquireTime = time(spec.acquireTime);
  const renewTime = time(spec.renewTime);
  return {
    name: lease.metadata?.name ?? '',
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    ...(spec.holderIdentity ? { holder: spec.holderIdentity } : {}),
    ...(spec.leaseDurationSeconds !== undefined ? { durationSeconds: spec.leaseDurationSeconds } : {}),
    ...(acquireTime !== undefined && !Number.isNaN(acquireTime) ? { acquireTime } : {}),
    ...(renewTime !== undefined && !Number.isNaN(renewTime) ? { renewTime } : {}),
    transitions: spec.leaseTransitions ?? 0,
    labels: lease.metadata?.labels ?? {},
  };
}
