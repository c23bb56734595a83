/**
 * The diagnose Kubernetes edge: reads a workload, its pods, its owners and its Events on one
 * cluster, read-only. It never reads Secrets: which Secrets a workload uses comes from its pod
 * spec. Every call has a timeout; errors are KubeErrors that name the cluster and the object.
 */
import type { CoreV1Event, V1LabelSelector, V1ObjectMeta, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig } from '../reconciler/kube/client-node.ts';
import { KubeError, kubeCall } from '../reconciler/kube/kube-errors.ts';
import type { EventSummary, PodState, WorkloadKind } from './model.ts';
import { isoTime, podStateOf, podTemplateOf, trimMessage } from './references.ts';
import type { WorkloadSummary } from './workload-match.ts';

/** WorkloadRead is what readWorkload found: the pod spec and selector of a controller, or a Pod's state. */
export interface WorkloadRead {
  found: boolean;
  podSpec?: V1PodSpec;
  /** selector is the controller's spec.selector.matchLabels (undefined for a Pod). */
  selector?: Record<string, string>;
  /** pod is the Pod's state, when the workload is a Pod. */
  pod?: PodState;
}

/** WorkloadReader reads what diagnosis needs from one cluster; it never writes. */
export interface WorkloadReader {
  readonly cluster: string;
  /** readWorkload reads one workload; found is false when it does not exist. */
  readWorkload(kind: WorkloadKind, namespace: string, name: string): Promise<WorkloadRead>;
  /** listPods lists up to limit (default 20) pods matching the labels, troubled ones first. */
  listPods(namespace: string, selector: Record<string, string>, limit?: number): Promise<PodState[]>;
  /** ownerWorkloadOf follows a pod's controller owners (Pod → ReplicaSet → Deployment) to the top one. */
  ownerWorkloadOf(namespace: string, podName: string): Promise<{ kind: string; name: string } | undefined>;
  /** events lists up to limit (default 20) Events about one object, newest first. */
  events(
    namespace: string,
    involved: { kind: string; name: string },
    limit?: number,
  ): Promise<EventSummary[]>;
  /** listWorkloads lists a namespace's Deployments, StatefulSets, DaemonSets and Jobs (for alerts that name no pod). */
  listWorkloads?(namespace: string): Promise<WorkloadSummary[]>;
  /** serviceSelector is a Service's selector; undefined when there is no such Service. */
  serviceSelector?(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/** KubeWorkloadReaderOptions configures kubeWorkloadReader. */
export interface KubeWorkloadReaderOptions {
  /** context is the kubeconfig context of the cluster; default the cluster's name. */
  context?: string;
  /** timeoutMs bounds every request; default 15 s. */
  timeoutMs?: number;
}

/** defaultListLimit caps pods and events: evidence for a person or a model, not an inventory. */
const defaultListLimit = 20;

/** Owner names an object's controller. */
type Owner = { kind: string; name: string };

/** kubeWorkloadReader returns a WorkloadReader for one cluster of a kubeconfig. */
export function kubeWorkloadReader(
  kubeConfig: KubeConfig,
  cluster: string,
  options: KubeWorkloadReaderOptions = {},
): WorkloadReader {
  const kc = kubeConfigFor(kubeConfig, cluster, options.context ?? cluster);
  const core = kc.makeApiClient(CoreV1Api);
  const timeoutMs = options.timeoutMs ?? 15_000;
  // orMissing turns not-found into undefined: a missing object is evidence, not a failure.
  const orMissing = <T>(what: string, run: () => Promise<T>) =>
    kubeCall(cluster, what, timeoutMs, run).catch((err: unknown) => {
      if (err instanceof KubeError && err.reason === 'not-found') return undefined;
      throw err;
    });
  const read = objectReader(kc);
  const list = workloadLister(kc, (what, run) => kubeCall(cluster, what, timeoutMs, run));
  const readRaw = (kind: ReadableKind, namespace: string, name: string) =>
    orMissing(`read ${kind} ${namespace}/${name}`, () => read(kind, { namespace, name }));

  return {
    cluster,
    async readWorkload(kind, namespace, name) {
      const raw = await readRaw(kind, namespace, name);
      if (!raw) return { found: false };
      const podSpec = podTemplateOf(kind, raw);
      if (kind === 'Pod') return { found: true, podSpec, pod: podStateOf(raw as V1Pod) };
      const selector = (raw.spec as { selector?: V1LabelSelector } | undefined)?.selector?.matchLabels;
      return { found: true, podSpec, selector: { ...(selector ?? {}) } };
    },
    async listPods(namespace, selector, limit = defaultListLimit) {
      const labelSelector = Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      // An empty selector would match every pod in the namespace, which says nothing about a workload.
      if (!labelSelector) return [];
      const list = await orMissing(`list Pods in ${namespace} with ${labelSelector}`, () =>
        core.listNamespacedPod({ namespace, labelSelector, limit: 500 }),
      );
      return (list?.items ?? []).map(podStateOf).sort(byTrouble).slice(0, limit);
    },
    async ownerWorkloadOf(namespace, podName) {
      const pod = await readRaw('Pod', namespace, podName);
      let owner = controllerOf(pod?.metadata);
      // Only ReplicaSets have a well-known controller above them worth reading (a Deployment).
      if (owner?.kind === 'ReplicaSet') {
        const replicaSet = await readRaw('ReplicaSet', namespace, owner.name);
        owner = controllerOf(replicaSet?.metadata) ?? owner;
      }
      return owner;
    },
    async events(namespace, involved, limit = defaultListLimit) {
      const fieldSelector = `involvedObject.kind=${involved.kind},involvedObject.name=${involved.name}`;
      const list = await orMissing(`list Events of ${involved.kind} ${namespace}/${involved.name}`, () =>
        core.listNamespacedEvent({ namespace, fieldSelector }),
      );
      return (list?.items ?? [])
        .map((e) => ({ summary: eventSummaryOf(e), at: eventTime(e) }))
        .sort((a, b) => b.at - a.at)
        .slice(0, limit)
        .map((e) => e.summary);
    },
    listWorkloads: list,
    async serviceSelector(namespace, name) {
      const service = await orMissing(`read Service ${namespace}/${name}`, () =>
        core.readNamespacedService({ namespace, name }),
      );
      return service?.spec?.selector;
    },
  };
}

/** Listed is a listed controller: metadata and a pod template. */
type Listed = {
  metadata?: V1ObjectMeta;
  spec?: { template?: { metadata?: V1ObjectMeta; spec?: V1PodSpec } };
};

/** workloadLister lists a namespace's controllers as WorkloadSummaries (at most 500 of each kind). */
function workloadLister(
  kc: KubeConfig,
  call: <T>(what: string, run: () => Promise<T>) => Promise<T>,
): (namespace: string) => Promise<WorkloadSummary[]> {
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const summary = (kind: WorkloadSummary['kind'], o: Listed): WorkloadSummary => {
    const owner = controllerOf(o.metadata);
    return {
      kind,
      name: o.metadata?.name ?? '',
      podLabels: { ...(o.metadata?.labels ?? {}), ...(o.spec?.template?.metadata?.labels ?? {}) },
      containers: [
        ...(o.spec?.template?.spec?.initContainers ?? []),
        ...(o.spec?.template?.spec?.containers ?? []),
      ].map((c) => c.name),
      ...(owner?.kind === 'CronJob' ? { ownedBy: owner.name } : {}),
    };
  };
  return async (namespace) => {
    const params = { namespace, limit: 500 };
    const [deployments, statefulSets, daemonSets, jobs] = await Promise.all([
      call(`list Deployments in ${namespace}`, () => apps.listNamespacedDeployment(params)),
      call(`list StatefulSets in ${namespace}`, () => apps.listNamespacedStatefulSet(params)),
      call(`list DaemonSets in ${namespace}`, () => apps.listNamespacedDaemonSet(params)),
      call(`list Jobs in ${namespace}`, () => batch.listNamespacedJob(params)),
    ]);
    return [
      ...deployments.items.map((o) => summary('Deployment', o)),
      ...statefulSets.items.map((o) => summary('StatefulSet', o)),
      ...daemonSets.items.map((o) => summary('DaemonSet', o)),
      ...jobs.items.map((o) => summary('Job', o)),
    ];
  };
}

/** ReadableKind is a kind the reader reads one object of. */
type ReadableKind = WorkloadKind | 'ReplicaSet';

/** objectReader reads one object of a workload kind (or a ReplicaSet, to find its Deployment). */
function objectReader(kc: KubeConfig) {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  return (
    kind: ReadableKind,
    params: { namespace: string; name: string },
  ): Promise<{ metadata?: V1ObjectMeta; spec?: object }> => {
    switch (kind) {
      case 'Pod':
        return core.readNamespacedPod(params);
      case 'Deployment':
        return apps.readNamespacedDeployment(params);
      case 'StatefulSet':
        return apps.readNamespacedStatefulSet(params);
      case 'DaemonSet':
        return apps.readNamespacedDaemonSet(params);
      case 'ReplicaSet':
        return apps.readNamespacedReplicaSet(params);
      case 'Job':
        return batch.readNamespacedJob(params);
    }
  };
}

function controllerOf(meta: V1ObjectMeta | undefined): Owner | undefined {
  const ref = meta?.ownerReferences?.find((o) => o.controller);
  return ref ? { kind: ref.kind, name: ref.name } : undefined;
}

/** byTrouble puts waiting and restarting pods first, then sorts by name, so the cap keeps the evidence. */
function byTrouble(a: PodState, b: PodState): number {
  const trouble = (p: PodState) =>
    p.containers.reduce((n, c) => n + c.restarts + (c.waiting ? 1000 : 0), 0) +
    (p.phase === 'Failed' || p.phase === 'Pending' ? 1000 : 0);
  return trouble(b) - trouble(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** eventTime is when an Event was last seen, in ms (core/v1 Events set one of these three). */
function eventTime(event: CoreV1Event): number {
  const at =
    event.lastTimestamp ??
    event.series?.lastObservedTime ??
    event.eventTime ??
    event.metadata.creationTimestamp;
  const ms = at === undefined ? Number.NaN : new Date(at).getTime();
  return Number.isNaN(ms) ? 0 : ms;
}

function eventSummaryOf(event: CoreV1Event): EventSummary {
  const lastSeen = eventTime(event);
  const source = event.source?.component ?? event.reportingComponent;
  return {
    type: event.type ?? 'Normal',
    reason: event.reason ?? '',
    message: trimMessage(event.message ?? ''),
    object: {
      kind: event.involvedObject.kind ?? '',
      name: event.involvedObject.name ?? '',
      namespace: event.involvedObject.namespace ?? event.metadata.namespace ?? '',
    },
    count: event.count ?? event.series?.count ?? 1,
    ...(lastSeen ? { lastSeen: isoTime(new Date(lastSeen)) } : {}),
    ...(source ? { source } : {}),
  };
}

/** kubeConfigFor copies a kubeconfig with the context current, failing clearly when it is missing. */
function kubeConfigFor(kubeConfig: KubeConfig, cluster: string, context: string): KubeConfig {
  if (!kubeConfig.contexts.some((c) => c.name === context)) {
    throw new KubeError({
      cluster,
      what: 'load kubeconfig',
      reason: 'other',
      detail: `no context named ${context} in the kubeconfig`,
    });
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: kubeConfig.clusters,
    users: kubeConfig.users,
    contexts: kubeConfig.contexts,
    currentContext: context,
  });
  return kc;
}
