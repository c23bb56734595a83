/**
 * Live updates: one EventSource on `/api/v1/events` for the whole page. Any event bumps a counter
 * (debounced, so a burst of drift events is one refetch) that pages use to refetch what they show.
 * The browser reconnects by itself after a network error; when the server refused the stream (a 401
 * closes it for good), a new one is opened after a pause.
 */
import { useEffect, useState } from 'preact/hooks';
import type { LiveEventType } from '../../contract/api.ts';
import { apiUrl } from './api.ts';

/** LiveState is what the header's indicator shows. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'off';

/** eventNames are the SSE event types the server sends (LiveEventType; live.test.ts checks it is all of them). */
export const eventNames = [
  'drift',
  'remediation',
  'flap',
  'approval',
  'incident',
  'status',
] as const satisfies readonly LiveEventType[];

const debounceMs = 200;
const reopenMs = 5000;

/**
 * useLive keeps the event stream open while `enabled` (a session exists) and returns its state and
 * a tick that changes after every (debounced) event, and after a reconnect, since events may have
 * been missed in between.
 */
export function useLive(enabled: boolean): { state: LiveState; tick: number } {
  const [state, setState] = useState<LiveState>('off');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!enabled) {
      setState('off');
      return;
    }
    let source: EventSource | undefined;
    let debounce: ReturnType<typeof setTimeout> | undefined;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    let missed = false;
    const bump = () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => setTick((n) => n + 1), debounceMs);
    };
    const open = () => {
      setState(missed ? 'reconnecting' : 'connecting');
      const stream = new EventSource(apiUrl('events'));
      source = stream;
      stream.onopen = () => {
        setState('live');
        if (missed) bump();
        missed = false;
      };
      stream.onerror = () => {
        missed = true;
        setState('reconnecting');
        if (stream.readyState === EventSource.CLOSED) {
          stream.close();
          reopen = setTimeout(open, reopenMs);
        }
      };
      stream.onmessage = bump;
      for (const name of eventNames) stream.addEventListener(name, bump);
    };
    open();
    return () => {
      source?.close();
      clearTimeout(debounce);
      clearTimeout(reopen);
    };
  }, [enabled]);
  return { state, tick };
}
