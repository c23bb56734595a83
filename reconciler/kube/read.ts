/** The read verb: one object by reference, or undefined when it does not exist. */
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { LiveObject, ObjectRef } from '../core/model.ts';
import { describeRef, type KubeClient } from './client.ts';
import { KubeError } from './kube-errors.ts';
import { toLiveObject } from './live-object.ts';

/** readObject reads one object (Secret values as digests); not found is undefined, not an error. */
export async function readObject(client: KubeClient, ref: ObjectRef): Promise<LiveObject | undefined> {
  const what = `read ${describeRef(ref)}`;
  client.checkScope(what, ref.namespace);
  const params = { name: ref.name, namespace: ref.namespace };
  try {
    const raw: V1ConfigMap | V1Secret = await client.call(what, () =>
      ref.kind === 'ConfigMap'
        ? client.core.readNamespacedConfigMap(params)
        : client.core.readNamespacedSecret(params),
    );
    return toLiveObject(client.cluster, ref.kind, raw);
  } catch (err) {
    if (err instanceof KubeError && err.reason === 'not-found') return undefined;
    throw err;
  }
}
