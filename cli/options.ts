/**
 * The command line's options and their types, kept apart from the commands so that parsing the
 * arguments (and --help, --version) loads nothing heavy.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';

/** LogFormatChoice is --log-format: pretty, json, or auto (pretty on a terminal, JSON otherwise). */
export type LogFormatChoice = 'auto' | 'pretty' | 'json';

/** logFormatChoices are --log-format's accepted values, default first. */
export const logFormatChoices: readonly LogFormatChoice[] = ['auto', 'pretty', 'json'];

/** RunOptions are the options every fleet command takes. */
export interface RunOptions {
  repo: string;
  revision?: string;
  branch?: string;
  kubeconfig?: string;
  cluster?: string[];
  cacheDir?: string;
  fieldManager: string;
  /** installation is this installation's id (cli/installation.ts); default from the environment or the state folder. */
  installation?: string;
  timeout: number;
  /** namespaces limits trueup to these namespaces on every cluster (a Role per namespace suffices). */
  namespaces?: string[];
}

/** OutputOptions choose text or JSON output. */
export interface OutputOptions {
  output: 'text' | 'json';
}

/** ReconcileOptions are diff's and reconcile's options. */
export interface ReconcileOptions extends RunOptions, OutputOptions {
  once?: boolean;
  remediate?: boolean;
  dryRun?: boolean;
  prune?: boolean;
  replaceImmutable?: boolean;
  stateDir?: string;
  /** store is the PostgreSQL audit store's URL (--store; default $TRUEUP_DATABASE_URL, else SQLite in stateDir). */
  store?: string;
}

/** addSourceOptions adds the options that choose the fleet repo and its revision. */
export function addSourceOptions(command: Command): Command {
  return command
    .requiredOption('--repo <path|url>', 'the fleet repo: a local path or a git URL')
    .option('--revision <rev>', 'pin a commit SHA or tag (default: follow the branch)')
    .option('--branch <name>', 'branch to follow (default: the remote default branch)');
}

/** addCacheDirOption adds the git cache folder option. */
export function addCacheDirOption(command: Command): Command {
  return command.option('--cache-dir <dir>', 'git cache folder (default: $XDG_CACHE_HOME/trueup)');
}

/** addRepoOptions adds the options every command that reads the fleet and its clusters takes. */
export function addRepoOptions(command: Command): Command {
  const withKubeconfig = addSourceOptions(command).option(
    '--kubeconfig <file>',
    'kubeconfig with one context per cluster (default: $KUBECONFIG or ~/.kube/config)',
  );
  return addCacheDirOption(withKubeconfig)
    .option('--field-manager <name>', 'server-side apply field manager', 'trueup')
    .option(
      '--installation <id>',
      "this installation's id, marked on every object it applies: only marked objects are its orphans or pruned (default: $TRUEUP_INSTALLATION, else generated once into --state-dir)",
    )
    .option('--timeout <seconds>', 'per-request timeout against each cluster', (v) => Number(v), 15)
    .option(
      '--namespaces <ns...>',
      'only these namespaces on every cluster: list and watch per namespace (for namespaced RBAC)',
    );
}

/** addRunOptions adds the options of the one-shot commands (diff, reconcile). */
export function addRunOptions(command: Command): Command {
  return addRepoOptions(command)
    .option('--cluster <name...>', 'only these clusters (repeatable)')
    .option('-o, --output <format>', 'text or json', 'text');
}

/** addPreviewOptions adds preview's options: the repo, the two revisions, the clusters and the output. */
export function addPreviewOptions(command: Command): Command {
  const withRepo = command
    .requiredOption('--repo <path|url>', 'the fleet repo: a local path or a git URL')
    .requiredOption(
      '--base <rev>',
      'the revision the change is compared with (commit, branch or tag), e.g. main',
    )
    .requiredOption('--head <rev|branch>', 'the change to preview (commit, branch or tag)')
    .option(
      '--kubeconfig <file>',
      'kubeconfig with one context per cluster (default: $KUBECONFIG or ~/.kube/config)',
    );
  return addCacheDirOption(withRepo)
    .option('--field-manager <name>', 'server-side apply field manager', 'trueup')
    .option(
      '--installation <id>',
      "this installation's id (default: $TRUEUP_INSTALLATION, else the one in --state-dir)",
    )
    .option(
      '--state-dir <dir>',
      "the installation's state folder, read for its id and digest key; preview records nothing (default: ./.trueup when there)",
    )
    .option('--timeout <seconds>', 'per-request timeout against each cluster', (v) => Number(v), 15)
    .option('--namespaces <ns...>', 'only these namespaces on every cluster (for namespaced RBAC)')
    .option('--cluster <name...>', 'only these clusters (repeatable)')
    .option('--prune', 'preview a reconcile with --prune: objects the head deletes are deleted (dry-run)')
    .option('--replace-immutable', 'preview a reconcile with --replace-immutable')
    .option('--max-chars <n>', 'markdown: cap the comment at this many characters', (v) => Number(v), 60_000)
    .option('-o, --output <format>', 'text, json or markdown (a pull-request comment)', 'text');
}

/** ValidateOptions are `trueup validate`'s options: the repo only, no cluster access. */
export interface ValidateOptions
  extends Pick<RunOptions, 'repo' | 'revision' | 'branch' | 'cacheDir'>,
    OutputOptions {}

/** addValidateOptions adds validate's options: the repo options without kubeconfig, field manager or timeout. */
export function addValidateOptions(command: Command): Command {
  return addCacheDirOption(addSourceOptions(command)).option('-o, --output <format>', 'text or json', 'text');
}

/** ServeOptions are `trueup serve`'s options. */
export interface ServeOptions extends RunOptions {
  remediate?: boolean;
  /** diagnosisApprovals: without --remediate, diagnosed fixes still become approvals (which write when approved). */
  diagnosisApprovals?: boolean;
  prune?: boolean;
  replaceImmutable?: boolean;
  listen: string;
  stateDir: string;
  /** store is the PostgreSQL audit store's URL (--store; default $TRUEUP_DATABASE_URL, else SQLite in stateDir). */
  store?: string;
  resync: string;
  pollInterval: number;
  logLevel: string;
  /** logFormat: pretty, json, or auto (pretty when stdout is a terminal); --log-format, $TRUEUP_LOG_FORMAT. */
  logFormat?: LogFormatChoice;
  events: boolean;
  /** clusterLabel is the alert label that names the cluster (diagnosis). */
  clusterLabel: string;
  /** defaultCluster is the cluster of alerts without the cluster label (diagnosis); unset: every cluster. */
  defaultCluster?: string;
  /** webhookUnauthenticated accepts Alertmanager webhooks without credentials (demo only; no flag). */
  webhookUnauthenticated?: boolean;
  repoWebUrl?: string;
  /** consoleAuthOff turns console/API authentication off (demo only; no flag). */
  consoleAuthOff?: boolean;
  authProxyUserHeader?: string;
  authProxyGroupsHeader?: string;
  /** authProxyJwt*: the proxy's signed identity (key in TRUEUP_PROXY_JWT_KEY). */
  authProxyJwtHeader?: string;
  authProxyJwtIssuer?: string;
  authProxyJwtAudience?: string;
  authProxyJwtUserClaim?: string;
  authProxyJwtGroupsClaim?: string;
  /** trustProxy: believe X-Forwarded-* from these proxies (true, a hop count, or addresses/CIDRs). */
  trustProxy?: boolean | string;
  operators?: string[];
  /** chat-ops (web/chat): the config file, console deep links, default channel, approvers. */
  chatConfig?: string;
  consoleUrl?: string;
  slackChannel?: string;
  chatApprovers?: string[];
  /** leaderElect: only the replica holding the leader Lease works (cli/serve-ha.ts). */
  leaderElect?: boolean;
  /** shards: 'auto' shares the fleet's clusters among the replicas by per-cluster Leases. */
  shards?: string;
  leaseCluster?: string;
  leaseNamespace?: string;
  leaseName?: string;
  leaseDuration?: number;
  /** identity names this replica in Leases (default POD_NAME, else hostname-pid; no flag). */
  identity?: string;
  /** retainAuditDays keeps drifts, remediations, decided approvals and audit events this long (0: forever; default 30). */
  retainAuditDays?: number;
  /** auditTokens is the file of `<cluster> <token>` lines the audit webhook receiver accepts (web/audit). */
  auditTokens?: string;
  /** retainIncidentDays keeps incidents this long after their last update (0: forever; default 90). */
  retainIncidentDays?: number;
}

/** parseTrustProxy reads --trust-proxy: true/false, or addresses/CIDRs/names proxy-addr knows (uniquelocal…). */
export function parseTrustProxy(value: string): boolean | string {
  const text = value.trim();
  if (text === 'true' || text === 'false') return text === 'true';
  // fastify ignores X-Forwarded-Proto with a bare hop count (it cannot tell who sent it).
  if (text === '' || /^\d+$/.test(text))
    throw new InvalidArgumentError(
      "give true, false, or the proxies' addresses/CIDRs (comma-separated; loopback, uniquelocal and linklocal name the private ranges)",
    );
  return text;
}

/** addServeOptions adds serve's options (also used by demo). */
export function addServeOptions(command: Command): Command {
  addRepoOptions(command)
    .option('--remediate', 'fix drift automatically (server dry-run first, then server-side apply)')
    .option('--prune', 'delete objects trueup created that the repo no longer declares')
    .option('--replace-immutable', 'delete and re-create drifted immutable objects')
    .option(
      '--diagnosis-approvals',
      'without --remediate, still queue approvals for diagnosed fixes (an approval then writes to the cluster)',
    )
    .option('--listen <host:port>', 'HTTP address for health, metrics and the API', '127.0.0.1:8080')
    .option('--state-dir <dir>', 'where the audit store lives', './.trueup')
    .option('--store <url>', storeHelp)
    .option('--resync <cron>', 'full resync schedule (node-cron syntax)', '*/5 * * * *')
    .option('--poll-interval <seconds>', 'how often to fetch the repo', (v) => Number(v), 30)
    .option('--no-events', 'do not record Kubernetes Events on objects')
    .option(
      '--audit-tokens <file>',
      'receive Kubernetes audit events at POST /api/v1/audit/<cluster>: a file of "<cluster> <token>" lines (the bearer token of each cluster\'s audit webhook kubeconfig)',
    )
    .option(
      '--cluster-label <name>',
      'the alert label that names the cluster (Alertmanager webhook)',
      'cluster',
    )
    .option(
      '--default-cluster <name>',
      'the cluster of alerts without the cluster label (default: look in every fleet cluster)',
    )
    .option(
      '--repo-web-url <template>',
      'link provenance to the repo web view, e.g. https://git.example/fleet/blob/{revision}/{file}#L{line}',
    );
  // In this order in --help: the proxy, chat, replicas, retention.
  addAuthProxyOptions(command);
  addChatOptions(command);
  addHaOptions(command);
  addRetentionOptions(command);
  return addLogFormatOption(command.option('--log-level <level>', 'pino log level', 'info'));
}

/** addLogFormatOption adds --log-format: human lines on a terminal, JSON lines for pipes and collectors. */
export function addLogFormatOption(command: Command): Command {
  return command.addOption(
    new Option(
      '--log-format <format>',
      'logs as pretty lines or JSON lines; auto: pretty when stdout is a terminal (colour unless NO_COLOR), JSON otherwise',
    )
      .choices(logFormatChoices)
      .default('auto')
      .env('TRUEUP_LOG_FORMAT'),
  );
}

/** addAuthProxyOptions adds serve's options for the authenticating proxy in front of it. */
function addAuthProxyOptions(command: Command): Command {
  return command
    .option(
      '--auth-proxy-user-header <name>',
      'trust this header for the user (behind an authenticating proxy only)',
    )
    .option('--auth-proxy-groups-header <name>', "the proxy's comma-separated groups header")
    .option(
      '--auth-proxy-jwt-header <name>',
      "verify the proxy's signed identity: the header with its JWT (key: TRUEUP_PROXY_JWT_KEY, PEM or shared secret)",
    )
    .option('--auth-proxy-jwt-issuer <iss>', 'the JWT must have this issuer')
    .option('--auth-proxy-jwt-audience <aud>', 'the JWT must have this audience')
    .option('--auth-proxy-jwt-user-claim <claim>', 'the JWT claim naming the user', 'email')
    .option('--auth-proxy-jwt-groups-claim <claim>', "the JWT claim listing the user's groups", 'groups')
    .option(
      '--trust-proxy <value>',
      'believe X-Forwarded-Proto/-For from these reverse proxies: true, or addresses/CIDRs (comma-separated; uniquelocal = the private ranges)',
      parseTrustProxy,
    )
    .option(
      '--operators <user-or-group...>',
      'proxy users or groups with the operator role (others: viewer)',
    );
}

/** addChatOptions adds serve's chat-ops options (secrets come from the environment). */
function addChatOptions(command: Command): Command {
  return command
    .option(
      '--chat-config <file>',
      'chat-ops routing and approvers (YAML or JSON); secrets come from SLACK_* env',
    )
    .option('--console-url <url>', 'the console URL chat messages link to (e.g. https://trueup.example)')
    .option(
      '--slack-channel <channel>',
      'the Slack channel for notifications when the chat config has no routes',
    )
    .option(
      '--chat-approvers <slack-id...>',
      'Slack users (U…) or user groups (S…) who may approve from chat',
    );
}

/** addHaOptions adds serve's options for several replicas: leader election, sharding, the Leases. */
function addHaOptions(command: Command): Command {
  return command
    .option(
      '--leader-elect',
      'with several replicas: only the holder of the leader Lease watches and remediates',
    )
    .option('--shards <mode>', 'auto: share the clusters among the replicas, one Lease per cluster')
    .option(
      '--lease-cluster <context>',
      'kubeconfig context holding the Leases (default: in-cluster, else current)',
    )
    .option('--lease-namespace <ns>', 'namespace of the Leases (default: $POD_NAMESPACE, else trueup)')
    .option('--lease-name <name>', 'the leader Lease, and the prefix of the sharding Leases', 'trueup')
    .option('--lease-duration <seconds>', 'how long a Lease lasts without renewal', (v) => Number(v), 15);
}

/** addRetentionOptions adds how long serve keeps the audit records and incidents. */
function addRetentionOptions(command: Command): Command {
  return command
    .option(
      '--retain-audit-days <days>',
      'delete drifts, remediations, decided approvals and audit events older than this (0: keep forever; pending approvals are kept)',
      (v) => Number(v),
      30,
    )
    .option(
      '--retain-incident-days <days>',
      'delete incidents (with their evidence) not updated for this long (0: keep forever)',
      (v) => Number(v),
      90,
    );
}

/** DiagnoseOptions are `trueup diagnose`'s options. */
export interface DiagnoseOptions extends RunOptions, OutputOptions {
  alert: string;
  clusterLabel: string;
  defaultCluster?: string;
  stateDir: string;
  store?: string;
}

/** addDiagnoseOptions adds diagnose's options. */
export function addDiagnoseOptions(command: Command): Command {
  return addRepoOptions(command)
    .requiredOption('--alert <file>', 'an Alertmanager webhook payload (JSON); - reads stdin')
    .option('--cluster-label <name>', 'the alert label that names the cluster', 'cluster')
    .option(
      '--default-cluster <name>',
      'the cluster of alerts without the cluster label (default: look in every fleet cluster)',
    )
    .option('--state-dir <dir>', 'the audit store: drift history, remediations, approvals', './.trueup')
    .option('--store <url>', storeHelp)
    .option('-o, --output <format>', 'text or json', 'text');
}

/** DemoOptions are `trueup demo`'s options. */
export interface DemoOptions {
  listen: string;
  logFormat?: LogFormatChoice;
  dir?: string;
  observe?: boolean;
}

/** addDemoOptions adds demo's options. */
export function addDemoOptions(command: Command): Command {
  return command
    .option('--listen <host:port>', 'HTTP address of the daemon', '127.0.0.1:8080')
    .option('--dir <dir>', 'where the demo keeps its fleet, repo and state (default: a new temp folder)')
    .option('--observe', 'detect and report drift only; do not remediate')
    .addOption(
      new Option('--log-format <format>', "the daemon's logs: pretty, json, or auto (pretty on a terminal)")
        .choices(logFormatChoices)
        .default('auto')
        .env('TRUEUP_LOG_FORMAT'),
    );
}

/** ExplainOptions are `trueup explain`'s options. */
export interface ExplainOptions
  extends Pick<RunOptions, 'repo' | 'revision' | 'branch' | 'cacheDir'>,
    OutputOptions {
  at?: string;
}

/** addExplainOptions adds explain's options (the repo, no cluster access). */
export function addExplainOptions(command: Command): Command {
  return command
    .argument('<object>', '<cluster>/<namespace>/<kind>/<name>')
    .requiredOption('--repo <path|url>', 'the fleet repo: a local path or a git URL')
    .option('--revision <rev>', 'pin a commit SHA or tag (default: follow the branch)')
    .option('--branch <name>', 'branch to follow (default: the remote default branch)')
    .option('--cache-dir <dir>', 'git cache folder (default: $XDG_CACHE_HOME/trueup)')
    .option('--at <time>', 'explain as of this time (ISO 8601), for windows; default now')
    .option('-o, --output <format>', 'text or json', 'text');
}

/** AuditIngestOptions are `trueup audit ingest`'s options. */
export interface AuditIngestOptions
  extends Pick<RunOptions, 'repo' | 'revision' | 'branch' | 'cacheDir' | 'namespaces'>,
    OutputOptions {
  cluster: string;
  stateDir: string;
  store?: string;
}

/** addAuditIngestOptions adds `audit ingest`'s options: the repo (what trueup manages), the cluster, the store. */
export function addAuditIngestOptions(command: Command): Command {
  return addCacheDirOption(
    addSourceOptions(command.argument('<file>', 'audit events: JSON lines or an EventList; - reads stdin')),
  )
    .requiredOption('--cluster <name>', 'the fleet.yaml cluster the events come from')
    .option('--state-dir <dir>', stateDirHelp, './.trueup')
    .option('--store <url>', storeHelp)
    .option('-o, --output <format>', 'text or json', 'text');
}

/** ApprovalListOptions are `trueup approvals list`'s options. */
export interface ApprovalListOptions extends OutputOptions {
  stateDir: string;
  store?: string;
  all?: boolean;
}

/** ApproveOptions are `trueup approve`'s options. */
export interface ApproveOptions extends RunOptions {
  as?: string;
  stateDir: string;
  store?: string;
}

/** RejectOptions are `trueup reject`'s options. */
export interface RejectOptions {
  as?: string;
  stateDir: string;
  store?: string;
  reason?: string;
}

const stateDirHelp = 'where the audit store (and its approvals) lives';

/** storeHelp describes --store, the PostgreSQL audit store replicas share. */
export const storeHelp =
  'the audit store in PostgreSQL, shared by replicas: postgres://user@host:5432/db (default: $TRUEUP_DATABASE_URL, which keeps the password off the command line; else SQLite in --state-dir)';

/** addApprovalListOptions adds `approvals list`'s options. */
export function addApprovalListOptions(command: Command): Command {
  return command
    .option('--state-dir <dir>', stateDirHelp, './.trueup')
    .option('--store <url>', storeHelp)
    .option('--all', 'include approved, rejected and stale items')
    .option('-o, --output <format>', 'text or json', 'text');
}

/** addApproveOptions adds `approve`'s options: who, and the repo and clusters to apply to. */
export function addApproveOptions(command: Command): Command {
  return addRepoOptions(command.argument('<id>', 'the approval id (trueup approvals list)'))
    .option('--as <name>', 'who approves (recorded in the audit trail)')
    .option('--state-dir <dir>', stateDirHelp, './.trueup')
    .option('--store <url>', storeHelp);
}

/** addRejectOptions adds `reject`'s options. */
export function addRejectOptions(command: Command): Command {
  return command
    .argument('<id>', 'the approval id (trueup approvals list)')
    .option('--as <name>', 'who rejects (recorded in the audit trail)')
    .option('--reason <text>', 'why, for the audit trail')
    .option('--state-dir <dir>', stateDirHelp, './.trueup')
    .option('--store <url>', storeHelp);
}
