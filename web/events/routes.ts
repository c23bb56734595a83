/**
 * `GET /api/v1/events`: Server-Sent Events for the console — drift, remediation, approval, incident
 * and status changes, as small JSON notices (the page refetches what it shows). A keepalive comment
 * every 15 s keeps proxies from closing the stream; EventSource reconnects by itself (`retry`).
 */
import type { FastifyInstance } from 'fastify';

/** LiveEvent is one notice on the stream. */
export interface LiveEvent {
  type: 'drift' | 'remediation' | 'approval' | 'incident' | 'status';
  data: Record<string, unknown>;
}

/** EventHub fans events out to every open stream. */
export class EventHub {
  #clients = new Set<(event: LiveEvent) => void>();

  /** publish sends an event to every open stream. */
  publish(event: LiveEvent): void {
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

/** registerEventRoutes registers the event stream. */
export function registerEventRoutes(app: FastifyInstance, hub: EventHub, keepaliveMs = 15_000): void {
  app.get('/api/v1/events', { config: { access: 'viewer' } }, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n: connected\n\n');
    const unsubscribe = hub.subscribe((event) => {
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
    });
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), keepaliveMs);
    const close = () => {
      clearInterval(keepalive);
      unsubscribe();
    };
    req.raw.on('close', close);
    res.on('error', close);
  });
}
