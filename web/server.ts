/**
 * The daemon's one HTTP server (fastify): health, readiness, metrics, the JSON API (behind the
 * console's authentication), the Alertmanager webhook (its own credentials), the live event stream
 * and the console's static page. Every route declares who may call it (`config.access`,
 * web/auth/access.ts); the server refuses to start with a route that does not.
 */
import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import type { IncidentDesk } from '../diagnose/desk.ts';
import type { IncidentStore } from '../diagnose/incident-store.ts';
import type { Daemon } from '../reconciler/daemon/daemon.ts';
import type { DaemonMetrics } from '../reconciler/daemon/metrics.ts';
import { daemonObjectReader } from '../reconciler/daemon/object-reader.ts';
import type { GitSource } from '../reconciler/git/git-source.ts';
import type { PreviewService } from '../reconciler/preview/model.ts';
import { type AuditStore, intentOwner } from '../reconciler/store/store.ts';
import type { ApprovalDeps } from '../reconciler/sync/approvals.ts';
import type { ObjectReader } from '../reconciler/sync/object-reader.ts';
import { type AlertIntake, registerAlertmanagerRoute, type WebhookAuth } from './alertmanager/route.ts';
import { registerFleetRoutes } from './api/fleet-routes.ts';
import { registerApi } from './api/routes.ts';
import { registerApprovalRoutes } from './approvals/routes.ts';
import { type AuditRouteDeps, registerAuditRoute } from './audit/route.ts';
import { type Access, isAccess } from './auth/access.ts';
import type { AuthConfig } from './auth/auth.ts';
import { addSecurityHeaders } from './auth/headers.ts';
import { isOwnHost } from './auth/host.ts';
import { registerAuth } from './auth/routes.ts';
import type { ChatSetup } from './chat/config.ts';
import { registerChat } from './chat/routes.ts';
import { EventHub, type EventStreamOptions, registerEventRoutes } from './events/routes.ts';
import { registerIncidentRoutes } from './incidents/routes.ts';
import { registerObjectRoutes } from './objects/routes.ts';
import { registerPreviewRoutes } from './preview/routes.ts';
import { replyError } from './reply-error.ts';

/** ServerDeps are what the HTTP edge serves. */
export interface ServerDeps {
  daemon: Daemon;
  metrics: DaemonMetrics;
  store: AuditStore;
  /** auth configures the console's and API's authentication. */
  auth: AuthConfig;
  /** approvals, when given: approve/reject through the core approval path. */
  approvals?: ApprovalDeps;
  /** git: blame for provenance; log, when given, marks commits on the timelines. */
  git?: Pick<GitSource, 'blame'> & Partial<Pick<GitSource, 'log'>>;
  /** incidents, when diagnosis is on: the incident API (and desk: their live events). */
  incidents?: IncidentStore;
  desk?: IncidentDesk;
  /** alerts, when the Alertmanager webhook is on: its intake and credentials. */
  alerts?: { intake: AlertIntake; auth: WebhookAuth };
  /** audit, when --audit-tokens is set: the Kubernetes audit webhook receiver (web/audit). */
  audit?: AuditRouteDeps;
  /** chat, when configured: Slack/Mattermost commands, buttons and notifications (web/chat). */
  chat?: ChatSetup;
  /** preview, when given: `POST /api/v1/preview` and chat's `/trueup preview` (cli/preview.ts). */
  preview?: PreviewService;
  /** repoWebUrl links provenance to the repo's web view: `{revision}`, `{file}`, `{line}` are filled in. */
  repoWebUrl?: string;
  /** hub, when given: the live event hub (serve shares it with what publishes outside the server). */
  hub?: EventHub;
  /** events bound the live event streams (defaults: defaultEventStreamOptions). */
  events?: Partial<EventStreamOptions>;
  /** consoleDir holds the built console (index.html); default web/console/dist. */
  consoleDir?: string;
}

const defaultConsoleDir = new URL('./console/dist/', import.meta.url).pathname;

/** ServerOptions are how the server itself runs. */
export interface ServerOptions {
  logger?: boolean;
  /**
   * trustProxy: believe X-Forwarded-For/-Proto from these proxies (true, or addresses/CIDRs as
   * proxy-addr reads them), so that the session cookie is Secure behind a TLS ingress and rate
   * limits see the client's address. Default false.
   */
  trustProxy?: boolean | string;
}

/** buildServer builds the fastify instance (not listening; tests use inject). */
export async function buildServer(deps: ServerDeps, options: ServerOptions = {}): Promise<FastifyInstance> {
  // forceCloseConnections: open event streams must not hold a shutdown up.
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: true,
    trustProxy: options.trustProxy ?? false,
  });
  recordRoutes(app);
  addSecurityHeaders(app);
  if (deps.auth.mode === 'off') refuseForeignHosts(app);
  await registerAuth(app, deps.auth, deps.alerts ? { webhook: deps.alerts.auth } : {});
  const open = { config: { access: 'public' as const } };
  app.get('/healthz', open, async () => ({ status: 'ok' }));
  app.get('/readyz', open, async (_req, reply) => {
    const status = deps.daemon.status();
    // A store that does not answer (PostgreSQL restarting) makes the replica not ready: its writes would fail.
    const ready = status.ready && (await storeAnswers(deps.store));
    return reply.code(ready ? 200 : 503).send({ ready, revision: status.revision ?? null });
  });
  app.get('/metrics', open, async (_req, reply) => {
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  registerApi(app, deps);
  registerFleetRoutes(app, deps, {
    ...(deps.incidents ? { incidents: deps.incidents } : {}),
    ...(deps.git ? { git: deps.git } : {}),
  });

  const hub = deps.hub ?? new EventHub();
  // On a store replicas share, every replica's console streams what every replica did.
  const unrelay = hub.relayThrough(deps.store, intentOwner);
  app.addHook('onClose', async () => unrelay());
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
  registerEventRoutes(app, hub, deps.events);
  if (deps.approvals)
    registerApprovalRoutes(app, deps.approvals, (e) => hub.publish({ type: 'approval', data: e }));
  const objects = objectReaderOf(deps);
  if (deps.git) registerObjectRoutes(app, { objects, daemon: deps.daemon });
  if (deps.incidents) registerIncidentRoutes(app, deps.incidents);
  if (deps.preview) registerPreviewRoutes(app, deps.preview);
  if (deps.alerts) registerAlertmanagerRoute(app, deps.alerts);
  if (deps.audit) registerAuditRoute(app, deps.audit);
  if (deps.chat)
    await registerChat(app, deps.chat, {
      ...deps,
      objects,
      onDecided: (e) => hub.publish({ type: 'approval', data: e }),
    });
  await registerConsole(app, deps.consoleDir ?? defaultConsoleDir);
  return app;
}

/**
 * objectReaderOf is the read port the console and chat read objects through: the daemon's cache as
 * it is (no live read), the audit store, and blame through the git source.
 */
export function objectReaderOf(deps: Pick<ServerDeps, 'daemon' | 'store' | 'git'>): ObjectReader {
  const { git } = deps;
  return daemonObjectReader(deps.daemon, {
    store: deps.store,
    blame: (revision, file) => (git ? git.blame(revision, file) : Promise.resolve(new Map())),
  });
}

/** refuseForeignHosts answers only requests whose Host is the address they arrived on (auth off). */
function refuseForeignHosts(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    const { localAddress, localPort } = req.socket;
    // In-process requests (inject) have no socket address: nothing a browser could rebind.
    if (localAddress === undefined || localPort === undefined) return;
    if (isOwnHost(req.headers.host, localAddress, localPort)) return;
    return replyError(
      reply,
      'TRUEUP_FOREIGN_HOST',
      `this server answers only at the address it listens on (${localAddress}:${localPort}), not ${req.headers.host ?? 'no Host'}`,
    );
  });
}

/** DeclaredRoute is one registered route with the access it declares (undefined: none). */
export interface DeclaredRoute {
  method: string;
  url: string;
  access: Access | undefined;
}

const routeTables = new WeakMap<FastifyInstance, RouteOptions[]>();

/** declaredRoutes lists every route of a server built by buildServer, with its declared access. */
export function declaredRoutes(app: FastifyInstance): DeclaredRoute[] {
  return (routeTables.get(app) ?? []).flatMap((r) =>
    [r.method].flat().map((method) => ({
      method,
      url: r.url,
      access: isAccess(r.config?.access) ? r.config.access : undefined,
    })),
  );
}

/** recordRoutes keeps every route's options, and refuses to start when one declares no access. */
function recordRoutes(app: FastifyInstance): void {
  const table: RouteOptions[] = [];
  routeTables.set(app, table);
  app.addHook('onRoute', (route) => {
    table.push(route);
  });
  app.addHook('onReady', async () => {
    const undeclared = declaredRoutes(app).filter((r) => r.access === undefined);
    if (undeclared.length > 0)
      throw new Error(
        `routes without a declared access (config.access): ${undeclared.map((r) => `${r.method} ${r.url}`).join(', ')}`,
      );
  });
}

async function registerConsole(app: FastifyInstance, dir: string): Promise<void> {
  if (existsSync(`${dir}/index.html`)) {
    // The console's files are public (the page asks whoami and shows the login form).
    await app.register(async (scope) => {
      scope.addHook('onRoute', (route) => {
        route.config = { ...route.config, access: 'public' };
      });
      await scope.register(fastifyStatic, { root: dir, prefix: '/', index: 'index.html' });
    });
    return;
  }
  app.get('/', { config: { access: 'public' } }, async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send(
        '<!doctype html><title>trueup</title><p>The console is not built. Run <code>npm run build:console</code> (npm install does it), then reload. The API is under <a href="api/v1/status">/api/v1</a>.</p>',
      ),
  );
}

/** storeAnswers pings the audit store, giving up after 2 s. */
async function storeAnswers(store: Pick<AuditStore, 'ping'>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), 2000);
  });
  const answered = store.ping().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
