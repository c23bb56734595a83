/**
 * Rows both backends write and read the same way: the columns and values of an intent, a
 * remediation and an audit event, and an intent and an audit event read back. Each backend only adds its own placeholders and driver.
 */
import type { AuditRecord } from '../audit/event.ts';
import type { ChangeSetEntry } from '../sync/cycle.ts';
import type { WriteExpectation } from '../sync/intents.ts';
import { type AuditQuery, type Intent, intentOwner, type NewIntent } from './store.ts';

/** SqlValue is a value either driver binds to a placeholder. */
export type SqlValue = string | number | null;

/** placeholders is `?, ?, …`, n of them (PostgreSQL's backend numbers them). */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** intentColumns are the intents table's columns, in the order of intentValues. */
export const intentColumns =
  'id, started, owner, revision, actor, cluster, kind, namespace, name, approval, expectation';

/** intentValues are an intent's values in the order of intentColumns. */
export function intentValues(id: string, intent: NewIntent, time: Date): SqlValue[] {
  return [
    id,
    time.toISOString(),
    intentOwner,
    intent.revision,
    intent.actor,
    intent.cluster,
    intent.kind,
    intent.namespace,
    intent.name,
    intent.approval ?? null,
    intent.expectation ? JSON.stringify(intent.expectation) : null,
  ];
}

/** toIntent reads an intent back from its row. */
export function toIntent(row: Record<string, string | null>): Intent {
  return {
    id: String(row.id),
    started: String(row.started),
    owner: String(row.owner),
    revision: String(row.revision),
    actor: String(row.actor),
    cluster: String(row.cluster),
    kind: row.kind as Intent['kind'],
    namespace: String(row.namespace),
    name: String(row.name),
    ...(row.approval ? { approval: row.approval } : {}),
    ...(row.expectation ? { expectation: JSON.parse(row.expectation) as WriteExpectation } : {}),
  };
}

/** remediationColumns are the remediations table's written columns, in the order of remediationValues. */
export const remediationColumns =
  'time, revision, actor, cluster, kind, namespace, name, action, dry_run, error, before, after, record';

/** remediationValues are a change-set entry's values in the order of remediationColumns. */
export function remediationValues(
  revision: string,
  entry: ChangeSetEntry,
  actor: string,
  time: Date,
): SqlValue[] {
  return [
    time.toISOString(),
    revision,
    actor,
    entry.cluster,
    entry.kind,
    entry.namespace,
    entry.name,
    entry.action,
    entry.dryRun ?? null,
    entry.error ?? null,
    entry.before ?? null,
    entry.after ?? null,
    JSON.stringify(entry),
  ];
}

/** auditColumns are the audit_events table's written columns, in the order of auditValues. */
export const auditColumns = 'time, cluster, kind, namespace, name, audit_id, verb, username, record';

/** auditValues are an audit record's values in the order of auditColumns (time: the request's completion). */
export function auditValues(record: AuditRecord): SqlValue[] {
  return [
    record.stageTime,
    record.cluster,
    record.kind,
    record.namespace,
    record.name,
    record.auditID,
    record.verb,
    record.user,
    JSON.stringify(record),
  ];
}

/** toAuditRecord reads an audit record back from its row. */
export function toAuditRecord(row: Record<string, unknown>): AuditRecord {
  return JSON.parse(String(row.record)) as AuditRecord;
}

/** auditUserFilter adds the audit table's own filter (user contains) to a RecordQuery's. */
export function auditUserFilter(q: AuditQuery): [clause: string, param: string][] {
  return q.user !== undefined ? [['username LIKE ?', `%${q.user}%`]] : [];
}
