/**
 * Write intents: recorded before a write is sent, deleted when the audit record of its outcome is
 * (the record tells the outcome, and the table stays small); one still open at start was interrupted.
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { intentColumns, intentValues, placeholders, toIntent } from '../rows.ts';
import type { AuditStore } from '../store.ts';

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
      db.prepare(`INSERT INTO intents (${intentColumns}) VALUES (${placeholders(11)})`).run(
        ...intentValues(id, intent, time),
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
