/**
 * A real PostgreSQL for the tests (Debian's `postgresql` package): `initdb` into a temp folder and
 * `postgres` on a loopback port, fsync off (a test server's data is thrown away). Run as the
 * `postgres` user when we are root, since postgres refuses to run as root.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

const POSTGRES_MISSING = 'PostgreSQL not found: run `apt-get install -y postgresql` (Debian, as root)';

/** RunningPostgres is a test server: its superuser URL, how to restart and stop it. */
export interface RunningPostgres {
  /** url is the superuser's connection URL (trust authentication on loopback, no password). */
  url: string;
  dir: string;
  /** restart stops the server (fast shutdown: connections are cut) and starts it again on the same port. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** findPostgresBin returns the newest /usr/lib/postgresql/<version>/bin holding initdb and postgres. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

/**
 * ensurePostgres returns the binaries' folder, installing Debian's package first when it is
 * missing and we are root with apt-get; otherwise it throws with the line to run.
 */
export async function ensurePostgres(): Promise<string> {
  const found = findPostgresBin();
  if (found) return found;
  const aptGet = ['/usr/bin/apt-get', '/bin/apt-get'].find((p) => existsSync(p));
  if (!aptGet || process.getuid?.() !== 0) throw new Error(POSTGRES_MISSING);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => run(aptGet, ['install', '-y', 'postgresql'], { env });
  try {
    await install();
  } catch {
    // A fresh image has no package lists yet: update once, then try again.
    await run(aptGet, ['update'], { env });
    await install();
  }
  const installed = findPostgresBin();
  if (!installed) throw new Error(POSTGRES_MISSING);
  return installed;
}

/** The user postgres runs as: ourselves, or the package's `postgres` user when we are root. */
async function runAs(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** startPostgres initdbs a fresh cluster in a temp folder and starts postgres on a free loopback port. */
export async function startPostgres(): Promise<RunningPostgres> {
  const bin = await ensurePostgres();
  const user = await runAs();
  const dir = mkdtempSync(join(tmpdir(), 'trueup-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'trueup', '-A', 'trust', '--no-sync', '-E', 'UTF8'], {
    ...(user ?? {}),
    cwd: dir,
  });
  const port = await freePort();
  const url = `postgres://trueup@127.0.0.1:${port}/postgres`;
  let child = await launch(bin, data, dir, port, user);
  return {
    url,
    dir,
    async restart(downMs = 0) {
      await halt(child);
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      child = await launch(bin, data, dir, port, user);
    },
    async stop() {
      await halt(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** launch starts postgres and waits until it accepts a connection. */
async function launch(
  bin: string,
  data: string,
  dir: string,
  port: number,
  user: { uid: number; gid: number } | undefined,
): Promise<ChildProcess> {
  const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
  args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  args.push('-c', 'max_connections=300');
  const child = spawn(join(bin, 'postgres'), args, {
    ...(user ?? {}),
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let logs = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    logs = (logs + chunk.toString('utf8')).slice(-4000);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}):\n${logs}`);
    const client = new pg.Client({ connectionString: `postgres://trueup@127.0.0.1:${port}/postgres` });
    try {
      await client.connect();
      await client.end();
      return child;
    } catch {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`postgres did not start in 30s:\n${logs}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** halt sends SIGINT (postgres's fast shutdown: open connections are cut) and waits for the exit. */
async function halt(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  await exited;
}

let databases = 0;

/** freshDatabase creates an empty database on the server at `url` and returns its URL. */
export async function freshDatabase(url: string, prefix = 't'): Promise<string> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${databases++}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
