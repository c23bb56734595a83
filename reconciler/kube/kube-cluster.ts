/**
 * The Kubernetes edge: one cluster's ConfigMaps and Secrets through @kubernetes/client-node.
 * Secret values are replaced by their digest here, at the point of reading, so no live Secret
 * value travels further. Every call has a timeout; errors carry the object and say whether a
 * retry may help.
 */
import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  type V1Secret,
  Watch,
} from '@kubernetes/client-node';
import type { LiveObject, ManagedKind, ObjectRef } from '../core/model.ts';
import { digestOf } from '../core/secret-value.ts';
import { type ApplyManifest, jsonPointer } from '../sync/plan.ts';
import { KubeError, kubeCall, kubeErrorOf } from './kube-errors.ts';
import { listNamespaces, watchNamespaces } from './namespaced-watch.ts';

/** ClusterAccess is everything the reconciler does on one cluster. */
export interface ClusterAccess {
  readonly name: string;
  /** listObjects lists every ConfigMap and Secret (Secret values as digests). */
  listObjects(): Promise<LiveObject[]>;
  /**
   * listKind lists one kind cluster-wide (or in the namespaces it is limited to), with the list's
   * resourceVersion (opaque) for a watch to start from.
   */
  listKind(kind: ManagedKind): Promise<{ objects: LiveObject[]; resourceVersion: string }>;
  /**
   * watchKind streams changes of one kind from resourceVersion until stopped or the stream ends;
   * done is called once, with a KubeError unless stopped (reason 'gone' when the version expired).
   */
  watchKind(kind: ManagedKind, resourceVersion: string, handlers: WatchHandlers): Promise<() => void>;
  /** read reads one object, or undefined when it does not exist. */
  read(ref: ObjectRef): Promise<LiveObject | undefined>;
  /** apply server-side-applies a manifest as trueup's field manager (force: take over other managers' fields). */
  apply(manifest: ApplyManifest, options: { dryRun: boolean; force: boolean }): Promise<LiveObject>;
  /**
   * validateCreate asks the server whether creating the manifest as a new object would be accepted
   * (validation, quota, admission policies and webhooks), creating nothing: a dry-run create of
   * the same name. The server runs all of those before it looks the name up, so `AlreadyExists`
   * (the object being replaced is still there) means they all passed.
   */
  validateCreate(manifest: ApplyManifest): Promise<void>;
  /** removeKeys removes data/binaryData keys, only if the object is still at resourceVersion. */
  removeKeys(
    ref: ObjectRef,
    paths: string[],
    resourceVersion: string,
    options: { dryRun: boolean },
  ): Promise<LiveObject>;
  /** delete deletes an object, only if it still has this uid and resourceVersion. */
  delete(
    ref: ObjectRef,
    precondition: { uid: string; resourceVersion: string },
    options: { dryRun: boolean },
  ): Promise<void>;
  /** recordEvent records a Kubernetes Event on an object. */
  recordEvent(ref: ObjectRef, uid: string | undefined, event: ObjectEvent): Promise<void>;
  /**
   * close aborts the requests in flight and closes the connections (a one-shot command calls it
   * when done, so an apiserver that never answers cannot keep the process alive); optional for
   * accesses that hold no connections.
   */
  close?(): Promise<void>;
}

/** WatchEventType is the kind of change a watch reports. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** WatchHandlers receive a watch's changes and its end. */
export interface WatchHandlers {
  onChange(type: WatchEventType, object: LiveObject): void;
  /** onProgress reports the newest resourceVersion seen (bookmarks included). */
  onProgress(resourceVersion: string): void;
  onDone(error?: KubeError): void;
}

/** ObjectEvent is a Kubernetes Event trueup records on an object. */
export interface ObjectEvent {
  type: 'Normal' | 'Warning';
  reason: 'DriftDetected' | 'DriftRemediated' | 'RemediationFailed' | 'FlapDetected';
  message: string;
}

export { KubeError, type KubeErrorReason } from './kube-errors.ts';

/** KubeClusterOptions configures kubeClusterAccess. */
export interface KubeClusterOptions {
  fieldManager: string;
  /** timeoutMs bounds every request; default 15 s. */
  timeoutMs?: number;
  /**
   * namespaces limits every list, watch and request to these namespaces (for an identity granted a
   * Role per namespace); unset or empty: cluster-wide.
   */
  namespaces?: readonly string[];
}

/** watchTimeoutSeconds is how long one watch request lasts before it is resumed. */
const watchTimeoutSeconds = 25;

/** kubeClusterAccess returns ClusterAccess for one kubeconfig context. */
export function kubeClusterAccess(
  kubeConfig: KubeConfig,
  cluster: string,
  context: string,
  options: KubeClusterOptions,
): ClusterAccess {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const kc = kubeConfigFor(kubeConfig, context, timeoutMs);
  const core = kc.makeApiClient(CoreV1Api);
  const watcher = new Watch(kc);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const call = <T>(what: string, run: () => Promise<T>): Promise<T> =>
    kubeCall(cluster, what, timeoutMs, run);
  const dry = (dryRun: boolean) => (dryRun ? 'All' : undefined);
  const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
  const describe = (ref: ObjectRef) => `${ref.kind} ${ref.namespace}/${ref.name}`;
  const namespaces = options.namespaces?.length ? options.namespaces : undefined;
  // Outside --namespaces trueup has no permission: say so instead of sending a request bound to be denied.
  const checkScope = (what: string, namespace: string) => {
    if (!namespaces || namespaces.includes(namespace)) return;
    throw new KubeError({
      cluster,
      what,
      reason: 'forbidden',
      detail: `namespace ${namespace} is not in --namespaces (${namespaces.join(', ')})`,
    });
  };
  const listIn = async (kind: ManagedKind, namespace: string | undefined) => {
    const where = namespace === undefined ? '' : ` in namespace ${namespace}`;
    const { items, resourceVersion } = await call(`list ${kind}s${where}`, () =>
      listAll<V1ConfigMap | V1Secret>((cont) => {
        const page = { limit: 500, _continue: cont };
        if (namespace !== undefined) {
          return kind === 'ConfigMap'
            ? core.listNamespacedConfigMap({ namespace, ...page })
            : core.listNamespacedSecret({ namespace, ...page });
        }
        return kind === 'ConfigMap'
          ? core.listConfigMapForAllNamespaces(page)
          : core.listSecretForAllNamespaces(page);
      }),
    );
    return { objects: items.map((o) => toLiveObject(cluster, kind, o)), resourceVersion };
  };

  const watchIn = async (
    kind: ManagedKind,
    namespace: string | undefined,
    resourceVersion: string,
    handlers: WatchHandlers,
  ): Promise<() => void> => {
    let stopped = false;
    let finished = false;
    const finish = (error?: KubeError) => {
      if (finished) return;
      finished = true;
      handlers.onDone(stopped ? undefined : error);
    };
    const base = namespace === undefined ? '/api/v1' : `/api/v1/namespaces/${namespace}`;
    const path = `${base}/${kind === 'ConfigMap' ? 'configmaps' : 'secrets'}`;
    const what = `watch ${kind}s${namespace === undefined ? '' : ` in namespace ${namespace}`}`;
    const controller = await watcher
      .watch(
        path,
        // The server ends the watch before client-node's 30 s inactivity timeout; it resumes from here.
        { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: watchTimeoutSeconds },
        (type, obj) => {
          if (type === 'BOOKMARK')
            return handlers.onProgress(obj?.metadata?.resourceVersion ?? resourceVersion);
          if (type === 'ERROR') {
            const reason = obj?.code === 410 ? 'gone' : 'other';
            return finish(
              new KubeError({
                cluster,
                what,
                reason,
                status: obj?.code,
                detail: obj?.message ?? 'watch error',
              }),
            );
          }
          // The object is converted (Secret values to digests) before anything else sees it.
          const live = toLiveObject(cluster, kind, obj);
          handlers.onChange(type as WatchEventType, live);
          handlers.onProgress(live.resourceVersion);
        },
        (err) =>
          finish(
            err
              ? kubeErrorOf(cluster, what, err)
              : new KubeError({ cluster, what, reason: 'other', detail: 'watch closed by the server' }),
          ),
      )
      .catch((err) => {
        finish(kubeErrorOf(cluster, what, err));
        return undefined;
      });
    return () => {
      stopped = true;
      controller?.abort();
      finish();
    };
  };

  return {
    name: cluster,
    close: () => kc.close(),
    async listObjects() {
      const [configMaps, secrets] = await Promise.all([this.listKind('ConfigMap'), this.listKind('Secret')]);
      return [...configMaps.objects, ...secrets.objects];
    },
    async listKind(kind) {
      if (!namespaces) return listIn(kind, undefined);
      return listNamespaces(namespaces, (ns) => listIn(kind, ns));
    },
    async watchKind(kind, resourceVersion, handlers) {
      if (!namespaces) return watchIn(kind, undefined, resourceVersion, handlers);
      return watchNamespaces(namespaces, resourceVersion, handlers, (ns, rv, h) => watchIn(kind, ns, rv, h));
    },
    async read(ref) {
      checkScope(`read ${describe(ref)}`, ref.namespace);
      try {
        const raw = await call(`read ${describe(ref)}`, () =>
          ref.kind === 'ConfigMap'
            ? core.readNamespacedConfigMap({ name: ref.name, namespace: ref.namespace })
            : core.readNamespacedSecret({ name: ref.name, namespace: ref.namespace }),
        );
        return toLiveObject(cluster, ref.kind, raw);
      } catch (err) {
        if (err instanceof KubeError && err.reason === 'not-found') return undefined;
        throw err;
      }
    },
    async apply(manifest, { dryRun, force }) {
      const what = `${dryRun ? 'dry-run ' : ''}apply ${manifest.kind} ${manifest.metadata.namespace}/${manifest.metadata.name}`;
      checkScope(what, manifest.metadata.namespace);
      const raw = await call(what, () =>
        objects.patch(
          manifest,
          undefined,
          dry(dryRun),
          options.fieldManager,
          force,
          PatchStrategy.ServerSideApply,
        ),
      );
      return toLiveObject(cluster, manifest.kind, raw as V1ConfigMap | V1Secret);
    },
    async validateCreate(manifest) {
      const what = `dry-run create ${manifest.kind} ${manifest.metadata.namespace}/${manifest.metadata.name}`;
      checkScope(what, manifest.metadata.namespace);
      try {
        await call(what, () => objects.create(manifest, undefined, 'All', options.fieldManager));
      } catch (err) {
        // Name lookup comes after validation and validating admission in the apiserver's create path.
        if (err instanceof KubeError && err.status === 409 && err.statusReason === 'AlreadyExists') return;
        throw err;
      }
    },
    async removeKeys(ref, paths, resourceVersion, { dryRun }) {
      const body = [
        { op: 'test', path: '/metadata/resourceVersion', value: resourceVersion },
        ...paths.map((p) => ({ op: 'remove', path: jsonPointer(p) })),
      ];
      const params = {
        name: ref.name,
        namespace: ref.namespace,
        body,
        dryRun: dry(dryRun),
        fieldManager: options.fieldManager,
      };
      const what = `${dryRun ? 'dry-run ' : ''}remove keys from ${describe(ref)}`;
      checkScope(what, ref.namespace);
      try {
        const raw = await call(what, () =>
          ref.kind === 'ConfigMap'
            ? core.patchNamespacedConfigMap(params, jsonPatch)
            : core.patchNamespacedSecret(params, jsonPatch),
        );
        return toLiveObject(cluster, ref.kind, raw);
      } catch (err) {
        // A failed `test` means someone changed the object since it was read: never act on stale data.
        if (err instanceof KubeError && err.status === 422 && /test/i.test(err.message)) {
          throw new KubeError({
            cluster,
            what,
            reason: 'conflict',
            status: 409,
            detail: `changed since it was read at resourceVersion ${resourceVersion}`,
          });
        }
        throw err;
      }
    },
    async delete(ref, precondition, { dryRun }) {
      checkScope(`${dryRun ? 'dry-run ' : ''}delete ${describe(ref)}`, ref.namespace);
      const params = {
        name: ref.name,
        namespace: ref.namespace,
        dryRun: dry(dryRun),
        // dryRun goes in the body too: the query parameter alone was not honoured (found by test).
        body: {
          preconditions: { uid: precondition.uid, resourceVersion: precondition.resourceVersion },
          ...(dryRun ? { dryRun: ['All'] } : {}),
        },
      };
      await call(`${dryRun ? 'dry-run ' : ''}delete ${describe(ref)}`, () =>
        ref.kind === 'ConfigMap'
          ? core.deleteNamespacedConfigMap(params)
          : core.deleteNamespacedSecret(params),
      );
    },
    async recordEvent(ref, uid, event) {
      checkScope(`record event on ${describe(ref)}`, ref.namespace);
      const now = new Date();
      await call(`record event on ${describe(ref)}`, () =>
        core.createNamespacedEvent({
          namespace: ref.namespace,
          body: {
            metadata: { generateName: `${ref.name}.`, namespace: ref.namespace },
            involvedObject: {
              apiVersion: 'v1',
              kind: ref.kind,
              namespace: ref.namespace,
              name: ref.name,
              uid,
            },
            type: event.type,
            reason: event.reason,
            // Keep Event notes short (events.k8s.io caps them at 1 kB); the full story is in the audit store.
            message: event.message.length > 1000 ? `${event.message.slice(0, 997)}...` : event.message,
            source: { component: 'trueup' },
            reportingComponent: 'trueup',
            reportingInstance: options.fieldManager,
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        }),
      );
    },
  };
}

/**
 * PooledKubeConfig reuses one HTTP dispatcher (and so its keep-alive TLS connections) for every
 * request to its cluster. client-node 2.0 makes a new dispatcher per request, so each request paid
 * a TLS handshake (measured with bench/: ~11 ms -> ~4 ms per read). Headers (tokens) are still
 * computed per request; only the connection pool is shared.
 *
 * Every request also gets an abort signal: it ends at the request timeout and when the config is
 * closed; connecting is bounded by the same timeout. (kubeCall's race alone left the request and
 * its socket running: a frozen apiserver kept a one-shot command alive ~20 s after its report.)
 * Watches keep their own controller.
 */
class PooledKubeConfig extends KubeConfig {
  #dispatcher: { destroy(): Promise<void> } | undefined;
  readonly #closing = new AbortController();
  readonly #timeoutMs: number;

  constructor(timeoutMs: number) {
    super();
    this.#timeoutMs = timeoutMs;
  }

  override async applySecurityAuthentication(
    context: Parameters<KubeConfig['applySecurityAuthentication']>[0],
  ): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setSignal(AbortSignal.any([this.#closing.signal, AbortSignal.timeout(this.#timeoutMs)]));
    const fresh = context.getDispatcher();
    if (fresh === undefined) return;
    this.#dispatcher ??= fresh as unknown as { destroy(): Promise<void> };
    context.setDispatcher(this.#dispatcher as unknown as typeof fresh);
  }

  // A connection being opened is not cancelled by aborting its request (undici): bound it too.
  override createDispatcherOptions(
    ...args: Parameters<KubeConfig['createDispatcherOptions']>
  ): ReturnType<KubeConfig['createDispatcherOptions']> {
    const opts = super.createDispatcherOptions(...args);
    if (opts.type !== 'agent' && opts.type !== 'proxy') return opts;
    return { ...opts, connect: { ...opts.connect, timeout: this.#timeoutMs } };
  }

  /** close aborts every request in flight and destroys the pooled connections, connecting ones too. */
  async close(): Promise<void> {
    this.#closing.abort(new Error('cluster access closed'));
    await this.#dispatcher?.destroy().catch(() => undefined);
  }
}

function kubeConfigFor(kubeConfig: KubeConfig, context: string, timeoutMs: number): PooledKubeConfig {
  const kc = new PooledKubeConfig(timeoutMs);
  kc.loadFromOptions({
    clusters: kubeConfig.clusters,
    users: kubeConfig.users,
    contexts: kubeConfig.contexts,
    currentContext: context,
  });
  if (!kubeConfig.contexts.some((c) => c.name === context)) {
    throw new KubeError({
      cluster: context,
      what: 'load kubeconfig',
      reason: 'other',
      detail: `no context named ${context} in the kubeconfig`,
    });
  }
  return kc;
}

async function listAll<T>(
  page: (
    cont?: string,
  ) => Promise<{ items: T[]; metadata?: { _continue?: string; resourceVersion?: string } }>,
): Promise<{ items: T[]; resourceVersion: string }> {
  const items: T[] = [];
  let cont: string | undefined;
  let resourceVersion = '';
  do {
    const list = await page(cont);
    items.push(...list.items);
    resourceVersion = list.metadata?.resourceVersion ?? resourceVersion;
    cont = list.metadata?._continue || undefined;
  } while (cont);
  return { items, resourceVersion };
}

/**
 * lastAppliedAnnotation is where `kubectl apply` (client-side) keeps the whole object it applied: for
 * a Secret that is every value in plaintext, so it is dropped when an object is read.
 */
export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * toLiveObject converts an API object (every list, watch event, read and write answer goes through
 * it): Secret values become digests here and nowhere later, and the last-applied-configuration
 * annotation (a copy of the values) is dropped, for ConfigMaps too (their values may be SOPS-decrypted).
 */
export function toLiveObject(cluster: string, kind: ManagedKind, raw: V1ConfigMap | V1Secret): LiveObject {
  const meta = raw.metadata ?? {};
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.data ?? {})) {
    data[k] = kind === 'Secret' ? digestOf(Buffer.from(v, 'base64')) : v;
  }
  const { [lastAppliedAnnotation]: _lastApplied, ...annotations } = meta.annotations ?? {};
  return {
    cluster,
    kind,
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    uid: meta.uid ?? '',
    resourceVersion: meta.resourceVersion ?? '',
    ...(kind === 'Secret' ? { type: (raw as V1Secret).type ?? 'Opaque' } : {}),
    ...(raw.immutable !== undefined ? { immutable: raw.immutable } : {}),
    data,
    binaryData: kind === 'ConfigMap' ? { ...((raw as V1ConfigMap).binaryData ?? {}) } : {},
    labels: { ...(meta.labels ?? {}) },
    annotations,
    managedFields: (meta.managedFields ?? []).map((f) => ({
      manager: f.manager ?? '',
      operation: f.operation ?? '',
      ...(f.time ? { time: new Date(f.time).toISOString() } : {}),
      ...(f.fieldsV1 ? { fieldsV1: f.fieldsV1 as Record<string, unknown> } : {}),
    })),
  };
}
