// The I/O edge of sops decryption: where the age identities come from, as sops itself looks for
// them (age/keysource.go). Messages name the variable or file, never the key material.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SopsError } from './sops.ts';

/**
 * loadAgeIdentities returns the age identities (`AGE-SECRET-KEY-1…`) sops would use: those in
 * SOPS_AGE_KEY (several per line allowed), in the file named by SOPS_AGE_KEY_FILE, and in
 * sops/age/keys.txt under the user config directory if that file exists. Blank lines and `#`
 * comments are skipped. Throws a SopsError ('no-key') for an unreadable file or a line that is
 * not an age identity; returns [] when no source is configured.
 */
export async function loadAgeIdentities(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const identities: string[] = [];
  // An empty variable counts as unset.
  if (env.SOPS_AGE_KEY) {
    identities.push(...parseIdentities(env.SOPS_AGE_KEY, 'SOPS_AGE_KEY', true));
  }
  if (env.SOPS_AGE_KEY_FILE) {
    const file = env.SOPS_AGE_KEY_FILE;
    identities.push(...parseIdentities(await readKeyFile(file, `SOPS_AGE_KEY_FILE (${file})`), file, false));
  }
  const configDir = userConfigDir(env);
  if (configDir !== undefined) {
    const file = path.join(configDir, 'sops', 'age', 'keys.txt');
    const text = await readKeyFile(file, file, true);
    if (text !== undefined) identities.push(...parseIdentities(text, file, false));
  }
  return identities;
}

async function readKeyFile(file: string, name: string, optional: true): Promise<string | undefined>;
async function readKeyFile(file: string, name: string, optional?: false): Promise<string>;
async function readKeyFile(file: string, name: string, optional = false): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (optional && code === 'ENOENT') return undefined;
    throw new SopsError('no-key', `cannot read the age key file ${name}: ${code ?? 'unknown error'}`);
  }
}

/** parseIdentities reads sops' identity format; `source` names the variable or file in errors. */
function parseIdentities(text: string, source: string, severalPerLine: boolean): string[] {
  if (/^(age-encryption|-----BEGIN AGE)/.test(text)) {
    throw new SopsError('no-key', `${source} is a passphrase-protected age file; trueup needs a plain key`);
  }
  const identities: string[] = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    for (const word of severalPerLine ? trimmed.split(/\s+/) : [trimmed]) {
      if (!/^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/.test(word)) {
        // never echo the line: it is most likely a mistyped key
        throw new SopsError('no-key', `${source} line ${i + 1} is not an age identity (AGE-SECRET-KEY-1…)`);
      }
      identities.push(word);
    }
  }
  return identities;
}

// Go's os.UserConfigDir, with XDG_CONFIG_HOME honoured on macOS too as sops does.
function userConfigDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.XDG_CONFIG_HOME) return env.XDG_CONFIG_HOME;
  if (process.platform === 'win32') return env.APPDATA || undefined;
  if (!env.HOME) return undefined;
  return process.platform === 'darwin'
    ? path.join(env.HOME, 'Library', 'Application Support')
    : path.join(env.HOME, '.config');
}
