/**
 * trueup's command line: parses arguments and dispatches to the subcommands. Exit codes follow
 * `kubectl diff`: 0 in sync / success, 1 drift found or left (for validate: conflicts only), 2 error
 * (including usage errors).
 */
import { Command, CommanderError } from 'commander';
import { redactUrls } from '../reconciler/core/redact.ts';
import { UsageError } from './errors.ts';
import {
  addApprovalListOptions,
  addApproveOptions,
  addAuditIngestOptions,
  addDemoOptions,
  addDiagnoseOptions,
  addExplainOptions,
  addPreviewOptions,
  addRejectOptions,
  addRunOptions,
  addServeOptions,
  addValidateOptions,
  storeHelp,
} from './options.ts';
import { version } from './version.ts';

/** ExitCode is the process exit status every subcommand maps its outcome to. */
export const ExitCode = { ok: 0, drift: 1, error: 2 } as const;

/** buildProgram returns the commander program with every subcommand wired. */
export function buildProgram(): Command {
  const program = new Command('trueup')
    .description(
      'Fleet config-drift reconciler: Git is the truth for ConfigMaps and Secrets across clusters.',
    )
    .version(version, '-V, --version')
    .exitOverride()
    .showHelpAfterError()
    // Every command keys Secret digests with the installation's key before it reads anything.
    .hook('preAction', async (_program, command) => {
      const { configureDigestKey } = await import('./digest-key.ts');
      configureDigestKey(command.opts().stateDir);
    });
  addFleetCommands(program);
  addServiceCommands(program);
  addApprovalCommands(program);
  addAuditCommands(program);
  return program;
}

/** addFleetCommands adds the commands that compare the fleet repo with the clusters: diff, validate, reconcile. */
function addFleetCommands(program: Command): void {
  addRunOptions(program.command('diff'))
    .description('show drift between the fleet repo and the live clusters (exit 0 in sync, 1 drift, 2 error)')
    .option(
      '--state-dir <dir>',
      "the installation's state folder, read for its id, digest key and audit events (who made each drift); diff records nothing (default: ./.trueup when there)",
    )
    .option('--store <url>', `${storeHelp}; diff reads its audit events`)
    .action(async (options) => {
      process.exitCode = await (await import('./fleet-commands.ts')).diffCommand(options);
    });
  addValidateOptions(program.command('validate'))
    .description(
      'check the fleet repo without cluster access, as CI would (exit 0 valid, 1 conflicts only, 2 errors)',
    )
    .action(async (options) => {
      process.exitCode = await (await import('./validate.ts')).validateCommand(options);
    });
  addPreviewOptions(program.command('preview'))
    .description(
      'preview what merging a revision does to the fleet: changes per cluster, dry-run, policy decisions (exit 0 no change, 1 changes, 2 errors)',
    )
    .action(async (options) => {
      process.exitCode = await (await import('./preview.ts')).previewCommand(options);
    });
  addRunOptions(program.command('reconcile'))
    .description('compute drift once and, with --remediate, fix it with server-side apply')
    .option('--once', 'run one cycle and exit')
    .option('--remediate', 'fix drift (server dry-run first, then server-side apply)')
    .option('--dry-run', 'plan and validate with the server dry-run; change nothing')
    .option('--prune', 'delete objects trueup created that the repo no longer declares')
    .option('--replace-immutable', 'delete and re-create drifted immutable objects')
    .option('--state-dir <dir>', 'record drifts and remediations in the audit store here', './.trueup')
    .option('--store <url>', storeHelp)
    .action(async (options) => {
      process.exitCode = await (await import('./fleet-commands.ts')).reconcileCommand(options);
    });
}

/** addServiceCommands adds the daemon and the commands around it: serve, demo, explain, diagnose. */
function addServiceCommands(program: Command): void {
  addServeOptions(program.command('serve'))
    .description('run the daemon: watch, detect, remediate, serve health, metrics and the API')
    .action(async (options) => {
      process.exitCode = await (await import('./serve.ts')).serveCommand(options);
    });
  addDemoOptions(program.command('demo'))
    .description('start a local 3-cluster fleet, an example repo and the daemon (needs Go the first time)')
    .action(async (options) => {
      process.exitCode = await (await import('./demo.ts')).demoCommand(options);
    });
  addExplainOptions(program.command('explain'))
    .description('explain the policy decision for one object: matching rules, windows, limits, decision')
    .action(async (object, options) => {
      process.exitCode = await (await import('./explain.ts')).explainCommand(object, options);
    });
  addDiagnoseOptions(program.command('diagnose'))
    .description(
      'investigate an Alertmanager alert group: evidence, LLM or offline diagnosis, fix validated by dry-run',
    )
    .action(async (options) => {
      process.exitCode = await (await import('./diagnose.ts')).diagnoseCommand(options);
    });
}

/** addApprovalCommands adds the approval queue's commands: approvals list, approve, reject. */
function addApprovalCommands(program: Command): void {
  const approvals = program.command('approvals').description('changes pending approval');
  addApprovalListOptions(approvals.command('list'))
    .description('list pending approvals (with --all: every approval and what became of it)')
    .action(async (options) => {
      process.exitCode = await (await import('./approvals.ts')).listApprovalsCommand(options);
    });
  addApproveOptions(program.command('approve'))
    .description(
      'approve a pending change: re-checked against the repo and the live object, then dry-run and applied',
    )
    .action(async (id, options) => {
      process.exitCode = await (await import('./approvals.ts')).approveCommand(id, options);
    });
  addRejectOptions(program.command('reject'))
    .description('reject a pending change')
    .action(async (id, options) => {
      process.exitCode = await (await import('./approvals.ts')).rejectCommand(id, options);
    });
}

/** addAuditCommands adds the Kubernetes audit log's commands: audit ingest. */
function addAuditCommands(program: Command): void {
  const audit = program.command('audit').description('Kubernetes audit events: who made each drift');
  addAuditIngestOptions(audit.command('ingest'))
    .description(
      'load audit events exported elsewhere (JSON lines or an EventList; - reads stdin) into the store: writes of managed objects only, never a body',
    )
    .action(async (file, options) => {
      process.exitCode = await (await import('./audit-ingest.ts')).auditIngestCommand(file, options);
    });
}

/** run parses argv, runs the chosen subcommand and returns its exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.error;
    }
    // Usage errors are the user's to fix: no stack. Anything else is ours: keep the stack for the report.
    const e = err as Error;
    const text = e instanceof UsageError ? e.message : (e.stack ?? e.message);
    process.stderr.write(`trueup: ${redactUrls(text)}\n`);
    return ExitCode.error;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
}
