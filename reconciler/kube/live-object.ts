/**
 * The one conversion of an API object into a LiveObject: every list, watch event, read and write
 * answer goes through toLiveObject, so Secret values become digests here and nowhere later.
 */
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { LiveObject, ManagedKind } from '../core/model.ts';
import { digestOf } from '../core/secret-value.ts';

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
