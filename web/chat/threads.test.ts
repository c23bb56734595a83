import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
});
