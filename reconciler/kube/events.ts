/** The events verb: a Kubernetes Event on an object, for `kubectl describe` to show what trueup did. */
import type { ObjectRef } from '../core/model.ts';
import { describeRef, type KubeClient } from './client.ts';
import type { ObjectEvent } from './kube-cluster.ts';

/** recordEvent creates an Event on the object (uid: the object's, when known). */
export async function recordEvent(
  client: KubeClient,
  ref: ObjectRef,
  uid: string | undefined,
  event: ObjectEvent,
): Promise<void> {
  const what = `record event on ${describeRef(ref)}`;
  client.checkScope(what, ref.namespace);
  const now = new Date();
  await client.call(what, () =>
    client.core.createNamespacedEvent({
      namespace: ref.namespace,
      body: {
        metadata: { generateName: `${ref.name}.`, namespace: ref.namespace },
        involvedObject: { apiVersion: 'v1', kind: ref.kind, namespace: ref.namespace, name: ref.name, uid },
        type: event.type,
        reason: event.reason,
        // Keep Event notes short (events.k8s.io caps them at 1 kB); the full story is in the audit store.
        message: event.message.length > 1000 ? `${event.message.slice(0, 997)}...` : event.message,
        source: { component: 'trueup' },
        reportingComponent: 'trueup',
        reportingInstance: client.fieldManager,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    }),
  );
}
