/**
 * A real Alertmanager for tests: Debian's `prometheus-alertmanager` (0.25 on bookworm), started on
 * a free 127.0.0.1 port with a webhook receiver pointing at the URL under test. Fixtures show what
 * Alertmanager sent once; this shows what it sends now, including grouping, auth and retries.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';

const run = promisify(execFile);

/** ALERTMANAGER_MISSING is the error text when the binary is not installed. */
export const ALERTMANAGER_MISSING =
  'prometheus-alertmanager not found: run `apt-get install -y prometheus-alertmanager` (Debian)';

/** AlertmanagerOptions configure the one webhook receiver and the route's timing. */
export interface AlertmanagerOptions {
  webhookUrl: string;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  /** groupBy labels; default `[alertname, namespace]` as in the shipped example config. */
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}

/** TestAlert is an alert as posted to Alertmanager's `/api/v2/alerts`. */
export interface TestAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

/** RunningAlertmanager is a started Alertmanager and the calls tests make on it. */
export interface RunningAlertmanager {
  url: string;
  postAlerts(alerts: TestAlert[]): Promise<void>;
  /** resolveAlerts re-posts the alerts with these label sets with an endsAt in the past. */
  resolveAlerts(labelsList: Record<string, string>[]): Promise<void>;
  stop(): Promise<void>;
  /** logs is what Alertmanager wrote to stdout and stderr so far. */
  logs(): string;
}

/** findAlertmanager returns the binary's path, or undefined when it is not installed. */
export function findAlertmanager(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin'].filter((d) => d !== '');
  return dirs.map((d) => join(d, 'prometheus-alertmanager')).find((p) => existsSync(p));
}

/**
 * ensureAlertmanager returns the binary's path, installing Debian's package first when it is
 * missing and we are root with apt-get; otherwise it throws ALERTMANAGER_MISSING.
 */
export async function ensureAlertmanager(): Promise<string> {
  const found = findAlertmanager();
  if (found) return found;
  const aptGet = ['/usr/bin/apt-get', '/bin/apt-get'].find((p) => existsSync(p));
  if (!aptGet || process.getuid?.() !== 0) throw new Error(ALERTMANAGER_MISSING);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => run(aptGet, ['install', '-y', 'prometheus-alertmanager'], { env });
  try {
    await install();
  } catch {
    // A fresh image has no package lists yet: update once, then try again.
    try {
      await run(aptGet, ['update'], { env });
      await install();
    } catch (error) {
      throw new Error(`${ALERTMANAGER_MISSING}; the automatic install failed: ${String(error)}`);
    }
  }
  const installed = findAlertmanager();
  if (!installed) throw new Error(ALERTMANAGER_MISSING);
  return installed;
}

/** alertmanagerConfig renders the config file: one route, one webhook receiver, resolved sent. */
export function alertmanagerConfig(options: AlertmanagerOptions): string {
  const httpConfig: Record<string, unknown> = {};
  if (options.bearerToken) httpConfig.authorization = { credentials: options.bearerToken };
  if (options.basicAuth) httpConfig.basic_auth = options.basicAuth;
  return stringify({
    route: {
      receiver: 'trueup',
      group_by: options.groupBy ?? ['alertname', 'namespace'],
      group_wait: options.groupWait ?? '1s',
      group_interval: options.groupInterval ?? '2s',
      repeat_interval: options.repeatInterval ?? '1h',
    },
    receivers: [
      {
        name: 'trueup',
        webhook_configs: [
          {
            url: options.webhookUrl,
            send_resolved: true,
            ...(Object.keys(httpConfig).length > 0 ? { http_config: httpConfig } : {}),
          },
        ],
      },
    ],
  });
}

/** freePort asks the kernel for a free port on 127.0.0.1. */
export async function freePort(): Promise<number> {
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

/** startAlertmanager starts a real Alertmanager and waits until `/-/ready` answers 200. */
export async function startAlertmanager(options: AlertmanagerOptions): Promise<RunningAlertmanager> {
  const binary = findAlertmanager();
  if (!binary) throw new Error(ALERTMANAGER_MISSING);
  const dir = await mkdtemp(join(tmpdir(), 'trueup-alertmanager-'));
  const configFile = join(dir, 'alertmanager.yml');
  // The config holds the test's webhook credential: readable by us only.
  await writeFile(configFile, alertmanagerConfig(options), { mode: 0o600 });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, exited, logs } = spawnAlertmanager(binary, dir, configFile, port);
  const stop = async () => {
    await killGroup(child, exited);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, logs);
  } catch (error) {
    await stop();
    throw error;
  }
  const startedAt = new Map<string, string>();
  return {
    url,
    postAlerts: async (alerts) => {
      const now = new Date().toISOString();
      const body = alerts.map((a) => ({ ...a, startsAt: a.startsAt ?? now }));
      for (const a of body) startedAt.set(labelKey(a.labels), a.startsAt);
      await postJson(`${url}/api/v2/alerts`, body);
    },
    resolveAlerts: async (labelsList) => {
      const endsAt = new Date(Date.now() - 1000);
      const body = labelsList.map((labels) => {
        // Alertmanager refuses endsAt before startsAt, and merges by fingerprint keeping the
        // earliest startsAt: reuse the one we posted.
        const started = new Date(startedAt.get(labelKey(labels)) ?? endsAt.getTime() - 60_000);
        const startsAt = started < endsAt ? started : endsAt;
        return { labels, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() };
      });
      await postJson(`${url}/api/v2/alerts`, body);
    },
    stop,
    logs,
  };
}

/** spawnAlertmanager starts the binary in its own process group and collects its output. */
function spawnAlertmanager(binary: string, dir: string, configFile: string, port: number) {
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // An empty cluster address disables gossip: no second port, no peers to wait for.
      '--cluster.listen-address=',
    ],
    // Its own process group, so that stop() can kill everything it started.
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited, logs: () => output };
}

function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

async function postJson(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`Alertmanager refused POST ${url}: ${res.status} ${await res.text()}`);
}

async function waitReady(url: string, child: ChildProcess, logs: () => string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`prometheus-alertmanager exited (${child.exitCode ?? child.signalCode}):\n${logs()}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prometheus-alertmanager not ready at ${url} after ${timeoutMs} ms:\n${logs()}`);
}

/** killGroup sends SIGTERM to the process group, then SIGKILL if it has not exited in 5 s. */
async function killGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), name);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    signal('SIGKILL');
    await exited;
  }
}
