/**
 * Builders for chat unit tests: a held approval, an incident, and a daemon stand-in whose events
 * tests fire by hand. Test-only (imported by *.test.ts beside it).
 */
import type { Incident } from '../../diagnose/incident.ts';
import type { Daemon, DaemonEvent, DaemonStatus } from '../../reconciler/daemon.ts';
import type { FleetState } from '../../reconciler/fleet-state.ts';
import type { Drift } from '../../reconciler/model.ts';
import type { ChangeSetEntry } from '../../reconciler/reconcile.ts';
import type { AuditStore } from '../../reconciler/store.ts';

/** heldDrift is a ConfigMap edited with kubectl, held for approval by a rule. */
export function heldDrift(name = 'app', namespace = 'shop', cluster = 'prod-eu'): Drift {
  return {
    cluster,
    kind: 'ConfigMap',
    namespace,
    name,
    status: 'modified',
    changes: [
      { path: 'data.color', type: 'changed', desired: 'blue', live: 'red' },
      { path: 'data.extra', type: 'added', live: 'oops' },
    ],
    driftedBy: [
      { manager: 'kubectl-edit', operation: 'Update', time: '2026-01-02T03:04:05Z', paths: ['data.color'] },
    ],
    provenance: { 'data.color': { file: 'base/app.yaml', line: 5 } },
    decision: {
      mode: 'approve',
      reasons: ['rule careful (policies.yaml:3) says approve'],
      ruleRefs: ['careful (policies.yaml:3)'],
    },
  };
}

/** heldEntry is the change set entry the daemon records for a held drift. */
export function heldEntry(drift: Drift): ChangeSetEntry {
  return {
    cluster: drift.cluster,
    kind: drift.kind,
    namespace: drift.namespace,
    name: drift.name,
    action: 'skipped',
    reasons: ['waiting for approval'],
    decision: drift.decision ?? { mode: 'approve', reasons: [], ruleRefs: [] },
    dryRun: 'passed',
    pending: { action: 'configured', resourceVersion: '42' },
  };
}

/** queueHeld queues a held change in the store and returns its approval. */
export function queueHeld(store: AuditStore, name = 'app', cluster = 'prod-eu') {
  const drift = heldDrift(name, 'shop', cluster);
  return store.queueApproval('0123456789abcdef0123456789abcdef01234567', heldEntry(drift), drift);
}

/** FakeDaemon is a daemon stand-in with a fixed fleet and hand-fired events. */
export interface FakeDaemon {
  daemon: Daemon;
  emit(event: DaemonEvent): void;
  drifts: Drift[];
}

/** fakeDaemon builds a daemon stand-in with clusters prod-eu (env=prod) and stg-1 (env=staging). */
export function fakeDaemon(state?: FleetState): FakeDaemon {
  const listeners = new Set<(e: DaemonEvent) => void>();
  const drifts: Drift[] = [];
  const status: DaemonStatus = {
    revision: '0123456789abcdef0123456789abcdef01234567',
    ready: true,
    errors: [],
    clusters: [
      {
        name: 'prod-eu',
        labels: { env: 'prod' },
        status: 'held',
        held: 1,
        reachable: true,
        synced: true,
        objects: 3,
        drifted: 1,
      },
      {
        name: 'stg-1',
        labels: { env: 'staging' },
        status: 'in-sync',
        held: 0,
        reachable: true,
        synced: true,
        objects: 3,
        drifted: 0,
      },
    ],
  };
  const daemon = {
    status: () => status,
    drifts: async () => drifts,
    fleetState: () => state,
    evaluation: (ref: { cluster: string; name: string }) => {
      const drift = drifts.find((d) => d.cluster === ref.cluster && d.name === ref.name);
      return drift ? { evaluation: { drift, decision: drift.decision } } : {};
    },
    onEvent: (listener: (e: DaemonEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as Daemon;
  return {
    daemon,
    drifts,
    emit: (e) => {
      for (const l of listeners) l(e);
    },
  };
}

/** incident builds a firing incident on prod-eu/shop, optionally diagnosed. */
export function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'i1',
    groupKey: '{}:{alertname="AppCrashLooping"}',
    receiver: 'trueup',
    status: 'firing',
    opened: '2026-01-02T03:05:00Z',
    updated: '2026-01-02T03:05:00Z',
    groupLabels: { alertname: 'AppCrashLooping' },
    commonLabels: {
      alertname: 'AppCrashLooping',
      cluster: 'prod-eu',
      namespace: 'shop',
      severity: 'critical',
    },
    commonAnnotations: { summary: 'app is crash-looping <!channel>' },
    externalURL: 'http://alertmanager',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'AppCrashLooping' },
        annotations: {},
        startsAt: '2026-01-02T03:04:30Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: 'f1',
      },
    ],
    notifications: 1,
    investigation: 'queued',
    investigations: 1,
    ...overrides,
  };
}
