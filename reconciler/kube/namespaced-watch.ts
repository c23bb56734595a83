/**
 * Listing and watching only some namespaces (`--namespaces`, for an identity with a Role per
 * namespace instead of a ClusterRole): one list or watch per namespace, merged so that callers see
 * one list and one watch per kind, as with the cluster-wide calls.
 *
 * Each namespace's list has its own resourceVersion, so the merged version is a composite
 * (`namespaces:a=120,b=97`) that ClusterAccess callers keep as the opaque string it always was:
 * each namespace's watch starts from its own list's version and resumes from its own last event,
 * so nothing is replayed and nothing is skipped. A plain version (from elsewhere) starts every
 * namespace from it.
 */

import type { LiveObject } from '../core/model.ts';
import type { KubeError, WatchHandlers } from './kube-cluster.ts';

const prefix = 'namespaces:';

/** encodeVersions joins per-namespace resourceVersions into one composite resourceVersion. */
export function encodeVersions(versions: ReadonlyMap<string, string>): string {
  return `${prefix}${[...versions].map(([ns, rv]) => `${ns}=${rv}`).join(',')}`;
}

/**
 * decodeVersions gives each namespace the version to start from: its own in a composite version,
 * else the plain version (or a namespace missing from the composite: its smallest version).
 */
export function decodeVersions(resourceVersion: string, namespaces: readonly string[]): Map<string, string> {
  if (!resourceVersion.startsWith(prefix)) return new Map(namespaces.map((ns) => [ns, resourceVersion]));
  const known = new Map(
    resourceVersion
      .slice(prefix.length)
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), pair.slice(at + 1)] as const;
      }),
  );
  const fallback = smallestVersion([...known.values()]);
  return new Map(namespaces.map((ns) => [ns, known.get(ns) ?? fallback]));
}

/** smallestVersion is the oldest of numeric resourceVersions (etcd revisions); '' for none. */
export function smallestVersion(versions: readonly string[]): string {
  let smallest: string | undefined;
  for (const v of versions) {
    if (smallest === undefined || (/^\d+$/.test(v) && /^\d+$/.test(smallest) && BigInt(v) < BigInt(smallest)))
      smallest = v;
  }
  return smallest ?? '';
}

/** listNamespaces lists each namespace (in parallel) and merges the objects and versions. */
export async function listNamespaces(
  namespaces: readonly string[],
  listOne: (namespace: string) => Promise<{ objects: LiveObject[]; resourceVersion: string }>,
): Promise<{ objects: LiveObject[]; resourceVersion: string }> {
  const lists = await Promise.all(namespaces.map(listOne));
  return {
    objects: lists.flatMap((l) => l.objects),
    resourceVersion: encodeVersions(
      new Map(namespaces.map((ns, i) => [ns, lists[i]?.resourceVersion ?? ''])),
    ),
  };
}

/** WatchOne starts one namespace's watch with the ClusterAccess.watchKind contract. */
export type WatchOne = (
  namespace: string,
  resourceVersion: string,
  handlers: WatchHandlers,
) => Promise<() => void>;

/**
 * watchNamespaces runs one watch per namespace as one watch: progress is the composite of each
 * namespace's newest version; the first namespace watch to end (error or closed by the server) ends
 * them all, and onDone is called once — with that error, or with none when stopped.
 */
export async function watchNamespaces(
  namespaces: readonly string[],
  resourceVersion: string,
  handlers: WatchHandlers,
  watchOne: WatchOne,
): Promise<() => void> {
  const progress = decodeVersions(resourceVersion, namespaces);
  const stops: (() => void)[] = [];
  let finished = false;
  let stopped = false;
  const stopAll = () => {
    for (const stop of stops.splice(0)) stop();
  };
  const finish = (error?: KubeError) => {
    if (finished) return;
    finished = true;
    stopAll();
    handlers.onDone(stopped ? undefined : error);
  };
  const started = await Promise.all(
    namespaces.map((ns) =>
      watchOne(ns, progress.get(ns) ?? resourceVersion, {
        onChange: (type, object) => {
          if (!finished) handlers.onChange(type, object);
        },
        onProgress: (rv) => {
          if (finished) return;
          progress.set(ns, rv);
          handlers.onProgress(encodeVersions(progress));
        },
        onDone: (error) => {
          // A namespace watch that ends ends the whole watch; the caller resumes or relists.
          if (!finished) finish(error);
        },
      }),
    ),
  );
  stops.push(...started);
  // A namespace watch may have ended while the others were still starting.
  if (finished) stopAll();
  return () => {
    stopped = true;
    finish();
  };
}
