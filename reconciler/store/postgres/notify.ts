/**
 * Signals between the replicas sharing a PostgreSQL store: NOTIFY on one channel, LISTEN on a
 * connection of its own (a pooled one would be handed to other queries). That connection is
 * reconnected with backoff (0.25 s doubling to 8 s) when the server goes away; since notices sent
 * meanwhile are lost, listeners then hear `reconnected` and poll.
 */
import pg from 'pg';
import { SignalListeners } from '../signals.ts';
import type { AuditStore, StoreSignal } from '../store.ts';

/** SIGNAL_CHANNEL is the NOTIFY channel every replica of one store listens on. */
export const SIGNAL_CHANNEL = 'trueup_signals';

/** PgSignals sends and hears signals; close ends the listening connection. */
export type PgSignals = Pick<AuditStore, 'signal' | 'listen'> & { close(): Promise<void> };

/** pgSignals sends signals through pool and hears them on a connection of its own to url. */
export function pgSignals(url: string, pool: pg.Pool): PgSignals {
  const listeners = new SignalListeners();
  let started = false;
  let closed = false;
  let current: pg.Client | undefined;
  let wake: (() => void) | undefined;
  const loop = async () => {
    let delay = 250;
    let connectedBefore = false;
    while (!closed) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      const lost = new Promise<void>((resolve) => {
        client.on('error', () => resolve());
        client.on('end', () => resolve());
      });
      try {
        await client.connect();
        client.on('notification', (m) => {
          if (m.channel === SIGNAL_CHANNEL && m.payload) listeners.tell(parseSignal(m.payload));
        });
        await client.query(`LISTEN ${SIGNAL_CHANNEL}`);
        current = client;
        delay = 250;
        if (connectedBefore) listeners.tell({ topic: 'reconnected', data: {} });
        connectedBefore = true;
        await lost;
      } catch {
        // Not reachable now: try again after the backoff.
      }
      current = undefined;
      await client.end().catch(() => {});
      if (closed) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, delay).unref();
      });
      delay = Math.min(delay * 2, 8000);
    }
  };
  return {
    async signal(signal) {
      await pool.query('SELECT pg_notify($1, $2)', [SIGNAL_CHANNEL, JSON.stringify(signal)]);
    },
    listen(onSignal) {
      const stop = listeners.add(onSignal);
      if (!started) {
        started = true;
        void loop();
      }
      return stop;
    },
    async close() {
      closed = true;
      wake?.();
      await current?.end().catch(() => {});
    },
  };
}

function parseSignal(payload: string): StoreSignal {
  try {
    const parsed = JSON.parse(payload) as StoreSignal;
    if (parsed && typeof parsed.topic === 'string' && typeof parsed.data === 'object') return parsed;
  } catch {
    // Not ours: say so as a reconnect, so listeners poll rather than trust it.
  }
  return { topic: 'reconnected', data: {} };
}
