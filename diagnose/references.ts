/**
 * What a workload's pod spec uses, and what its pods look like, as plain data: the ConfigMaps and
 * Secrets a pod spec references (env, envFrom, volumes, projected volumes) and a pod's status
 * summary. Pure: client-node is imported for its types only.
 */
import type {
  V1Container,
  V1ContainerStatus,
  V1EphemeralContainer,
  V1Pod,
  V1PodSpec,
  V1Volume,
} from '@kubernetes/client-node';
import type { ManagedKind } from '../reconciler/core/model.ts';
import type { ConfigReference, ContainerState, PodState, ReferenceVia, WorkloadKind } from './model.ts';

/** messageLimit bounds the status and event messages kept as evidence (they can hold whole logs). */
export const messageLimit = 500;

/** trimMessage shortens a message to at most `limit` characters, marking the cut. */
export function trimMessage(message: string, limit = messageLimit): string {
  return message.length > limit ? `${message.slice(0, limit - 1)}…` : message;
}

/** One use of a ConfigMap or Secret, before uses of the same object are merged. */
interface Use {
  kind: ManagedKind;
  name: string;
  /** keys named by this use; undefined means the whole object. */
  keys?: string[];
  via: ReferenceVia;
  containers: string[];
  optional: boolean;
}

type AnyContainer = V1Container | V1EphemeralContainer;

const viaOrder: ReferenceVia[] = ['env', 'envFrom', 'volume', 'projected'];

/**
 * configReferences lists every ConfigMap and Secret a pod spec uses, one reference per kind and
 * name, sorted by kind then name. Uses of the same object are merged: keys are the union (empty
 * when any use takes the whole object), and optional holds only when every use is optional.
 */
export function configReferences(podSpec: V1PodSpec | undefined, namespace: string): ConfigReference[] {
  if (!podSpec) return [];
  const containers: AnyContainer[] = [
    ...(podSpec.initContainers ?? []),
    ...(podSpec.containers ?? []),
    ...(podSpec.ephemeralContainers ?? []),
  ];
  const uses = [...containers.flatMap(containerUses), ...volumeUses(podSpec.volumes ?? [], containers)];
  return mergeUses(uses, namespace);
}

/** containerUses are one container's env valueFrom and envFrom uses. */
function containerUses(container: AnyContainer): Use[] {
  const uses: Use[] = [];
  const containers = [container.name];
  for (const env of container.env ?? []) {
    const cm = env.valueFrom?.configMapKeyRef;
    const secret = env.valueFrom?.secretKeyRef;
    if (cm?.name) {
      uses.push({
        kind: 'ConfigMap',
        name: cm.name,
        keys: [cm.key],
        via: 'env',
        containers,
        optional: !!cm.optional,
      });
    }
    if (secret?.name) {
      const optional = !!secret.optional;
      uses.push({ kind: 'Secret', name: secret.name, keys: [secret.key], via: 'env', containers, optional });
    }
  }
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef?.name) {
      const optional = !!from.configMapRef.optional;
      uses.push({ kind: 'ConfigMap', name: from.configMapRef.name, via: 'envFrom', containers, optional });
    }
    if (from.secretRef?.name) {
      const optional = !!from.secretRef.optional;
      uses.push({ kind: 'Secret', name: from.secretRef.name, via: 'envFrom', containers, optional });
    }
  }
  return uses;
}

/** volumeUses are the configMap, secret and projected volumes, attributed to the containers that mount them. */
function volumeUses(volumes: V1Volume[], containers: AnyContainer[]): Use[] {
  const uses: Use[] = [];
  for (const volume of volumes) {
    const mountedBy = containers
      .filter((c) => (c.volumeMounts ?? []).some((m) => m.name === volume.name))
      .map((c) => c.name);
    const source = (
      kind: ManagedKind,
      name: string | undefined,
      items: { key: string }[] | undefined,
      optional: boolean | undefined,
      via: ReferenceVia,
    ) => {
      if (!name) return;
      // Items select keys; without them the whole object is projected into the volume.
      const keys = items?.length ? items.map((i) => i.key) : undefined;
      uses.push({ kind, name, keys, via, containers: mountedBy, optional: !!optional });
    };
    const { configMap, secret, projected } = volume;
    if (configMap) source('ConfigMap', configMap.name, configMap.items, configMap.optional, 'volume');
    if (secret) source('Secret', secret.secretName, secret.items, secret.optional, 'volume');
    for (const s of projected?.sources ?? []) {
      if (s.configMap)
        source('ConfigMap', s.configMap.name, s.configMap.items, s.configMap.optional, 'projected');
      if (s.secret) source('Secret', s.secret.name, s.secret.items, s.secret.optional, 'projected');
    }
  }
  return uses;
}

/** mergeUses folds the uses into one sorted reference per kind and name. */
function mergeUses(uses: Use[], namespace: string): ConfigReference[] {
  const merged = new Map<string, { ref: ConfigReference; whole: boolean }>();
  for (const use of uses) {
    const id = `${use.kind}/${use.name}`;
    const entry = merged.get(id) ?? {
      ref: { kind: use.kind, namespace, name: use.name, keys: [], via: [], containers: [], optional: true },
      whole: false,
    };
    merged.set(id, entry);
    const { ref } = entry;
    entry.whole ||= use.keys === undefined;
    ref.keys = entry.whole ? [] : union(ref.keys, use.keys ?? []);
    ref.via = union(ref.via, [use.via]).sort((a, b) => viaOrder.indexOf(a) - viaOrder.indexOf(b));
    ref.containers = union(ref.containers, use.containers);
    ref.optional &&= use.optional;
  }
  return [...merged.values()]
    .map((e) => e.ref)
    .sort((a, b) => compare(a.kind, b.kind) || compare(a.name, b.name));
}

function union<T extends string>(a: T[], b: T[]): T[] {
  return [...new Set([...a, ...b])].sort(compare);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * podTemplateOf returns the pod spec of a workload object as the API returns it: a Pod's spec, or
 * the pod template's spec of a Deployment, StatefulSet, DaemonSet or Job.
 */
export function podTemplateOf(kind: WorkloadKind, raw: object): V1PodSpec | undefined {
  const spec = (raw as { spec?: { template?: { spec?: V1PodSpec } } }).spec;
  if (kind === 'Pod') return spec as V1PodSpec | undefined;
  return spec?.template?.spec;
}

/** podStateOf summarises a pod's status: phase, node, controlling owner and each container's state. */
export function podStateOf(pod: V1Pod): PodState {
  const meta = pod.metadata ?? {};
  const owner = (meta.ownerReferences ?? []).find((o) => o.controller);
  const status = pod.status ?? {};
  // Init containers matter only when they are stuck or restarting; finished ones are not ready by design.
  const init = (status.initContainerStatuses ?? []).filter((c) => c.restartCount > 0 || c.state?.waiting);
  return {
    name: meta.name ?? '',
    namespace: meta.namespace ?? '',
    ...(meta.uid ? { uid: meta.uid } : {}),
    phase: status.phase ?? 'Unknown',
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    ...(owner ? { owner: { kind: owner.kind, name: owner.name } } : {}),
    containers: [...init, ...(status.containerStatuses ?? [])].map(containerStateOf),
  };
}

function containerStateOf(status: V1ContainerStatus): ContainerState {
  const waiting = status.state?.waiting;
  const last = status.lastState?.terminated;
  const finishedAt = isoTime(last?.finishedAt);
  return {
    name: status.name,
    ready: !!status.ready,
    restarts: status.restartCount ?? 0,
    ...(waiting
      ? {
          waiting: {
            reason: waiting.reason ?? 'Waiting',
            ...(waiting.message ? { message: trimMessage(waiting.message) } : {}),
          },
        }
      : {}),
    ...(last
      ? {
          lastTermination: {
            ...(last.reason ? { reason: last.reason } : {}),
            ...(last.exitCode !== undefined ? { exitCode: last.exitCode } : {}),
            ...(finishedAt ? { finishedAt } : {}),
            ...(last.message ? { message: trimMessage(last.message) } : {}),
          },
        }
      : {}),
  };
}

/** isoTime renders an API time (a Date from client-node, or a string from plain JSON) as ISO 8601. */
export function isoTime(time: Date | string | undefined): string | undefined {
  if (time === undefined) return undefined;
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
