/**
 * Write intents: recorded before a write is sent, deleted when the audit record of its outcome is
 * (the record tells the outcome, and the table stays small); one still open at start was interrupted.
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { intentColumns, intentValues, placeholders, toIntent } from '../rows.ts';
import type { AuditStore } from '../store.ts';
import { groupWriter } from './database.ts';

/** IntentsPart is the part of AuditStore that intents serve, and completeIntent for the records. */
export type IntentsPart = Pick<AuditStore, 'beginIntent' | 'expectIntent' | 'openIntents'> & {
  /** completeIntent deletes an intent (inside the transaction of its outcome's record). */
  completeIntent(id: string): void;
};

/** sqliteIntents serves write intents from db. */
export function sqliteIntents(db: DatabaseSync): IntentsPart {
  const complete = db.prepare('DELETE FROM intents WHERE id = ?');
  const insert = db.prepare(`INSERT INTO intents (${intentColumns}) VALUES (${placeholders(11)})`);
  const expect = db.prepare('UPDATE intents SET expectation = ? WHERE id = ?');
  const write = groupWriter(db);
  return {
    completeIntent: (id) => {
      complete.run(id);
    },
    // Each resolves once its group commit is on disk: an intent is durable before its write is sent.
    async beginIntent(intent, time = new Date()) {
      const id = `i-${randomUUID()}`;
      const values = intentValues(id, intent, time);
      await write(() => insert.run(...values));
      return id;
    },
    async expectIntent(id, expectation) {
      const text = JSON.stringify(expectation);
      await write(() => expect.run(text, id));
    },
    openIntents: async () =>
      (db.prepare('SELECT * FROM intents ORDER BY started').all() as Record<string, string | null>[]).map(
        toIntent,
      ),
  };
}
