/**
 * The daemon's one HTTP server (fastify): health, readiness, metrics and the JSON API. Later
 * route groups (Alertmanager webhook, console, chat-ops) register on the same instance.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Daemon } from '../reconciler/daemon.ts';
import type { DaemonMetrics } from '../reconciler/metrics.ts';
import type { AuditStore } from '../reconciler/store.ts';
import { registerApi } from './api/routes.ts';

/** ServerDeps are what the HTTP edge serves. */
export interface ServerDeps {
  daemon: Daemon;
  metrics: DaemonMetrics;
  store: AuditStore;
}

/** buildServer builds the fastify instance (not listening; tests use inject). */
export function buildServer(deps: ServerDeps, options: { logger?: boolean } = {}): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 1024 * 1024 });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const status = deps.daemon.status();
    return reply
      .code(status.ready ? 200 : 503)
      .send({ ready: status.ready, revision: status.revision ?? null });
  });
  app.get('/metrics', async (_req, reply) => {
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  registerApi(app, deps);
  return app;
}
