/**
 * The chat runtime behind the routes: the Secret scrub, the Slack client, the thread store, the
 * approvers check on the core approval path, the notifier, and the background work answered
 * through response_url — built once from the setup, closed with the server.
 */
import type { IncidentDesk } from '../../diagnose/desk.ts';
import type { IncidentStore } from '../../diagnose/incident-store.ts';
import { type Scrub, secretMatcherOf, secretScrubber } from '../../reconciler/core/secret-guard.ts';
import type { Daemon } from '../../reconciler/daemon/daemon.ts';
import type { PreviewService } from '../../reconciler/preview/model.ts';
import {
  defaultRetentionOptions,
  type Retention,
  type RetentionTarget,
  startRetention,
} from '../../reconciler/store/retention.ts';
import type { AuditStore } from '../../reconciler/store/store.ts';
import type { ApprovalDeps } from '../../reconciler/sync/approvals.ts';
import type { ObjectReader } from '../../reconciler/sync/object-reader.ts';
import { GroupCache } from './access.ts';
import { type ConsoleLinks, consoleLinks } from './blocks.ts';
import { type ChatSetup, isAllowedResponseUrl } from './config.ts';
import { coreApprovalPath, type DeciderDeps } from './decisions.ts';
import type { CommandContext } from './handlers.ts';
import { defaultRetryOptions, type RetryOptions } from './http.ts';
import { postMattermost } from './mattermost.ts';
import { ChatNotifier } from './notifier.ts';
import { type ResponseBody, respondTo, SlackClient } from './slack-client.ts';
import { postTeams } from './teams.ts';
import { openThreadStore, type ThreadStore, type ThreadTable } from './threads.ts';

/** ChatCore is what chat reads and acts through: the daemon, the stores, the core approval path. */
export interface ChatCore {
  daemon: Daemon;
  /** objects is the read port `diff` and `explain` read one object through. */
  objects: ObjectReader;
  store: AuditStore;
  approvals?: ApprovalDeps;
  desk?: IncidentDesk;
  incidents?: IncidentStore;
  /** preview makes `/trueup preview <branch>`'s answer (serve's preview service). */
  preview?: PreviewService;
  /** onDecided hears approvals decided from chat (the console's live stream). */
  onDecided?: (event: { id: string; state: string }) => void;
}

/** ChatRuntime is what the chat routes use. */
export interface ChatRuntime {
  scrub: Scrub;
  interactive: boolean;
  commands: CommandContext;
  decider?: DeciderDeps;
  respond: (url: string, body: ResponseBody) => Promise<void>;
  responseUrlOk: (url: string) => boolean;
  /** later runs work after the HTTP answer; close waits for it. */
  later: (work: () => Promise<void>) => void;
  close(): Promise<void>;
}

/** scrubFor scans against the Secret values of the fleet state in use (its matcher is built once per state). */
function scrubFor(core: ChatCore, setup: ChatSetup): Scrub {
  return secretScrubber(
    () => secretMatcherOf(core.daemon.fleetState()),
    () => setup.log.warn('chat: a Secret value was found in an outbound message and redacted'),
  );
}

/** ChatParts are the pieces built once that the decider, the notifier and the routes share. */
interface ChatParts {
  threads: ThreadStore;
  slack: SlackClient | undefined;
  scrub: Scrub;
  links: ConsoleLinks;
  interactive: boolean;
  retry: RetryOptions;
}

/** slackClientFor is the Web API client when a bot token is set; its retries end at shutdown. */
function slackClientFor(setup: ChatSetup, scrub: Scrub, signal: AbortSignal): SlackClient | undefined {
  const { botToken, apiUrl } = setup.settings.slack ?? {};
  const interval = setup.perChannelIntervalMs;
  return botToken
    ? new SlackClient({
        token: botToken,
        apiUrl,
        scrub,
        retry: { signal },
        ...(interval !== undefined ? { perChannelIntervalMs: interval } : {}),
      })
    : undefined;
}

/** deciderFor wires chat decisions to the core approval path (none without one). */
function deciderFor(setup: ChatSetup, core: ChatCore, parts: ChatParts): DeciderDeps | undefined {
  const { threads, slack, interactive, links } = parts;
  const groups = new GroupCache((g) => (slack ? slack.usergroupMembers(g) : Promise.resolve([])));
  return (
    core.approvals && {
      path: coreApprovalPath(core.approvals),
      store: core.store,
      approvers: setup.settings.approvers,
      clusterLabels: (name) => core.daemon.status().clusters.find((c) => c.name === name)?.labels ?? {},
      groupMembers: (g) => groups.members(g),
      threads,
      ...(slack ? { slack } : {}),
      interactive,
      links,
      log: setup.log,
      ...(core.onDecided ? { onDecided: core.onDecided } : {}),
    }
  );
}

/** startNotifier builds the notifier over the daemon, the desk and the configured sinks, and starts it. */
function startNotifier(setup: ChatSetup, core: ChatCore, parts: ChatParts): ChatNotifier {
  const { settings } = setup;
  const { threads, slack, scrub, links, interactive, retry } = parts;
  const mattermostUrl = settings.mattermost?.webhookUrl;
  const teamsUrl = settings.teams?.webhookUrl;
  const notifier = new ChatNotifier({
    daemon: core.daemon,
    store: core.store,
    ...(core.desk ? { desk: core.desk } : {}),
    routes: settings.routes,
    ...(slack ? { slack } : {}),
    interactive,
    webhooks: {
      ...(mattermostUrl ? { mattermost: (m) => postMattermost(mattermostUrl, m, retry, scrub) } : {}),
      ...(teamsUrl ? { teams: (m) => postTeams(teamsUrl, m, retry, scrub) } : {}),
    },
    threads,
    links,
    clusterLabel: setup.clusterLabel,
    scrub,
    log: setup.log,
    ...(setup.batch ? { batch: setup.batch } : {}),
  });
  notifier.start();
  return notifier;
}

/** startChatRuntime builds the runtime and starts the notifier. */
export function startChatRuntime(setup: ChatSetup, core: ChatCore): ChatRuntime {
  const { settings, log } = setup;
  const threads = openThreadStore(setup.stateDir);
  const retention = threadRetention(setup, threads);
  // Aborted at shutdown, once the flush deadline has passed: every wait and call in flight ends.
  const shutdown = new AbortController();
  const scrub = scrubFor(core, setup);
  const slack = slackClientFor(setup, scrub, shutdown.signal);
  const retry = { ...defaultRetryOptions(), signal: shutdown.signal };
  const links = consoleLinks(settings.consoleUrl);
  const interactive = Boolean(settings.slack?.signingSecret);
  const parts: ChatParts = { threads, slack, scrub, links, interactive, retry };
  const decider = deciderFor(setup, core, parts);
  const notifier = startNotifier(setup, core, parts);

  const background = new Set<Promise<void>>();
  return {
    scrub,
    interactive,
    commands: {
      daemon: core.daemon,
      objects: core.objects,
      store: core.store,
      ...(core.incidents ? { incidents: core.incidents } : {}),
      links,
      clusterLabel: setup.clusterLabel,
      ...(core.preview ? { preview: core.preview } : {}),
    },
    ...(decider ? { decider } : {}),
    respond: (url, body) => respondTo(url, body, retry, scrub),
    responseUrlOk: (url) => isAllowedResponseUrl(url, settings.responseUrlOrigins),
    later(work) {
      const run = work().catch((err) =>
        log.error({ err: (err as Error).message }, 'chat: background work failed'),
      );
      background.add(run);
      run.finally(() => background.delete(run));
    },
    async close() {
      // Decisions and notifications in flight get until the deadline; then calls are cut off and
      // the notifications not sent are kept in chat.db for the next start.
      const deadline = setup.shutdownFlushMs ?? 5000;
      await Promise.all([
        notifier.close(deadline, () => shutdown.abort()),
        Promise.race([
          Promise.allSettled([...background]),
          new Promise((resolve) => setTimeout(resolve, deadline).unref()),
        ]),
      ]);
      await retention?.stop();
      threads.close();
    },
  };
}

/** threadRetention deletes chat.db rows as old as the audit and incident retention (serve only). */
function threadRetention(setup: ChatSetup, threads: ThreadStore): Retention | undefined {
  const days = setup.retention;
  if (!days) return undefined;
  const target = (table: ThreadTable, d: number): RetentionTarget => ({
    name: `chat ${table}`,
    days: d,
    prune: async (before, n) => threads.pruneBefore(table, before, n),
  });
  return startRetention(
    [target('incident-threads', days.incidentDays), target('approval-messages', days.auditDays)],
    { ...defaultRetentionOptions(), ...days },
    setup.log.child({ component: 'retention' }),
  );
}
