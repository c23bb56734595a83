/**
 * `trueup serve`: the daemon. Watches every cluster of the fleet, detects drift as it happens,
 * remediates when enabled, resyncs on a cron schedule and on new commits, and serves health,
 * metrics and the JSON API on one HTTP server. Logs are on stdout: pino JSON lines, or human lines
 * on a terminal (--log-format, serve-terminal.ts).
 */
import cron from 'node-cron';
import type { Logger } from 'pino';
import { IncidentDesk } from '../diagnose/desk.ts';
import {
  type IncidentStore,
  openIncidentStore,
  openSharedIncidentStore,
} from '../diagnose/incident-store.ts';
import { createDiagnoseMetrics } from '../diagnose/metrics.ts';
import { redactUrls } from '../reconciler/core/redact.ts';
import { Daemon } from '../reconciler/daemon/daemon.ts';
import { createMetrics, type DaemonMetrics } from '../reconciler/daemon/metrics.ts';
import type { GitSource } from '../reconciler/git/git-source.ts';
import {
  defaultRetentionOptions,
  type Retention,
  type RetentionTarget,
  startRetention,
} from '../reconciler/store/retention.ts';
import { type AuditStore, openStore, type PrunableTable } from '../reconciler/store/store.ts';
import type { ApprovalDeps } from '../reconciler/sync/approvals.ts';
import { type CycleOptions, defaultCycleOptions } from '../reconciler/sync/cycle.ts';
import { recoverIntents } from '../reconciler/sync/recovery.ts';
import { webhookAuthFromEnv } from '../web/alertmanager/route.ts';
import { type AuthConfig, AuthConfigError, authConfigFromEnv } from '../web/auth/auth.ts';
import { proxyJwtKey } from '../web/auth/proxy-jwt.ts';
import { type ChatSetup, chatSetupFromEnv, describeChat } from '../web/chat/config.ts';
import { EventHub } from '../web/events/routes.ts';
import { buildServer } from '../web/server.ts';
import { investigationDeps } from './diagnose-setup.ts';
import { configureDigestKey } from './digest-key.ts';
import { UsageError } from './errors.ts';
import { clusterAccessFactory } from './fleet-run.ts';
import { resolveInstallation } from './installation.ts';
import type { ServeOptions } from './options.ts';
import { previewService } from './preview.ts';
import { desiredStateBuilder, openGitSource } from './repo-source.ts';
import { type ServeAccess, serveAccess } from './serve-access.ts';
import { acceptedApprovals, serveApprovalDeps } from './serve-approvals.ts';
import { type AuditSetup, auditRouteOf, auditSetupOf, warmAuditIndex } from './serve-audit.ts';
import { type ReplicaSetup, setupReplicas } from './serve-ha.ts';
import { serveTerminal } from './serve-terminal.ts';

/** RunningServer is a started daemon with its HTTP server. */
export interface RunningServer {
  url: string;
  daemon: Daemon;
  desk: IncidentDesk;
  /** initialSync resolves once every watched cluster is listed, evaluated and its queue drained. */
  initialSync: Promise<unknown>;
  stop(): Promise<void>;
}

/** startServe starts the daemon and its HTTP server. */
export async function startServe(options: ServeOptions, log?: Logger): Promise<RunningServer> {
  // Redaction (cli/log.ts) is a second net only: Secret values never reach the logger in the first place.
  const terminal = await serveTerminal(options, log);
  const { logger } = terminal;
  if (!cron.validate(options.resync))
    throw new UsageError(`--resync: not a valid cron expression: ${options.resync}`);
  const listen = splitListen(options.listen);
  // Before anything reads a Secret: digests are keyed with this installation's key.
  configureDigestKey(options.stateDir);
  const core = await openServeCore(options, logger);
  const { investigation, desk } = diagnosisDesk(options, core, logger);
  const hub = new EventHub();
  const approvals = serveApprovalDeps(core);
  const http = await startHttp(options, { core, desk, hub, approvals }, logger, listen);
  logger.info(
    {
      url: http.url,
      repo: core.source.repo,
      remediate: options.remediate ?? false,
      alertmanagerWebhook: http.webhookOn
        ? `${http.url}/api/v1/alertmanager`
        : 'off (set TRUEUP_WEBHOOK_TOKEN)',
      diagnosis: investigation.llm
        ? `LLM ${investigation.llm.model} at ${redactUrls(investigation.llm.baseURL)}`
        : 'offline (heuristic)',
      chat: http.chat ? describeChat(http.chat.settings) : 'off (set SLACK_SIGNING_SECRET / SLACK_BOT_TOKEN)',
      auditWebhook: core.audit
        ? `${http.url}/api/v1/audit/<cluster> for ${[...core.audit.tokens.keys()].join(', ')}`
        : 'off (set --audit-tokens)',
    },
    'trueup serve listening',
  );
  const sync = terminal.follow(core.daemon);
  const loops = await startLoops(options, core, logger);
  // After recovery: an approval accepted on another replica is applied by the one owning its cluster.
  const accepted = acceptedApprovals(core, approvals, hub, logger);
  accepted?.start();
  sync.start();
  let stopping: Promise<void> | undefined;
  return {
    url: http.url,
    daemon: core.daemon,
    desk,
    initialSync: sync.settled,
    stop: () => {
      stopping ??= (async () => {
        terminal.close();
        await loops.stop();
        await accepted?.stop();
        // A remediation in flight finishes (and is recorded) before the store closes.
        await core.daemon.drained();
        await core.replicas.stop();
        await http.app.close();
        // Audit events the receiver took in are stored before the store closes.
        await http.audit?.intake.idle();
        await desk.idle();
        await loops.retention.stop();
        core.incidents.close();
        await core.store.close();
        // Last: nothing uses a cluster connection any more.
        await core.access.close();
        logger.info('trueup serve stopped');
      })();
      return stopping;
    },
  };
}

/** ServeCore is what serve opens first: the repo, the stores, the one guarded access pool, the daemon. */
export interface ServeCore {
  source: GitSource;
  store: AuditStore;
  incidents: IncidentStore;
  metrics: DaemonMetrics;
  replicas: ReplicaSetup;
  access: ServeAccess;
  cycle: CycleOptions;
  daemon: Daemon;
  /** audit, with --audit-tokens: the receiver's tokens and the index detection joins with. */
  audit?: AuditSetup;
}

/** openServeCore opens the repo and the stores and builds the daemon over the one guarded pool. */
async function openServeCore(options: ServeOptions, logger: Logger): Promise<ServeCore> {
  const source = openGitSource(options);
  const audit = auditSetupOf(options.auditTokens);
  const store = await openStore(options);
  const metrics = createMetrics();
  // With --leader-elect or --shards, every cluster write first checks that this replica owns it.
  const replicas = setupReplicas(options, logger, metrics.registry);
  const cycle: CycleOptions = {
    ...defaultCycleOptions(),
    fieldManager: options.fieldManager,
    installation: resolveInstallation({ ...options, create: true }) as string,
    remediate: options.remediate ?? false,
    prune: options.prune ?? false,
    replaceImmutable: options.replaceImmutable ?? false,
    recordEvents: options.events,
  };
  const buildState = await desiredStateBuilder(options);
  // One connection pool per cluster for the whole process, handed out guarded to every user.
  const access = serveAccess(clusterAccessFactory(options), replicas);
  const daemon = new Daemon({
    source,
    buildState,
    access: access.guarded,
    store,
    metrics,
    log: logger,
    options: cycle,
    ...(audit ? { audit: audit.index } : {}),
  });
  replicas.attach(daemon);
  if (audit) await warmAuditIndex(audit, store, logger);
  // On a store replicas share, so are incidents: one per alert group fleet-wide.
  const incidents = store.incidentRows
    ? openSharedIncidentStore(store.incidentRows)
    : openIncidentStore(options.stateDir);
  return { source, store, incidents, metrics, replicas, access, cycle, daemon, ...(audit ? { audit } : {}) };
}

/**
 * diagnosisDesk wires investigations and their desk. Diagnosis reads from the daemon's cache and
 * draws its live reads and fix dry-runs from the one guarded pool, not from connections of its own.
 */
export function diagnosisDesk(options: ServeOptions, core: ServeCore, logger: Logger) {
  const investigation = investigationDeps({
    options,
    state: () => core.daemon.fleetState(),
    daemon: core.daemon,
    store: core.store,
    git: core.source,
    cycle: core.cycle,
    log: logger.child({ component: 'diagnose' }),
    metrics: createDiagnoseMetrics(core.metrics.registry),
    diagnosisApprovals: options.diagnosisApprovals ?? false,
    access: core.access.guarded,
  });
  return { investigation, desk: new IncidentDesk(core.incidents, investigation) };
}

/** startHttp checks the HTTP credentials and chat settings, builds the server and listens. */
async function startHttp(
  options: ServeOptions,
  parts: { core: ServeCore; desk: IncidentDesk; hub: EventHub; approvals: ApprovalDeps },
  logger: Logger,
  [host, port]: [string, number],
) {
  const { auth, consoleAuth } = httpAuthFromEnv(options);
  const webhookOn = Boolean(auth.bearerTokens || auth.basic || auth.allowUnauthenticated);
  if (consoleAuth.mode === 'on' && consoleAuth.tokens.length === 0 && !consoleAuth.proxy)
    logger.warn(
      'no TRUEUP_CONSOLE_TOKENS and no --auth-proxy-user-header or --auth-proxy-jwt-header: the console and /api/v1 refuse everyone',
    );
  if (consoleAuth.proxy?.userHeader)
    logger.warn(
      `--auth-proxy-user-header: ${consoleAuth.proxy.userHeader} is trusted as is; only safe when nothing but the proxy can reach this port (prefer --auth-proxy-jwt-header)`,
    );
  let chat: ChatSetup | undefined;
  try {
    chat = chatSetupFromEnv(process.env, options, logger.child({ component: 'chat' }));
    // chat.db's threads and approval messages age out with the audit and incident records.
    const defaults = defaultRetentionOptions();
    if (chat)
      chat.retention = {
        auditDays: options.retainAuditDays ?? defaults.auditDays,
        incidentDays: options.retainIncidentDays ?? defaults.incidentDays,
      };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { core, desk } = parts;
  const { daemon, store, metrics } = core;
  const audit = core.audit ? auditRouteOf(core.audit, { daemon, store, metrics, log: logger }) : undefined;
  const app = await buildServer(
    {
      daemon,
      metrics,
      store,
      auth: consoleAuth,
      approvals: parts.approvals,
      hub: parts.hub,
      git: core.source,
      ...(options.repoWebUrl ? { repoWebUrl: options.repoWebUrl } : {}),
      incidents: core.incidents,
      desk,
      ...(webhookOn ? { alerts: { intake: desk, auth } } : {}),
      ...(audit ? { audit } : {}),
      ...(chat ? { chat } : {}),
      preview: previewService(options, core.access.guarded, () => daemon.status().revision),
    },
    options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {},
  );
  await app.listen({ host, port });
  const address = app.server.address();
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
  return { app, url, webhookOn, chat, audit };
}

/**
 * startLoops starts retention and the daemon, settles interrupted writes, then starts the Lease
 * loop, the cron resync and the git poll; stop ends the resync, the poll and the daemon's loop.
 */
async function startLoops(options: ServeOptions, core: ServeCore, logger: Logger) {
  const { daemon } = core;
  const retention = startAuditRetention(options, core.store, core.incidents, logger);
  await daemon.start();
  // Writes a stopped process left unrecorded are settled from the objects as they are now.
  const recovered = await recoverIntents({
    store: core.store,
    clusters: daemon.fleetState()?.fleet?.clusters ?? [],
    access: core.access.guarded,
    // On a store replicas share, another replica's write may be in flight: leave its young intents alone.
    ...(core.store.shared ? { sharedGraceMs: 10 * 60_000 } : {}),
  }).catch((err) => {
    logger.error({ err: (err as Error).message }, 'recovering interrupted writes failed');
    return [];
  });
  for (const r of recovered)
    logger.warn(
      { ...refOf(r.intent), outcome: r.outcome, approval: r.approval },
      `recovered an interrupted write: ${r.why}`,
    );
  core.replicas.start();
  const resync = cron.schedule(options.resync, () => {
    daemon.resync().catch((err) => logger.error({ err: (err as Error).message }, 'resync failed'));
  });
  const poll = setInterval(() => {
    daemon.refresh().catch((err) => logger.error({ err: (err as Error).message }, 'git refresh failed'));
  }, options.pollInterval * 1000);
  return {
    retention,
    stop: async () => {
      clearInterval(poll);
      await resync.stop();
      daemon.stop();
    },
  };
}

/** httpAuthFromEnv reads the webhook's and the console's credentials; a weak one stops the start (exit 2). */
function httpAuthFromEnv(options: ServeOptions) {
  try {
    const auth = { ...webhookAuthFromEnv(process.env), allowUnauthenticated: options.webhookUnauthenticated };
    const consoleAuth = authConfigFromEnv(process.env, proxyAuthOf(options), options.consoleAuthOff);
    return { auth, consoleAuth };
  } catch (err) {
    if (err instanceof AuthConfigError) throw new UsageError(err.message);
    throw err;
  }
}

/** startAuditRetention deletes expired audit rows and incidents now and every hour (reconciler/retention.ts). */
function startAuditRetention(
  options: ServeOptions,
  store: AuditStore,
  incidents: IncidentStore,
  log: Logger,
): Retention {
  const defaults = defaultRetentionOptions();
  const auditDays = options.retainAuditDays ?? defaults.auditDays;
  const incidentDays = options.retainIncidentDays ?? defaults.incidentDays;
  for (const [flag, days] of [
    ['--retain-audit-days', auditDays],
    ['--retain-incident-days', incidentDays],
  ] as const)
    if (!Number.isInteger(days) || days < 0)
      throw new UsageError(`${flag}: expected a whole number of days (0: keep forever), got ${days}`);
  const audit = (table: PrunableTable): RetentionTarget => ({
    name: table,
    days: auditDays,
    prune: (before, n) => store.pruneBefore(table, before, n),
  });
  return startRetention(
    [
      audit('drifts'),
      audit('remediations'),
      audit('approvals'),
      audit('audit_events'),
      { name: 'incidents', days: incidentDays, prune: (before, n) => incidents.pruneBefore(before, n) },
    ],
    { ...defaults, auditDays, incidentDays },
    log.child({ component: 'retention' }),
  );
}

/** proxyAuthOf builds the proxy configuration: a verified JWT, or plain headers; never both. */
function proxyAuthOf(options: ServeOptions): AuthConfig['proxy'] {
  const operators = options.operators ?? [];
  if (options.authProxyJwtHeader) {
    if (options.authProxyUserHeader)
      throw new AuthConfigError('give --auth-proxy-jwt-header or --auth-proxy-user-header, not both');
    const keyText = process.env.TRUEUP_PROXY_JWT_KEY;
    if (!keyText) throw new AuthConfigError('--auth-proxy-jwt-header needs the key in TRUEUP_PROXY_JWT_KEY');
    let key: ReturnType<typeof proxyJwtKey>;
    try {
      key = proxyJwtKey(keyText);
    } catch (err) {
      throw new AuthConfigError((err as Error).message);
    }
    const jwt = {
      header: options.authProxyJwtHeader,
      ...key,
      userClaim: options.authProxyJwtUserClaim ?? 'email',
      groupsClaim: options.authProxyJwtGroupsClaim ?? 'groups',
      ...(options.authProxyJwtIssuer ? { issuer: options.authProxyJwtIssuer } : {}),
      ...(options.authProxyJwtAudience ? { audience: options.authProxyJwtAudience } : {}),
    };
    return { operators, jwt };
  }
  if (!options.authProxyUserHeader) return undefined;
  return {
    userHeader: options.authProxyUserHeader,
    ...(options.authProxyGroupsHeader ? { groupsHeader: options.authProxyGroupsHeader } : {}),
    operators,
  };
}

function refOf(r: { cluster: string; kind: string; namespace: string; name: string }) {
  return { cluster: r.cluster, kind: r.kind, namespace: r.namespace, name: r.name };
}

function splitListen(listen: string): [string, number] {
  const match = /^(.*):(\d+)$/.exec(listen);
  if (!match) throw new UsageError(`--listen: expected host:port, got ${listen}`);
  return [match[1] || '127.0.0.1', Number(match[2])];
}

/**
 * STOP_DEADLINE_MS bounds a shutdown (the chart's grace period is 30 s): chat gets 5 s to send and
 * keeps the rest; past this, whatever still runs (an investigation waiting on the LLM) is cut off.
 */
export const STOP_DEADLINE_MS = 9000;

/** serveCommand runs the daemon until SIGINT or SIGTERM, then stops within STOP_DEADLINE_MS. */
export async function serveCommand(options: ServeOptions): Promise<number> {
  const server = await startServe(options);
  await new Promise<void>((resolve) => {
    const shutdown = () => resolve();
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  let stopped = false;
  // Unref'd: it only fires when something still holds the process after the deadline.
  setTimeout(() => {
    process.stderr.write(
      `trueup serve: work still running ${STOP_DEADLINE_MS / 1000} s after the signal was cut off\n`,
    );
    process.exit(stopped ? 0 : 1);
  }, STOP_DEADLINE_MS).unref();
  await server.stop();
  stopped = true;
  return 0;
}
