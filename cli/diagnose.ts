/**
 * `trueup diagnose --alert payload.json`: one investigation from the command line, without the
 * daemon. Reads an Alertmanager webhook payload (a file, or `-` for stdin), gathers the evidence on
 * the fleet, asks the LLM when OPENAI_BASE_URL / OPENAI_API_KEY are set (else the offline
 * diagnoser), validates the proposed fix (policies, then server dry-run) and prints the result.
 * Nothing is applied: a validated fix that policy holds is queued for `trueup approve`.
 */
import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { parseAlertGroup } from '../diagnose/alert.ts';
import { type Investigation, investigate } from '../diagnose/investigate.ts';
import { openStore } from '../reconciler/store/store.ts';
import { investigationDeps } from './diagnose-setup.ts';
import { UsageError } from './errors.ts';
import { loadFleetRun } from './fleet-run.ts';
import type { DiagnoseOptions } from './options.ts';
import { renderInvestigation } from './render-diagnosis.ts';

/** diagnoseCommand runs one investigation and prints it; exit 0 with a diagnosis, 2 on errors. */
export async function diagnoseCommand(options: DiagnoseOptions): Promise<number> {
  const text = await (options.alert === '-' ? readStdin() : readFile(options.alert, 'utf8')).catch(
    (err: Error) => {
      throw new UsageError(`--alert ${options.alert}: ${err.message}`);
    },
  );
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--alert ${options.alert}: not JSON: ${(err as Error).message}`);
  }
  const parsed = parseAlertGroup(body);
  if (!parsed.ok)
    throw new UsageError(`--alert ${options.alert}: not an Alertmanager webhook payload:\n${parsed.error}`);

  const run = await loadFleetRun(options);
  const store = await openStore(options);
  // Logs go to stderr (warnings only) so stdout stays the result.
  const log = pino({ level: 'warn' }, pino.destination(2));
  try {
    const deps = investigationDeps({
      options,
      state: () => run.state,
      store,
      git: run.source,
      // Decisions as the daemon with --remediate would make them; diagnose itself applies nothing.
      cycle: { remediate: true },
      log,
    });
    const result: Investigation = await investigate(parsed.group, deps);
    process.stdout.write(
      options.output === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderInvestigation(result),
    );
    return 0;
  } finally {
    await store.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
