/** The list verb: every ConfigMap and Secret of a cluster (or of its `--namespaces`), page by page. */
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { LiveObject, ManagedKind } from '../core/model.ts';
import type { KubeClient } from './client.ts';
import { toLiveObject } from './live-object.ts';
import { listNamespaces } from './namespaced-watch.ts';

/** KindList is one kind's objects with the list's resourceVersion (opaque) for a watch to start from. */
export interface KindList {
  objects: LiveObject[];
  resourceVersion: string;
}

/** listKind lists one kind cluster-wide, or in each namespace of the scope (merged). */
export async function listKind(client: KubeClient, kind: ManagedKind): Promise<KindList> {
  if (!client.namespaces) return listIn(client, kind, undefined);
  return listNamespaces(client.namespaces, (ns) => listIn(client, kind, ns));
}

/** listObjects lists every ConfigMap and Secret (Secret values as digests). */
export async function listObjects(client: KubeClient): Promise<LiveObject[]> {
  const [configMaps, secrets] = await Promise.all([
    listKind(client, 'ConfigMap'),
    listKind(client, 'Secret'),
  ]);
  return [...configMaps.objects, ...secrets.objects];
}

async function listIn(
  client: KubeClient,
  kind: ManagedKind,
  namespace: string | undefined,
): Promise<KindList> {
  const { core } = client;
  const where = namespace === undefined ? '' : ` in namespace ${namespace}`;
  const { items, resourceVersion } = await client.call(`list ${kind}s${where}`, () =>
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
  return { objects: items.map((o) => toLiveObject(client.cluster, kind, o)), resourceVersion };
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
