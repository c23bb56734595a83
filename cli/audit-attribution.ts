/**
 * Audit attribution for the one-shot commands: the drifts of a cycle joined with the audit events
 * the store holds (received by `serve` or loaded by `trueup audit ingest`), so `diff` names who
 * made each drift. Only for clusters the store has audit events of: without any, nothing is added
 * (attribution is off there), rather than a "no match" that only means nobody set it up.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { attributeUsers } from '../reconciler/audit/attribution.ts';
import { type AuditStore, openStore } from '../reconciler/store/store.ts';
import type { CycleReport } from '../reconciler/sync/change-set.ts';

/** auditStoreOf opens the store diff reads audit events from: --store / TRUEUP_DATABASE_URL, else an existing SQLite store in stateDir. */
export async function auditStoreOf(options: {
  store?: string;
  stateDir: string;
}): Promise<AuditStore | undefined> {
  const url = options.store ?? process.env.TRUEUP_DATABASE_URL;
  if (!url && !existsSync(join(options.stateDir, 'trueup.db'))) return undefined;
  return openStore({ ...(url ? { store: url } : {}), stateDir: options.stateDir });
}

/** attributeReport adds the audit log's user to every drifted field manager of the report (in place). */
export async function attributeReport(
  report: CycleReport,
  store: Pick<AuditStore, 'auditEvents'>,
): Promise<void> {
  for (const cluster of report.clusters) {
    const drifted = cluster.drifts.filter((d) => d.status === 'modified' && d.driftedBy.length > 0);
    if (drifted.length === 0) continue;
    if ((await store.auditEvents({ cluster: cluster.name, limit: 1 })).length === 0) continue;
    for (const drift of drifted) {
      const { cluster: c, kind, namespace, name } = drift;
      const events = await store.auditEvents({ cluster: c, kind, namespace, name, limit: 200 });
      drift.driftedBy = attributeUsers(drift.driftedBy, events, drift.resourceVersion);
    }
  }
}
