/**
 * The shared client setup of one cluster's access: the kubeconfig narrowed to one context with a
 * pooled connection, the API clients, the request timeout and the `--namespaces` scope. Every verb
 * (read.ts, list.ts, watch.ts, apply.ts, remove-keys.ts, delete.ts, events.ts) takes a KubeClient.
 */

import type { ObjectRef } from '../core/model.ts';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, Watch } from './client-node.ts';
import { KubeError, kubeCall } from './kube-errors.ts';

/** KubeClientOptions configures kubeClient (the options of kubeClusterAccess). */
export interface KubeClientOptions {
  fieldManager: string;
  /** timeoutMs bounds every request; default 15 s. */
  timeoutMs?: number;
  /**
   * namespaces limits every list, watch and request to these namespaces (for an identity granted a
   * Role per namespace); unset or empty: cluster-wide.
   */
  namespaces?: readonly string[];
}

/** KubeClient is one cluster's API clients and the rules every request follows. */
export interface KubeClient {
  readonly cluster: string;
  readonly fieldManager: string;
  readonly core: CoreV1Api;
  readonly objects: KubernetesObjectApi;
  readonly watcher: Watch;
  /** namespaces is the `--namespaces` scope, undefined for cluster-wide. */
  readonly namespaces: readonly string[] | undefined;
  /** call runs one request with the timeout; its failure becomes a KubeError naming `what`. */
  call<T>(what: string, run: () => Promise<T>): Promise<T>;
  /** checkScope refuses, before any request, a namespace outside `--namespaces`. */
  checkScope(what: string, namespace: string): void;
  /** close aborts the requests in flight and closes the pooled connections. */
  close(): Promise<void>;
}

/** kubeClient sets up the clients of one kubeconfig context; an unknown context throws a KubeError. */
export function kubeClient(
  kubeConfig: KubeConfig,
  cluster: string,
  context: string,
  options: KubeClientOptions,
): KubeClient {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const kc = kubeConfigFor(kubeConfig, context, timeoutMs);
  const namespaces = options.namespaces?.length ? options.namespaces : undefined;
  return {
    cluster,
    fieldManager: options.fieldManager,
    core: kc.makeApiClient(CoreV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
    watcher: new Watch(kc),
    namespaces,
    call: (what, run) => kubeCall(cluster, what, timeoutMs, run),
    // Outside --namespaces trueup has no permission: say so instead of sending a request bound to be denied.
    checkScope: (what, namespace) => {
      if (!namespaces || namespaces.includes(namespace)) return;
      throw new KubeError({
        cluster,
        what,
        reason: 'forbidden',
        detail: `namespace ${namespace} is not in --namespaces (${namespaces.join(', ')})`,
      });
    },
    close: () => kc.close(),
  };
}

/** dryRunParam is the apiserver's dryRun parameter for a request (`All`, or none). */
export function dryRunParam(dryRun: boolean): 'All' | undefined {
  return dryRun ? 'All' : undefined;
}

/** describeRef names an object in request descriptions: `Kind namespace/name`. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
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
