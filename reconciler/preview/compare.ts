/**
 * The head against the base, per cluster: which objects it creates or deletes and which field
 * paths it adds, changes or removes. Pure. Secret values (and values SOPS decrypted) are compared
 * and shown only as keyed digests: SecretValue's digest, never its bytes.
 */
import { type DesiredObject, objectKey } from '../core/model.ts';
import { digestOf, SecretValue } from '../core/secret-value.ts';
import type { KeyChange, ObjectChange } from './model.ts';

/** compareObjects lists what the head's objects change relative to the base's, in a stable order. */
export function compareObjects(
  base: readonly DesiredObject[],
  head: readonly DesiredObject[],
): ObjectChange[] {
  const before = new Map(base.map((o) => [objectKey(o), o]));
  const after = new Map(head.map((o) => [objectKey(o), o]));
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changes: ObjectChange[] = [];
  for (const key of keys) {
    const b = before.get(key);
    const h = after.get(key);
    const ref = (h ?? b) as DesiredObject;
    const keyChanges = compareFields(b, h);
    if (b && h && keyChanges.length === 0) continue;
    changes.push({
      kind: ref.kind,
      namespace: ref.namespace,
      name: ref.name,
      change: !b ? 'created' : !h ? 'deleted' : 'modified',
      keys: keyChanges,
    });
  }
  return changes;
}

/** fieldsOf flattens an object's declared fields to path -> shown value (Secret values as digests). */
export function fieldsOf(o: DesiredObject | undefined): Map<string, string> {
  const fields = new Map<string, string>();
  if (!o) return fields;
  const sealed = new Set(o.secretPaths);
  const shown = (path: string, v: string | SecretValue) =>
    v instanceof SecretValue ? v.digest : sealed.has(path) ? digestOf(v) : v;
  for (const [k, v] of Object.entries(o.data)) fields.set(`data.${k}`, shown(`data.${k}`, v));
  for (const [k, v] of Object.entries(o.binaryData)) fields.set(`binaryData.${k}`, v);
  for (const [k, v] of Object.entries(o.labels))
    fields.set(`metadata.labels.${k}`, shown(`metadata.labels.${k}`, v));
  for (const [k, v] of Object.entries(o.annotations))
    fields.set(`metadata.annotations.${k}`, shown(`metadata.annotations.${k}`, v));
  // The implicit Secret type is Opaque: declaring it or not is no change.
  if (o.kind === 'Secret') fields.set('type', o.type ?? 'Opaque');
  if (o.immutable !== undefined) fields.set('immutable', String(o.immutable));
  return fields;
}

function compareFields(base: DesiredObject | undefined, head: DesiredObject | undefined): KeyChange[] {
  const before = fieldsOf(base);
  const after = fieldsOf(head);
  const changes: KeyChange[] = [];
  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(path);
    const h = after.get(path);
    if (b === h) continue;
    if (b === undefined) changes.push({ path, type: 'added', head: h as string });
    else if (h === undefined) changes.push({ path, type: 'removed', base: b });
    else changes.push({ path, type: 'changed', base: b, head: h });
  }
  return changes;
}
