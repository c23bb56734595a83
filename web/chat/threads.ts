/**
 * Where chat messages went, so that they can be followed up: each incident's thread (its first
 * message's channel and ts, per channel) and each message carrying Approve / Reject buttons (so it
 * can be updated with who decided, whichever message or command decided); and the outbox of
 * notifications a stopping process could not send in time, sent on the next start. SQLite (node:sqlite) in
 * the state dir (`chat.db`), so threads survive restarts. Messages are stored as the scrubbed
 * ChatMessage that was sent: key names and digests only.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { ChatMessage } from './blocks.ts';
import type { OutboxItem } from './outbox.ts';

/** PostedRef is a message that was posted: channel id, ts, and the thread it is in. */
export interface PostedRef {
  channel: string;
  ts: string;
  threadTs?: string;
  message: ChatMessage;
}

/** ThreadStore remembers incident threads and approval messages. */
export interface ThreadStore {
  incidentThread(incident: string, channel: string): PostedRef | undefined;
  saveIncidentThread(incident: string, ref: PostedRef, routedTo: string): void;
  approvalMessages(approval: string): PostedRef[];
  saveApprovalMessage(approval: string, ref: PostedRef): void;
  /** keepOutbox stores notifications not sent when the process stopped, for the next start. */
  keepOutbox(items: readonly OutboxItem[]): void;
  /** takeOutbox returns the kept notifications, oldest first, and forgets them. */
  takeOutbox(): OutboxItem[];
  /**
   * pruneBefore deletes up to `limit` of one table's rows last saved before `before` (ISO 8601),
   * oldest first (retention, in batches); returns how many.
   */
  pruneBefore(table: ThreadTable, before: string, limit: number): number;
  close(): void;
}

/** ThreadTable is a chat.db table retention deletes from: incident threads, approval messages. */
export type ThreadTable = 'incident-threads' | 'approval-messages';

const tableOf: Record<ThreadTable, string> = {
  'incident-threads': 'chat_incident_threads',
  'approval-messages': 'chat_approval_messages',
};

const schema = `
CREATE TABLE IF NOT EXISTS chat_incident_threads (
  incident TEXT NOT NULL, routed_to TEXT NOT NULL, channel TEXT NOT NULL, ts TEXT NOT NULL,
  message TEXT NOT NULL, PRIMARY KEY (incident, routed_to)
);
CREATE TABLE IF NOT EXISTS chat_approval_messages (
  approval TEXT NOT NULL, channel TEXT NOT NULL, ts TEXT NOT NULL, thread_ts TEXT,
  message TEXT NOT NULL, PRIMARY KEY (approval, channel, ts)
);
CREATE TABLE IF NOT EXISTS chat_outbox (seq INTEGER PRIMARY KEY, kept TEXT NOT NULL, item TEXT NOT NULL);
`;

type Row = Record<string, string | null>;
const toRef = (row: Row): PostedRef => ({
  channel: row.channel as string,
  ts: row.ts as string,
  ...(row.thread_ts ? { threadTs: row.thread_ts } : {}),
  message: JSON.parse(row.message as string) as ChatMessage,
});

/** openThreadStore opens (creating if needed) `chat.db` in stateDir; ':memory:' for tests. */
export function openThreadStore(stateDir: string | ':memory:'): ThreadStore {
  let path = ':memory:';
  if (stateDir !== ':memory:') {
    mkdirSync(stateDir, { recursive: true });
    path = join(stateDir, 'chat.db');
  }
  const db = new DatabaseSync(path);
  // busy_timeout first: switching to WAL takes a lock, and another process opening the file at the
  // same moment must wait for it rather than fail with "database is locked".
  db.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;');
  db.exec(schema);
  addSavedColumns(db);
  // A route names a channel as configured (`#ops`), Slack answers with its id (`C0…`): look up by
  // the configured name, which is what routing knows before posting.
  const findThread = db.prepare('SELECT * FROM chat_incident_threads WHERE incident = ? AND routed_to = ?');
  const putThread = db.prepare(
    `INSERT INTO chat_incident_threads (incident, routed_to, channel, ts, message, saved) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (incident, routed_to) DO UPDATE SET message = excluded.message, saved = excluded.saved`,
  );
  const findApproval = db.prepare('SELECT * FROM chat_approval_messages WHERE approval = ? ORDER BY rowid');
  const putApproval = db.prepare(
    `INSERT INTO chat_approval_messages (approval, channel, ts, thread_ts, message, saved) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (approval, channel, ts) DO UPDATE SET message = excluded.message, saved = excluded.saved`,
  );
  return {
    incidentThread(incident, channel) {
      const row = findThread.get(incident, channel) as Row | undefined;
      return row ? toRef(row) : undefined;
    },
    saveIncidentThread(incident, ref, routedTo) {
      putThread.run(incident, routedTo, ref.channel, ref.ts, JSON.stringify(ref.message), now());
    },
    approvalMessages(approval) {
      return (findApproval.all(approval) as Row[]).map(toRef);
    },
    saveApprovalMessage(approval, ref) {
      putApproval.run(
        approval,
        ref.channel,
        ref.ts,
        ref.threadTs ?? null,
        JSON.stringify(ref.message),
        now(),
      );
    },
    keepOutbox(items) {
      const put = db.prepare('INSERT INTO chat_outbox (kept, item) VALUES (?, ?)');
      const kept = new Date().toISOString();
      db.exec('BEGIN');
      for (const item of items) put.run(kept, JSON.stringify(item));
      db.exec('COMMIT');
    },
    takeOutbox() {
      db.exec('BEGIN IMMEDIATE');
      const rows = db.prepare('SELECT item FROM chat_outbox ORDER BY seq').all() as { item: string }[];
      db.exec('DELETE FROM chat_outbox');
      db.exec('COMMIT');
      return rows.map((r) => JSON.parse(r.item) as OutboxItem);
    },
    pruneBefore(table, before, limit) {
      const name = tableOf[table];
      const sql = `DELETE FROM ${name} WHERE rowid IN (SELECT rowid FROM ${name} WHERE saved < ? ORDER BY saved LIMIT ?)`;
      return Number(db.prepare(sql).run(before, limit).changes);
    },
    close: () => db.close(),
  };
}

const now = () => new Date().toISOString();

/**
 * addSavedColumns gives the thread tables their `saved` time (when a row was last written), which
 * retention prunes by; rows of a chat.db made before it count as saved now, so they age from here.
 */
function addSavedColumns(db: DatabaseSync): void {
  for (const name of Object.values(tableOf)) {
    const columns = db.prepare(`PRAGMA table_info(${name})`).all() as { name: string }[];
    if (columns.some((c) => c.name === 'saved')) continue;
    db.exec(`ALTER TABLE ${name} ADD COLUMN saved TEXT`);
    db.prepare(`UPDATE ${name} SET saved = ? WHERE saved IS NULL`).run(now());
    db.exec(`CREATE INDEX IF NOT EXISTS ${name}_saved ON ${name} (saved)`);
  }
}
