import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Each test starts a real process; on a busy 2-core machine that can take seconds.
const processTimeout = 30_000;

const bin = new URL('../bin/trueup.js', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** trueup runs the real executable with the test's Node (the project's Node 24). */
async function trueup(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the trueup executable', { timeout: processTimeout }, () => {
  it('prints the package version with --version and exits 0', async () => {
    expect(await trueup('--version')).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('lists every subcommand in --help and exits 0', async () => {
    const { code, stdout } = await trueup('--help');
    expect(code).toBe(0);
    for (const cmd of ['diff', 'reconcile', 'serve', 'demo', 'explain', 'approvals']) {
      expect(stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    }
  });

  it('exits 2 with the reason on an unknown subcommand', async () => {
    const { code, stderr } = await trueup('frobnicate');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'frobnicate'");
  });

  it('refuses to run on Node older than 24 with a clear message', async () => {
    // The machine's /usr/bin/node is Node 20; skip this row where it is not there.
    const old = '/usr/bin/node';
    const { existsSync } = await import('node:fs');
    if (!existsSync(old)) return;
    const res = await promisify(execFile)(old, ['--version']);
    if (Number(res.stdout.slice(1).split('.')[0]) >= 24) return;
    const run = await promisify(execFile)(old, [bin, '--version']).catch((e) => e);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('trueup needs Node.js 24');
  });
});
