/**
 * Fixtures for the audit store's tests (store, ids, retention): one drifted ConfigMap and the
 * change-set entry that holds it for approval. Test code only.
 */
import type { Drift } from './model.ts';
import type { ChangeSetEntry } from './reconcile.ts';

/** modifiedDrift is a ConfigMap `name` in c1/ns whose key `a` differs (desired 1, live 2). */
export const modifiedDrift = (name: string): Drift => ({
  cluster: 'c1',
  kind: 'ConfigMap',
  namespace: 'ns',
  name,
  status: 'modified',
  changes: [{ path: 'data.a', type: 'changed', desired: '1', live: '2' }],
  driftedBy: [],
});

/** heldEntry is the change-set entry that waits for approval of modifiedDrift(name). */
export const heldEntry = (name: string, resourceVersion = '1'): ChangeSetEntry =>
  ({
    ...modifiedDrift(name),
    action: 'skipped',
    reasons: ['held'],
    decision: { mode: 'approve', reasons: ['held'], ruleRefs: [] },
    pending: { resourceVersion },
  }) as unknown as ChangeSetEntry;
