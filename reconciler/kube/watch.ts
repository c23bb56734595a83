/**
 * The watch verb: a kind's changes from a resourceVersion, cluster-wide or one watch per namespace of
 * the scope (merged). Objects are converted (Secret values to digests) before a handler sees them.
 */
import type { ManagedKind } from '../core/model.ts';
import type { KubeClient } from './client.ts';
import type { WatchEventType, WatchHandlers } from './kube-cluster.ts';
import { KubeError, kubeErrorOf } from './kube-errors.ts';
import { toLiveObject } from './live-object.ts';
import { watchNamespaces } from './namespaced-watch.ts';

/** watchTimeoutSeconds is how long one watch request lasts before it is resumed. */
const watchTimeoutSeconds = 25;

/** watchKind watches one kind from resourceVersion; the returned function stops it. */
export async function watchKind(
  client: KubeClient,
  kind: ManagedKind,
  resourceVersion: string,
  handlers: WatchHandlers,
): Promise<() => void> {
  if (!client.namespaces) return watchIn(client, kind, undefined, resourceVersion, handlers);
  return watchNamespaces(client.namespaces, resourceVersion, handlers, (ns, rv, h) =>
    watchIn(client, kind, ns, rv, h),
  );
}

async function watchIn(
  client: KubeClient,
  kind: ManagedKind,
  namespace: string | undefined,
  resourceVersion: string,
  handlers: WatchHandlers,
): Promise<() => void> {
  const { cluster } = client;
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
  const controller = await client.watcher
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
}
