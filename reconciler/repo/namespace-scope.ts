/**
 * Namespace scope (`--namespaces`): when trueup may only read and write some namespaces, the
 * objects the repo declares elsewhere cannot be reconciled. They are taken out of the desired state
 * and reported as repo errors naming the object, its file and the namespace — never silently left
 * out. Pure: a desired state in, a desired state out.
 */

import { type DesiredObject, objectKey, type RepoError } from '../core/model.ts';
import type { FleetState } from './fleet-state.ts';

/**
 * scopeToNamespaces keeps the desired objects in the given namespaces; each object declared
 * elsewhere becomes one repo error (naming the clusters it was meant for) and an errored object on
 * those clusters. An empty list means every namespace: the state is returned unchanged.
 */
export function scopeToNamespaces(state: FleetState, namespaces: readonly string[]): FleetState {
  if (namespaces.length === 0) return state;
  const allowed = new Set(namespaces);
  const outside = new Map<string, { object: DesiredObject; clusters: string[] }>();
  const clusters = state.clusters.map((c) => {
    const kept = c.objects.filter((o) => allowed.has(o.namespace));
    if (kept.length === c.objects.length) return c;
    const erroredObjects = new Set(c.erroredObjects);
    for (const o of c.objects) {
      if (allowed.has(o.namespace)) continue;
      const key = objectKey(o);
      erroredObjects.add(key);
      const entry = outside.get(key) ?? { object: o, clusters: [] };
      entry.clusters.push(c.cluster.name);
      outside.set(key, entry);
    }
    return { ...c, objects: kept, erroredObjects };
  });
  if (outside.size === 0) return state;
  const list = namespaces.join(', ');
  const errors: RepoError[] = [...outside.values()].map(({ object, clusters: names }) => ({
    ...originOf(object),
    ...(names.length === 1 ? { cluster: names[0] } : {}),
    message:
      `${object.kind} ${object.namespace}/${object.name}: namespace ${object.namespace} is not in ` +
      `--namespaces (${list}); not reconciled${names.length > 1 ? ` on ${names.join(', ')}` : ''}`,
  }));
  return {
    ...state,
    clusters,
    errors: [...state.errors, ...errors],
    conflicts: state.conflicts.filter((c) => allowed.has(c.namespace)),
  };
}

/** originOf is where the object is declared: the earliest file and line of its provenance. */
function originOf(object: DesiredObject): { file?: string; line?: number } {
  const origins = Object.values(object.provenance).sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line,
  );
  const first = origins[0];
  return first ? { file: first.file, line: first.line } : {};
}
