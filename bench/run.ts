/**
 * The bench scripts' shared helpers: child processes timed from spawn to exit (peak RSS from GNU
 * time), and the formatting of figures and progress lines.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** gnuTime measures a child's peak RSS (`-f %M`). */
export const gnuTime = '/usr/bin/time';

export const ms = (v: number) =>
  Number.isNaN(v) ? 'n/a' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
export const mib = (kb: number | undefined) => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MiB`);
export const log = (msg: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
export const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

// ---------------------------------------------------------------------------------------------
// Child processes

export interface Ran {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
  /** maxRssKb is the child's peak RSS from GNU time, when it was asked for and is installed. */
  maxRssKb?: number;
}

/** run spawns a command and times it from spawn to exit; with rss it runs under GNU time -f %M. */
export async function run(
  cmd: string,
  args: string[],
  opts: { rss?: boolean; env?: NodeJS.ProcessEnv } = {},
) {
  const useTime = opts.rss === true && existsSync(gnuTime);
  const rssFile = useTime ? join(tmpdir(), `trueup-bench-rss-${process.pid}-${Math.random()}`) : '';
  const [file, argv] = useTime ? [gnuTime, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
  const started = performance.now();
  const child: ChildProcess = spawn(file, argv, {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? -1));
  });
  const ran: Ran = {
    ms: performance.now() - started,
    code,
    stdout: Buffer.concat(out).toString(),
    stderr: Buffer.concat(err).toString(),
  };
  if (useTime) {
    const text = await readFile(rssFile, 'utf8').catch(() => '');
    await rm(rssFile, { force: true });
    // GNU time prefixes "Command exited with non-zero status N" when the command fails.
    const kb = Number(text.trim().split('\n').pop());
    if (Number.isFinite(kb) && kb > 0) ran.maxRssKb = kb;
  }
  return ran;
}

export function must(ran: Ran, what: string, okCodes = [0]): Ran {
  if (!okCodes.includes(ran.code))
    throw new Error(`${what} exited ${ran.code}:\n${ran.stderr.slice(-2000)}${ran.stdout.slice(-1000)}`);
  return ran;
}
