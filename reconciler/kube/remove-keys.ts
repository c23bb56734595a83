/**
 * The remove-keys verb: a JSON patch that removes data/binaryData keys, guarded by a `test` of the
 * resourceVersion so that it never acts on an object changed since it was read.
 */

import type { LiveObject, ObjectRef } from '../core/model.ts';
import { jsonPointer } from '../sync/plan.ts';
import { describeRef, dryRunParam, type KubeClient } from './client.ts';
import { PatchStrategy, setHeaderOptions } from './client-node.ts';
import { KubeError } from './kube-errors.ts';
import { toLiveObject } from './live-object.ts';

const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

/** removeKeys removes keys, only if the object is still at resourceVersion (else a conflict). */
export async function removeKeys(
  client: KubeClient,
  ref: ObjectRef,
  paths: string[],
  resourceVersion: string,
  { dryRun }: { dryRun: boolean },
): Promise<LiveObject> {
  const body = [
    { op: 'test', path: '/metadata/resourceVersion', value: resourceVersion },
    ...paths.map((p) => ({ op: 'remove', path: jsonPointer(p) })),
  ];
  const params = {
    name: ref.name,
    namespace: ref.namespace,
    body,
    dryRun: dryRunParam(dryRun),
    fieldManager: client.fieldManager,
  };
  const what = `${dryRun ? 'dry-run ' : ''}remove keys from ${describeRef(ref)}`;
  client.checkScope(what, ref.namespace);
  try {
    const raw = await client.call(what, () =>
      ref.kind === 'ConfigMap'
        ? client.core.patchNamespacedConfigMap(params, jsonPatch)
        : client.core.patchNamespacedSecret(params, jsonPatch),
    );
    return toLiveObject(client.cluster, ref.kind, raw);
  } catch (err) {
    // A failed `test` means someone changed the object since it was read: never act on stale data.
    if (err instanceof KubeError && err.status === 422 && /test/i.test(err.message)) {
      throw new KubeError({
        cluster: client.cluster,
        what,
        reason: 'conflict',
        status: 409,
        detail: `changed since it was read at resourceVersion ${resourceVersion}`,
      });
    }
    throw err;
  }
}
