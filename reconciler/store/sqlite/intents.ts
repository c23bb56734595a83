/**
 * Write intents: recorded before a write is sent, deleted when the audit record of its outcome is
 * (the record tells the outcome, and the table stays small); one still open at start was interrupted.
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { WriteExpectation } from '../../sync/intents.ts';
import { type AuditStore, type Intent, intentOwner } from '../store.ts';

/** IntentsPart is the part of AuditStore that intents serve, and completeIntent for the records. */
export type IntentsPart = Pick<AuditStore, 'beginIntent' | 'expectIntent' | 'openIntents'> & {
  /** completeIntent deletes an intent (inside the transaction of its outcome's record). */
  completeIntent(id: string): void;
};

/** sqliteIntents serves write intents from db. */
export function sqliteIntents(db: DatabaseSync): IntentsPart {
  const complete = db.prepare('DELETE FROM intents WHERE id = ?');
  return {
    completeIntent: (id) => {
      complete.run(id);
    },
    async beginIntent(intent, time = new Date()) {
      const id = `i-${randomUUID()}`;
      db.prepare(
        `INSERT INTO intents (id, started, owner, revision, actor, cluster, kind, namespace, name, approval, expectation)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
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
      );
      return id;
    },
    async expectIntent(id, expectation) {
      db.prepare('UPDATE intents SET expectation = ? WHERE id = ?').run(JSON.stringify(expectation), id);
    },
    openIntents: async () =>
      (db.prepare('SELECT * FROM intents ORDER BY started').all() as Record<string, string | null>[]).map(
        toIntent,
      ),
  };
}

function toIntent(row: Record<string, string | null>): Intent {
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
