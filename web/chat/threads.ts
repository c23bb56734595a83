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
  close(): void;
}

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
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
  db.exec(schema);
  // A route names a channel as configured (`#ops`), Slack answers with its id (`C0…`): look up by
  // the configured name, which is what routing knows before posting.
  const findThread = db.prepare('SELECT * FROM chat_incident_threads WHERE incident = ? AND routed_to = ?');
  const putThread = db.prepare(
    `INSERT INTO chat_incident_threads (incident, routed_to, channel, ts, message) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (incident, routed_to) DO UPDATE SET message = excluded.message`,
  );
  const findApproval = db.prepare('SELECT * FROM chat_approval_messages WHERE approval = ? ORDER BY rowid');
  const putApproval = db.prepare(
    `INSERT INTO chat_approval_messages (approval, channel, ts, thread_ts, message) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (approval, channel, ts) DO UPDATE SET message = excluded.message`,
  );
  return {
    incidentThread(incident, channel) {
      const row = findThread.get(incident, channel) as Row | undefined;
      return row ? toRef(row) : undefined;
    },
    saveIncidentThread(incident, ref, routedTo) {
      putThread.run(incident, routedTo, ref.channel, ref.ts, JSON.stringify(ref.message));
    },
    approvalMessages(approval) {
      return (findApproval.all(approval) as Row[]).map(toRef);
    },
    saveApprovalMessage(approval, ref) {
      putApproval.run(approval, ref.channel, ref.ts, ref.threadTs ?? null, JSON.stringify(ref.message));
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
    close: () => db.close(),
  };
}
