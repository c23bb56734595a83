/**
 * Helpers for the HA tests: `trueup serve` as a real child process (so that "kill" is a real
 * SIGKILL), its pino log kept line by line, its API called with a console token; and reading what
 * a replica's audit store recorded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuditStore, type RemediationRecord } from '../../reconciler/store/store.ts';

const bin = new URL('../../bin/trueup.js', import.meta.url).pathname;
const token = randomBytes(12).toString('hex');

/** Replica is one running `trueup serve` process. */
export interface Replica {
  identity: string;
  url: string;
  stateDir: string;
  child: ChildProcess;
  /** lines are the pino log lines so far, parsed. */
  lines(): { msg?: string; [field: string]: unknown }[];
  /** api GETs a path of the replica's API (with an operator token) and parses the JSON. */
  api<T = Record<string, unknown>>(path: string): Promise<T>;
  /** post POSTs to a path of the replica's API and returns the status and the parsed JSON. */
  post(path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  /** kill sends a signal and waits for the process to end. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** startReplica starts `trueup serve <args>` as replica `identity` (env added) and waits for its HTTP server. */
export async function startReplica(
  identity: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Replica> {
  const stateDir = await mkdtemp(join(tmpdir(), `trueup-${identity}-state-`));
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--listen', '127.0.0.1:0', '--state-dir', stateDir, ...args],
    {
      env: { ...process.env, POD_NAME: identity, TRUEUP_CONSOLE_TOKENS: `tester:operator:${token}`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const parsed: { msg?: string; [field: string]: unknown }[] = [];
  let stderr = '';
  let rest = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout?.on('data', (d: Buffer) => {
    const text = rest + d.toString();
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      try {
        parsed.push(JSON.parse(line));
      } catch {
        parsed.push({ msg: line });
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const listening = parsed.find((l) => l.msg === 'trueup serve listening');
      if (listening) {
        clearInterval(timer);
        resolve(String(listening.url));
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`trueup serve ${identity} exited ${child.exitCode}: ${stderr}`));
      }
    }, 50);
  });
  return {
    identity,
    url,
    stateDir,
    child,
    lines: () => parsed,
    async api(path) {
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return (await res.json()) as never;
    },
    async post(path, body = {}) {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** appliedIn lists the changes a replica's audit store says it applied (not held, not failed) to one object. */
export async function appliedIn(
  stateDir: string,
  q: { cluster: string; namespace: string; name: string; since?: string },
): Promise<RemediationRecord[]> {
  const store = await openAuditStore(stateDir);
  try {
    return (await store.remediations(q)).filter(
      (r) => !['skipped', 'unchanged'].includes(r.entry.action) && !r.entry.error,
    );
  } finally {
    await store.close();
  }
}

/** keepLogs writes each replica's log next to its state dir and says where (for a failed test). */
export function keepLogs(replicas: Replica[]): void {
  for (const r of replicas) {
    const file = join(r.stateDir, 'serve.log');
    writeFileSync(
      file,
      r
        .lines()
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
    console.error(`${r.identity}: log kept in ${file}`);
  }
}
