/**
 * The one conversion of an API object into a LiveObject: every list, watch event, read and write
 * answer goes through toLiveObject, so Secret values become digests here and nowhere later.
 */
import type { V1ConfigMap, V1ManagedFieldsEntry, V1Secret } from '@kubernetes/client-node';
import { intern, internRecord } from '../core/intern.ts';
import type { LiveObject, ManagedFieldsEntry, ManagedKind } from '../core/model.ts';
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
 * What it keeps is compact, as the daemon holds one per object and cluster: strings interned (a
 * value every cluster holds is kept once), managedFields reduced to what attribution reads.
 */
export function toLiveObject(cluster: string, kind: ManagedKind, raw: V1ConfigMap | V1Secret): LiveObject {
  const meta = raw.metadata ?? {};
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.data ?? {})) {
    data[k] = intern(kind === 'Secret' ? digestOf(Buffer.from(v, 'base64')) : v);
  }
  const { [lastAppliedAnnotation]: _lastApplied, ...annotations } = meta.annotations ?? {};
  const binaryData = kind === 'ConfigMap' ? (raw as V1ConfigMap).binaryData : undefined;
  return {
    cluster,
    kind,
    namespace: intern(meta.namespace ?? ''),
    name: intern(meta.name ?? ''),
    uid: meta.uid ?? '',
    resourceVersion: meta.resourceVersion ?? '',
    ...(kind === 'Secret' ? { type: intern((raw as V1Secret).type ?? 'Opaque') } : {}),
    ...(raw.immutable !== undefined ? { immutable: raw.immutable } : {}),
    data,
    binaryData: internRecord(binaryData),
    labels: internRecord(meta.labels),
    annotations: internRecord(annotations),
    managedFields: (meta.managedFields ?? []).map(compactEntry),
  };
}

function compactEntry(f: V1ManagedFieldsEntry): ManagedFieldsEntry {
  const fields = f.fieldsV1 as Record<string, unknown> | undefined;
  return {
    manager: intern(f.manager ?? ''),
    operation: intern(f.operation ?? ''),
    ...(f.time ? { time: intern(new Date(f.time).toISOString()) } : {}),
    ...(fields ? { fieldsV1: sharedTree(attributedFields(fields)) } : {}),
  };
}

// Reduced trees by their JSON: objects of one shape (and one object on every cluster) share one.
let trees = new Map<string, Record<string, unknown>>();
const maxTrees = 100_000;

/** sharedTree returns the one frozen instance of an equal tree (it is only ever read). */
function sharedTree(tree: Record<string, unknown>): Record<string, unknown> {
  const signature = JSON.stringify(tree);
  const found = trees.get(signature);
  if (found) return found;
  if (trees.size >= maxTrees) trees = new Map();
  trees.set(signature, deepFreeze(tree));
  return tree;
}

function deepFreeze(tree: Record<string, unknown>): Record<string, unknown> {
  for (const value of Object.values(tree)) if (isMap(value) && !Object.isFrozen(value)) deepFreeze(value);
  return Object.freeze(tree);
}

// One shared leaf for every owned field: attribution asks only whether a path is there.
const owned: Readonly<Record<string, unknown>> = Object.freeze({});
const keyedMaps = ['f:data', 'f:binaryData'] as const;
const metadataMaps = ['f:labels', 'f:annotations'] as const;
const scalars = ['f:type', 'f:immutable'] as const;

/**
 * attributedFields keeps of a managedFields entry's fieldsV1 only what attribution reads (the
 * keys of data, binaryData, labels and annotations; type and immutable), every leaf one shared
 * empty object: the `.` markers and other fields (finalizers, owner references) are dropped.
 */
export function attributedFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const map of keyedMaps) if (isMap(fields[map])) out[map] = keysOf(fields[map]);
  const metadata = fields['f:metadata'];
  if (isMap(metadata)) {
    const kept: Record<string, unknown> = {};
    for (const map of metadataMaps) if (isMap(metadata[map])) kept[map] = keysOf(metadata[map]);
    out['f:metadata'] = kept;
  }
  for (const scalar of scalars) if (scalar in fields) out[scalar] = owned;
  return out;
}

function isMap(node: unknown): node is Record<string, unknown> {
  return typeof node === 'object' && node !== null;
}

function keysOf(node: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(node)) if (key !== '.') out[key] = owned;
  return out;
}
