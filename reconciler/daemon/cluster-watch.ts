/**
 * Watching one cluster's ConfigMaps and Secrets for as long as the daemon runs: list, then watch
 * from the list's resourceVersion; a watch the server closes resumes from the last version seen;
 * an expired version (410 Gone) relists at once; any other error is reported and retried with
 * exponential backoff. (client-node's informers stop on errors other than 410 unless restarted,
 * so the loop is written here.)
 */

import type { LiveObject, ManagedKind } from '../core/model.ts';
import type { ClusterAccess, KubeError, WatchEventType } from '../kube/kube-cluster.ts';

/** ClusterWatchHandlers receive what a cluster watch sees. */
export interface ClusterWatchHandlers {
  /** onListed gives every object of a kind after a (re)list: the cache for that kind is replaced. */
  onListed(kind: ManagedKind, objects: LiveObject[]): void;
  onChange(type: WatchEventType, object: LiveObject): void;
  /** onError reports a failed list or watch; the watch retries by itself. */
  onError(error: KubeError): void;
}

/** BackoffOptions bound the wait between retries. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/** ClusterWatch is a running watch; stop ends it. */
export interface ClusterWatch {
  stop(): void;
}

/** watchCluster starts watching both kinds on a cluster. */
export function watchCluster(
  cluster: ClusterAccess,
  handlers: ClusterWatchHandlers,
  backoff: BackoffOptions = { initialMs: 500, maxMs: 30_000 },
): ClusterWatch {
  let stopped = false;
  const stops = new Set<() => void>();
  const sleeps = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        sleeps.delete(done);
        resolve();
      }
      sleeps.add(done);
    });

  const loop = async (kind: ManagedKind) => {
    let resourceVersion: string | undefined;
    let delay = backoff.initialMs;
    while (!stopped) {
      if (resourceVersion === undefined) {
        try {
          const listed = await cluster.listKind(kind);
          if (stopped) return;
          handlers.onListed(kind, listed.objects);
          resourceVersion = listed.resourceVersion;
          delay = backoff.initialMs;
        } catch (err) {
          handlers.onError(err as KubeError);
          await sleep(delay);
          delay = Math.min(delay * 2, backoff.maxMs);
          continue;
        }
      }
      let stopWatch: (() => void) | undefined;
      const error = await new Promise<KubeError | undefined>((resolve) => {
        cluster
          .watchKind(kind, resourceVersion as string, {
            onChange: (type, object) => handlers.onChange(type, object),
            onProgress: (rv) => {
              resourceVersion = rv;
            },
            onDone: resolve,
          })
          .then((stop) => {
            stopWatch = stop;
            stops.add(stop);
            if (stopped) stop();
          });
      });
      if (stopWatch) stops.delete(stopWatch);
      if (stopped) return;
      if (!error) continue;
      if (error.reason === 'gone') {
        resourceVersion = undefined; // the version expired: relist now
      } else if (error.status === undefined && error.message.endsWith('watch closed by the server')) {
        // The server ended the watch (timeoutSeconds): resume from the last version seen. A client
        // timeout is not this: it means the cluster stopped answering, reported below.
      } else {
        handlers.onError(error);
        resourceVersion = undefined;
        await sleep(delay);
        delay = Math.min(delay * 2, backoff.maxMs);
      }
    }
  };

  void loop('ConfigMap');
  void loop('Secret');
  return {
    stop() {
      stopped = true;
      for (const stop of stops) stop();
      for (const wake of sleeps) wake();
    },
  };
}
