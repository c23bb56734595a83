/**
 * `GET /api/v1/events` (viewer): Server-Sent Events for the console — drift, remediation, approval,
 * incident and status changes, as small JSON notices (the page refetches what it shows). A keepalive
 * comment every 15 s keeps proxies from closing the stream; EventSource reconnects by itself (`retry`).
 * A client that does not read what it is sent is dropped once its unsent backlog passes a bound
 * (it reconnects and refetches), and each user may hold only a few streams at once (429 past that).
 */
import type { FastifyInstance } from 'fastify';
import type { AuditStore } from '../../reconciler/store/store.ts';
import { SECURITY_HEADERS } from '../auth/headers.ts';
import type { LiveEventType } from '../contract/api.ts';
import { replyError } from '../reply-error.ts';

/** LiveEvent is one notice on the stream. */
export interface LiveEvent {
  type: LiveEventType;
  data: Record<string, unknown>;
}

/** EventRelay is the part of a store that carries events between the replicas sharing it. */
export type EventRelay = Pick<AuditStore, 'shared' | 'signal' | 'listen'>;

/**
 * EventHub fans events out to every open stream. Relayed through a store replicas share
 * (PostgreSQL NOTIFY), it sends what this replica publishes to the others and streams what they
 * publish, so the console of any replica shows what every replica did.
 */
export class EventHub {
  #clients = new Set<(event: LiveEvent) => void>();
  #relay: ((event: LiveEvent) => void) | undefined;

  /** publish sends an event to every open stream (and, relayed, to every replica's). */
  publish(event: LiveEvent): void {
    this.#deliver(event);
    this.#relay?.(event);
  }

  /**
   * relayThrough shares this hub's events with the other replicas on a shared store (a store of
   * one process: nothing to do); origin names this process, so it does not hear itself twice.
   * Returns the function that ends the relay.
   */
  relayThrough(store: EventRelay, origin: string): () => void {
    if (!store.shared) return () => {};
    this.#relay = (event) => {
      store.signal({ topic: 'event', data: { origin, type: event.type, data: event.data } }).catch(() => {
        // Best effort: a replica missing one refetches on the next event or reconnect.
      });
    };
    const unlisten = store.listen((signal) => {
      const { origin: from, type, data } = signal.data as { origin?: string; type?: string; data?: object };
      if (signal.topic !== 'event' || from === origin || typeof type !== 'string') return;
      this.#deliver({ type: type as LiveEventType, data: { ...(data ?? {}), replica: from } });
    });
    return () => {
      this.#relay = undefined;
      unlisten();
    };
  }

  #deliver(event: LiveEvent): void {
    for (const send of this.#clients) send(event);
  }

  /** subscribe adds a stream; it returns the unsubscribe function. */
  subscribe(send: (event: LiveEvent) => void): () => void {
    this.#clients.add(send);
    return () => this.#clients.delete(send);
  }

  /** size is the number of open streams. */
  get size(): number {
    return this.#clients.size;
  }
}

/** EventStreamOptions bound the event streams. */
export interface EventStreamOptions {
  keepaliveMs: number;
  /** maxBacklogBytes: a stream with more unsent bytes than this is dropped (a slow or stuck client). */
  maxBacklogBytes: number;
  /** maxStreamsPerUser: open streams one user may hold (a console tab holds one). */
  maxStreamsPerUser: number;
  /** maxStreams: open streams in all. */
  maxStreams: number;
}

/** defaultEventStreamOptions: 15 s keepalive, 256 KiB backlog, 10 streams a user, 500 in all. */
export function defaultEventStreamOptions(): EventStreamOptions {
  return { keepaliveMs: 15_000, maxBacklogBytes: 256 * 1024, maxStreamsPerUser: 10, maxStreams: 500 };
}

/** registerEventRoutes registers the event stream. */
export function registerEventRoutes(
  app: FastifyInstance,
  hub: EventHub,
  options: Partial<EventStreamOptions> = {},
): void {
  const limits = { ...defaultEventStreamOptions(), ...options };
  const perUser = new Map<string, number>();
  let open = 0;
  app.get('/api/v1/events', { config: { access: 'viewer' } }, (req, reply) => {
    const user = req.consoleUser?.name ?? '';
    const mine = perUser.get(user) ?? 0;
    if (mine >= limits.maxStreamsPerUser || open >= limits.maxStreams)
      return replyError(
        reply,
        'TRUEUP_TOO_MANY_STREAMS',
        `too many open event streams (at most ${limits.maxStreamsPerUser} per user); close a console tab`,
      );
    perUser.set(user, mine + 1);
    open++;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // Unsent bytes pile up in the response when the client does not read: past the bound, drop it.
    const write = (text: string) => {
      if (res.writableLength > limits.maxBacklogBytes) {
        req.log.warn(
          { user, backlog: res.writableLength },
          'event stream dropped: the client does not keep up',
        );
        res.destroy();
        return;
      }
      res.write(text);
    };
    write('retry: 2000\n: connected\n\n');
    const unsubscribe = hub.subscribe((event) =>
      write(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`),
    );
    const keepalive = setInterval(() => write(': keepalive\n\n'), limits.keepaliveMs);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(keepalive);
      unsubscribe();
      open--;
      const left = (perUser.get(user) ?? 1) - 1;
      if (left > 0) perUser.set(user, left);
      else perUser.delete(user);
    };
    res.on('close', close);
    res.on('error', close);
  });
}
