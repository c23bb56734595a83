import { describe, expect, it } from 'vitest';
import { SignalListeners } from '../../reconciler/store/signals.ts';
import type { StoreSignal } from '../../reconciler/store/store.ts';
import { EventHub, type EventRelay, type LiveEvent } from './routes.ts';

// A store replicas share, as NOTIFY behaves: every listener hears every signal, the sender's own too.
function sharedStore(shared = true): EventRelay {
  const listeners = new SignalListeners();
  return {
    shared,
    signal: async (s: StoreSignal) => listeners.tell(s),
    listen: (on) => listeners.add(on),
  };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the live event hub relayed through the store', () => {
  it("streams on every replica what one replica published, naming it, and on the publisher's only once", async () => {
    const store = sharedStore();
    const [a, b] = [new EventHub(), new EventHub()];
    a.relayThrough(store, 'host:1:a');
    b.relayThrough(store, 'host:2:b');
    const seen: Record<string, LiveEvent[]> = { a: [], b: [] };
    a.subscribe((e) => seen.a?.push(e));
    b.subscribe((e) => seen.b?.push(e));
    a.publish({ type: 'remediation', data: { cluster: 'c1', name: 'app' } });
    await tick();
    expect(seen.a).toEqual([{ type: 'remediation', data: { cluster: 'c1', name: 'app' } }]);
    expect(seen.b).toEqual([
      { type: 'remediation', data: { cluster: 'c1', name: 'app', replica: 'host:1:a' } },
    ]);
  });

  it('relays nothing on a store of one process (SQLite), and nothing after the relay ends', async () => {
    const own = sharedStore(false);
    const hub = new EventHub();
    const other = new EventHub();
    hub.relayThrough(own, 'host:1:a');
    other.relayThrough(own, 'host:2:b');
    const seen: LiveEvent[] = [];
    other.subscribe((e) => seen.push(e));
    hub.publish({ type: 'drift', data: {} });
    const shared = sharedStore();
    const [x, y] = [new EventHub(), new EventHub()];
    const stop = x.relayThrough(shared, 'host:3:x');
    y.relayThrough(shared, 'host:4:y');
    y.subscribe((e) => seen.push(e));
    stop();
    x.publish({ type: 'drift', data: {} });
    await tick();
    expect(seen).toEqual([]);
  });
});
