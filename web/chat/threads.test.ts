import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it, vi } from 'vitest';
import { openThreadStore } from './threads.ts';

const message = { text: 'Incident i1', sections: ['firing'] };

describe('the chat thread store', () => {
  it('remembers incident threads and approval messages across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trueup-chat-threads-'));
    const first = openThreadStore(dir);
    first.saveIncidentThread('i1', { channel: 'C1', ts: '100.000001', message }, '#ops');
    first.saveApprovalMessage('a1', { channel: 'C1', ts: '100.000002', threadTs: '100.000001', message });
    first.saveApprovalMessage('a1', { channel: 'C2', ts: '200.000001', message });
    first.close();
    const again = openThreadStore(dir);
    expect(again.incidentThread('i1', '#ops')).toEqual({ channel: 'C1', ts: '100.000001', message });
    expect(again.incidentThread('i1', '#other')).toBeUndefined();
    expect(again.approvalMessages('a1')).toEqual([
      { channel: 'C1', ts: '100.000002', threadTs: '100.000001', message },
      { channel: 'C2', ts: '200.000001', message },
    ]);
    expect(again.approvalMessages('a2')).toEqual([]);
    again.close();
  });

  it('keeps an incident thread once: saving again updates the message, not the ts', () => {
    const store = openThreadStore(':memory:');
    store.saveIncidentThread('i1', { channel: 'C1', ts: '1.000001', message }, 'C1');
    store.saveIncidentThread(
      'i1',
      { channel: 'C1', ts: '9.000009', message: { ...message, text: 'resolved' } },
      'C1',
    );
    expect(store.incidentThread('i1', 'C1')).toMatchObject({ ts: '1.000001', message: { text: 'resolved' } });
  });

  it('deletes incident threads and approval messages not written since the cutoff, oldest first, and nothing newer', () => {
    const store = openThreadStore(':memory:');
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    try {
      store.saveIncidentThread('old', { channel: 'C1', ts: '1.1', message }, 'C1');
      store.saveApprovalMessage('a-old', { channel: 'C1', ts: '1.2', message });
      vi.setSystemTime(new Date('2026-03-01T00:00:00Z'));
      store.saveIncidentThread('new', { channel: 'C1', ts: '2.1', message }, 'C1');
      store.saveApprovalMessage('a-new', { channel: 'C1', ts: '2.2', message });
    } finally {
      vi.useRealTimers();
    }
    const cutoff = '2026-02-01T00:00:00.000Z';
    expect(store.pruneBefore('incident-threads', cutoff, 10)).toBe(1);
    expect(store.pruneBefore('approval-messages', cutoff, 10)).toBe(1);
    expect(store.incidentThread('old', 'C1')).toBeUndefined();
    expect(store.approvalMessages('a-old')).toEqual([]);
    expect(store.incidentThread('new', 'C1')).toBeDefined();
    expect(store.approvalMessages('a-new')).toHaveLength(1);
    store.close();
  });

  it('ages the rows of a chat.db made before rows had a saved time from the upgrade, not from 1970', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trueup-chat-threads-'));
    const db = new DatabaseSync(join(dir, 'chat.db'));
    db.exec(`CREATE TABLE chat_incident_threads (
      incident TEXT NOT NULL, routed_to TEXT NOT NULL, channel TEXT NOT NULL, ts TEXT NOT NULL,
      message TEXT NOT NULL, PRIMARY KEY (incident, routed_to));`);
    db.prepare('INSERT INTO chat_incident_threads VALUES (?, ?, ?, ?, ?)').run('i1', 'C1', 'C1', '1.1', '{}');
    db.close();
    const store = openThreadStore(dir);
    expect(store.pruneBefore('incident-threads', new Date(Date.now() - 60_000).toISOString(), 10)).toBe(0);
    expect(store.incidentThread('i1', 'C1')).toBeDefined();
    store.close();
  });
});
