/**
 * trueup's command line: parses arguments and dispatches to the subcommands. Exit codes follow
 * `kubectl diff`: 0 in sync / success, 1 drift found or left, 2 error (including usage errors).
 */
import { Command, CommanderError } from 'commander';
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
    .showHelpAfterError();

  const pending = (name: string, issue: string) => () => {
    process.stderr.write(`trueup ${name}: not available yet (${issue}).\n`);
    process.exitCode = ExitCode.error;
  };
  program
    .command('diff')
    .description('show drift between the fleet repo and the live clusters')
    .action(pending('diff', 'reconciler'));
  program
    .command('reconcile')
    .description('compute drift once and, with --remediate, fix it with server-side apply')
    .action(pending('reconcile', 'reconciler'));
  program
    .command('serve')
    .description('run the daemon: watch, detect, remediate, serve the console')
    .action(pending('serve', 'reconciler'));
  program
    .command('demo')
    .description('start a local 3-cluster fleet with an example repo and the console')
    .action(pending('demo', 'reconciler'));
  program
    .command('explain')
    .description('explain the policy decision for one object')
    .action(pending('explain', 'policies'));
  program
    .command('approvals')
    .description('list, approve or reject pending remediations')
    .action(pending('approvals', 'policies'));
  return program;
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
    process.stderr.write(`trueup: ${(err as Error).message}\n`);
    return ExitCode.error;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
}
