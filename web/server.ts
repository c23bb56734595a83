/**
 * The daemon's one HTTP server (fastify): health, readiness, metrics, the JSON API (behind the
 * console's authentication), the Alertmanager webhook (its own credentials), the live event stream
 * and the console's static page.
 */
import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { IncidentDesk } from '../diagnose/desk.ts';
import type { IncidentStore } from '../diagnose/incident-store.ts';
import type { ApprovalDeps } from '../reconciler/approvals.ts';
import type { Daemon } from '../reconciler/daemon.ts';
import type { GitSource } from '../reconciler/git-source.ts';
import type { DaemonMetrics } from '../reconciler/metrics.ts';
import type { AuditStore } from '../reconciler/store.ts';
import { type AlertIntake, registerAlertmanagerRoute, type WebhookAuth } from './alertmanager/route.ts';
import { registerApi } from './api/routes.ts';
import { registerApprovalRoutes } from './approvals/routes.ts';
import type { AuthConfig } from './auth/auth.ts';
import { registerAuth } from './auth/routes.ts';
import type { ChatSetup } from './chat/config.ts';
import { registerChat } from './chat/routes.ts';
import { EventHub, registerEventRoutes } from './events/routes.ts';
import { registerIncidentRoutes } from './incidents/routes.ts';
import { registerObjectRoutes } from './objects/routes.ts';

/** ServerDeps are what the HTTP edge serves. */
export interface ServerDeps {
  daemon: Daemon;
  metrics: DaemonMetrics;
  store: AuditStore;
  /** auth configures the console's and API's authentication. */
  auth: AuthConfig;
  /** approvals, when given: approve/reject through the core approval path. */
  approvals?: ApprovalDeps;
  git?: Pick<GitSource, 'blame'>;
  /** incidents, when diagnosis is on: the incident API (and desk: their live events). */
  incidents?: IncidentStore;
  desk?: IncidentDesk;
  /** alerts, when the Alertmanager webhook is on: its intake and credentials. */
  alerts?: { intake: AlertIntake; auth: WebhookAuth };
  /** chat, when configured: Slack/Mattermost commands, buttons and notifications (web/chat). */
  chat?: ChatSetup;
  /** repoWebUrl links provenance to the repo's web view: `{revision}`, `{file}`, `{line}` are filled in. */
  repoWebUrl?: string;
  /** consoleDir holds the built console (index.html); default web/console/dist. */
  consoleDir?: string;
}

const defaultConsoleDir = new URL('./console/dist/', import.meta.url).pathname;

/** buildServer builds the fastify instance (not listening; tests use inject). */
export async function buildServer(
  deps: ServerDeps,
  options: { logger?: boolean } = {},
): Promise<FastifyInstance> {
  // forceCloseConnections: open event streams must not hold a shutdown up.
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: true,
  });
  await registerAuth(app, deps.auth);
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

  const hub = new EventHub();
  deps.daemon.onEvent?.((event) => {
    const { type, ...data } = event;
    hub.publish({ type, data });
  });
  deps.desk?.onChange((incident) =>
    hub.publish({
      type: 'incident',
      data: { id: incident.id, status: incident.status, investigation: incident.investigation },
    }),
  );
  registerEventRoutes(app, hub);
  if (deps.approvals)
    registerApprovalRoutes(app, deps.approvals, (e) => hub.publish({ type: 'approval', data: e }));
  if (deps.git) registerObjectRoutes(app, { daemon: deps.daemon, store: deps.store, git: deps.git });
  if (deps.incidents) registerIncidentRoutes(app, deps.incidents);
  if (deps.alerts) registerAlertmanagerRoute(app, deps.alerts);
  if (deps.chat)
    await registerChat(app, deps.chat, {
      ...deps,
      onDecided: (e) => hub.publish({ type: 'approval', data: e }),
    });
  await registerConsole(app, deps.consoleDir ?? defaultConsoleDir);
  return app;
}

async function registerConsole(app: FastifyInstance, dir: string): Promise<void> {
  if (existsSync(`${dir}/index.html`)) {
    await app.register(fastifyStatic, { root: dir, prefix: '/', index: 'index.html' });
    return;
  }
  app.get('/', async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send(
        '<!doctype html><title>trueup</title><p>The console is not built. Run <code>npm run build:console</code> (npm install does it), then reload. The API is under <a href="api/v1/status">/api/v1</a>.</p>',
      ),
  );
}
