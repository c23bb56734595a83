/**
 * Attribution: which field manager (kubectl-edit, kubectl-client-side-apply, helm, …) last wrote
 * each drifted field, read from managedFields. Pure.
 */
import type { DriftedBy, FieldChange, ManagedFieldsEntry } from '../core/model.ts';

const prefixes: [string, string[]][] = [
  ['metadata.labels.', ['f:metadata', 'f:labels']],
  ['metadata.annotations.', ['f:metadata', 'f:annotations']],
  ['binaryData.', ['f:binaryData']],
  ['data.', ['f:data']],
];

/** fieldsPath maps a drift path (`data.ca.crt`) to its managedFields path (`f:data`, `f:ca.crt`). */
export function fieldsPath(path: string): string[] {
  for (const [prefix, parents] of prefixes) {
    if (path.startsWith(prefix)) return [...parents, `f:${path.slice(prefix.length)}`];
  }
  return [`f:${path}`];
}

function owns(entry: ManagedFieldsEntry, path: string[]): boolean {
  let node: unknown = entry.fieldsV1;
  for (const step of path) {
    if (typeof node !== 'object' || node === null || !(step in node)) return false;
    node = (node as Record<string, unknown>)[step];
  }
  return true;
}

/** ownersOf lists the field managers that own a drift path. */
export function ownersOf(path: string, entries: ManagedFieldsEntry[]): string[] {
  const fields = fieldsPath(path);
  return entries.filter((e) => owns(e, fields)).map((e) => e.manager);
}

/**
 * attributeChanges names, for each drifted field, the managers other than trueup's that own it.
 * A removed field has no owner left; it is attributed to the latest other manager that wrote the
 * field's parent map (the edit that removed it), when there is one.
 */
export function attributeChanges(
  changes: FieldChange[],
  entries: ManagedFieldsEntry[],
  fieldManager: string,
): DriftedBy[] {
  const others = entries.filter((e) => e.manager !== fieldManager);
  const byManager = new Map<string, DriftedBy>();
  const credit = (entry: ManagedFieldsEntry, path: string) => {
    const key = `${entry.manager}\u0000${entry.operation}`;
    const found = byManager.get(key) ?? {
      manager: entry.manager,
      operation: entry.operation,
      ...(entry.time ? { time: entry.time } : {}),
      paths: [],
    };
    found.paths.push(path);
    byManager.set(key, found);
  };
  for (const change of changes) {
    const path = fieldsPath(change.path);
    const owners = change.type === 'removed' ? [] : others.filter((e) => owns(e, path));
    if (owners.length > 0) {
      for (const owner of owners) credit(owner, change.path);
      continue;
    }
    const parent = path.slice(0, -1);
    const latest = others
      .filter((e) => e.operation === 'Update' && owns(e, parent))
      .sort((a, b) => (b.time ?? '').localeCompare(a.time ?? ''))[0];
    if (latest) credit(latest, change.path);
  }
  return [...byManager.values()];
}
