/**
 * The installation id: which trueup installation applied an object (annotation
 * `trueup.io/installation`), so that two installations on one cluster never take each other's
 * objects for orphans nor prune them. Given with `--installation` or `TRUEUP_INSTALLATION` (the
 * Helm chart passes `<release namespace>.<release name>`), or else generated once into the state
 * folder (`<state-dir>/installation`) and read from there ever after.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './errors.ts';

/** installationPattern: what an id may be (an annotation value kept short and printable). */
const installationPattern = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

/**
 * resolveInstallation returns the installation id: the flag, else the environment, else the one
 * stored in stateDir (created there when `create` and missing); undefined when there is none.
 */
export function resolveInstallation(options: {
  installation?: string;
  stateDir?: string;
  create?: boolean;
  env?: NodeJS.ProcessEnv;
}): string | undefined {
  const given = options.installation ?? (options.env ?? process.env).TRUEUP_INSTALLATION;
  if (given !== undefined && given !== '') return checked(given, '--installation / TRUEUP_INSTALLATION');
  if (options.stateDir === undefined) return undefined;
  const file = join(options.stateDir, 'installation');
  try {
    return checked(readFileSync(file, 'utf8').trim(), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !options.create) {
      if (err instanceof UsageError) throw err;
      return undefined;
    }
  }
  const id = `trueup-${randomBytes(6).toString('hex')}`;
  mkdirSync(options.stateDir, { recursive: true });
  // wx: two processes starting at once agree on the first one written.
  try {
    writeFileSync(file, `${id}\n`, { flag: 'wx' });
  } catch {
    return checked(readFileSync(file, 'utf8').trim(), file);
  }
  return id;
}

function checked(id: string, where: string): string {
  if (!installationPattern.test(id))
    throw new UsageError(
      `${where}: installation id ${JSON.stringify(id.slice(0, 80))} must be 1-63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit`,
    );
  return id;
}
