/**
 * The daemon's one HTTP server (fastify): health, readiness, metrics and the JSON API. The
 * Alertmanager webhook and the incident API register here too; later the console and chat-ops.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { IncidentStore } from '../diagnose/incident-store.ts';
import type { Daemon } from '../reconciler/daemon.ts';
import type { DaemonMetrics } from '../reconciler/metrics.ts';
import type { AuditStore } from '../reconciler/store.ts';
import { type AlertIntake, registerAlertmanagerRoute, type WebhookAuth } from './alertmanager/route.ts';
import { registerApi } from './api/routes.ts';
import { registerIncidentRoutes } from './incidents/routes.ts';

/** ServerDeps are what the HTTP edge serves. */
export interface ServerDeps {
  daemon: Daemon;
  metrics: DaemonMetrics;
  store: AuditStore;
  /** incidents, when diagnosis is on: the incident API. */
  incidents?: IncidentStore;
  /** alerts, when the Alertmanager webhook is on: its intake and credentials. */
  alerts?: { intake: AlertIntake; auth: WebhookAuth };
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
  if (deps.incidents) registerIncidentRoutes(app, deps.incidents);
  if (deps.alerts) registerAlertmanagerRoute(app, deps.alerts);
  return app;
}
