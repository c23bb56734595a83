/** The delete verb: delete an object only if it still has the uid and resourceVersion it was read at. */
import type { ObjectRef } from '../core/model.ts';
import { describeRef, dryRunParam, type KubeClient } from './client.ts';

/** deleteObject deletes an object under a uid and resourceVersion precondition. */
export async function deleteObject(
  client: KubeClient,
  ref: ObjectRef,
  precondition: { uid: string; resourceVersion: string },
  { dryRun }: { dryRun: boolean },
): Promise<void> {
  const what = `${dryRun ? 'dry-run ' : ''}delete ${describeRef(ref)}`;
  client.checkScope(what, ref.namespace);
  const params = {
    name: ref.name,
    namespace: ref.namespace,
    dryRun: dryRunParam(dryRun),
    // dryRun goes in the body too: the query parameter alone was not honoured (found by test).
    body: {
      preconditions: { uid: precondition.uid, resourceVersion: precondition.resourceVersion },
      ...(dryRun ? { dryRun: ['All'] } : {}),
    },
  };
  await client.call(what, () =>
    ref.kind === 'ConfigMap'
      ? client.core.deleteNamespacedConfigMap(params)
      : client.core.deleteNamespacedSecret(params),
  );
}
