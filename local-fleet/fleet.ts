/**
 * Starts a local fleet of real Kubernetes API servers: one etcd and N kube-apiservers (each with its
 * own etcd prefix, so each is an independent cluster), on loopback ephemeral ports with secure
 * serving and a static admin token, and writes one kubeconfig with one context per cluster.
 * Every process runs in its own process group and is torn down with it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  type AuditRelay,
  auditFlags,
  type FleetAudit,
  newUsers,
  startAuditRelay,
  userTokenLines,
} from './audit.ts';
import type { ClusterBinaries } from './binaries.ts';

/** FleetCluster is one running cluster of a Fleet. */
export interface FleetCluster {
  name: string;
  /** context is the kubeconfig context name; the same as name. */
  context: string;
  server: string;
}

/** Fleet is a running local fleet. */
export interface Fleet {
  dir: string;
  kubeconfigPath: string;
  clusters: FleetCluster[];
  /** stop ends every process; the logs stay in dir when keepLogs is set, else dir is removed. */
  stop(options?: { keepLogs?: boolean }): Promise<void>;
  /** signal sends a signal to one cluster's kube-apiserver: SIGSTOP freezes it, SIGCONT thaws it. */
  signal(cluster: string, signal: NodeJS.Signals): void;
  /** audit is the audit log setup: relay, webhook tokens, log files, static users (local-fleet/audit.ts). */
  audit: FleetAudit;
}

/** FleetOptions configures startFleet. */
export interface FleetOptions {
  binaries: ClusterBinaries;
  /** clusters names the clusters (and kubeconfig contexts); default cluster-1..3. */
  clusters?: string[];
  /** dir is where data, certificates and logs go; default a new temporary folder. */
  dir?: string;
  /** readyTimeoutMs bounds the wait for every /readyz; default 180 s. */
  readyTimeoutMs?: number;
  log?: (msg: string) => void;
}

const loopback = '127.0.0.1';

/** defaultFleetClusters are the cluster names startFleet uses when none are given. */
export const defaultFleetClusters = ['cluster-1', 'cluster-2', 'cluster-3'];

/** startFleet starts etcd and one kube-apiserver per cluster and resolves when all are ready. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const names = options.clusters ?? defaultFleetClusters;
  const log = options.log ?? (() => {});
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'trueup-fleet-')));
  await mkdir(dir, { recursive: true });
  const processes: ManagedProcess[] = [];
  let relay: AuditRelay | undefined;
  const stop = async ({ keepLogs = false } = {}) => {
    // API servers first: with etcd gone they would wait for it instead of shutting down.
    const [etcd, ...apiservers] = processes;
    await Promise.all(apiservers.map((p) => p.stop()));
    await etcd?.stop();
    await relay?.close();
    process.off('exit', killAll);
    if (!keepLogs) await rm(dir, { recursive: true, force: true });
  };
  // If the test runner dies without teardown, take the servers with it.
  const killAll = () => {
    for (const p of processes) p.killNow();
  };
  process.on('exit', killAll);

  try {
    const started = Date.now();
    const etcdUrl = await startEtcd(options, dir, processes);
    const users = newUsers();
    const token = await writeCredentials(dir, userTokenLines(users));
    relay = await startAuditRelay(loopback, dir);
    const audit: FleetAudit = { relayUrl: relay.controlUrl, tokens: {}, logPaths: {}, users };
    const clusters: ClusterServer[] = [];
    for (const name of names) {
      await mkdir(join(dir, name), { recursive: true });
      const a = await auditFlags(dir, name, relay);
      audit.tokens[name] = a.token;
      audit.logPaths[name] = a.logPath;
      clusters.push(await startApiserver(options, dir, name, etcdUrl, processes, a.flags));
    }
    await waitUntilReady(options.readyTimeoutMs ?? 180_000, etcdUrl, clusters, token, processes);
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, await renderKubeconfig(clusters, token), { mode: 0o600 });
    log(
      `fleet of ${clusters.length} clusters ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${dir})`,
    );
    return {
      dir,
      kubeconfigPath,
      clusters: clusters.map(({ name, context, server }) => ({ name, context, server })),
      stop,
      audit,
      signal: (cluster, signal) => {
        const p = processes.find((x) => x.name === `kube-apiserver ${cluster}`);
        if (!p) throw new Error(`no cluster ${cluster} in this fleet`);
        p.signal(signal);
      },
    };
  } catch (err) {
    await stop({ keepLogs: true });
    throw new Error(`${(err as Error).message}\n(server logs kept in ${dir})`, { cause: err });
  }
}

/** ClusterServer is one started kube-apiserver and the folder of its self-generated certificates. */
type ClusterServer = FleetCluster & { certDir: string };

/** startEtcd starts the one etcd every cluster keeps its data in (a prefix each); returns its URL. */
async function startEtcd(options: FleetOptions, dir: string, processes: ManagedProcess[]): Promise<string> {
  const etcdPort = await freePort();
  const etcdPeerPort = await freePort();
  const etcdUrl = `http://${loopback}:${etcdPort}`;
  processes.push(
    startProcess('etcd', options.binaries.etcd, join(dir, 'etcd.log'), [
      '--name=default',
      `--data-dir=${join(dir, 'etcd-data')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://${loopback}:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://${loopback}:${etcdPeerPort}`,
      `--initial-cluster=default=http://${loopback}:${etcdPeerPort}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ]),
  );
  return etcdUrl;
}

/** writeCredentials writes the token file (admin, and `more` lines) and the ServiceAccount key pair; returns the admin token. */
async function writeCredentials(dir: string, more: string): Promise<string> {
  const token = randomBytes(24).toString('hex');
  await writeFile(join(dir, 'tokens.csv'), `${token},trueup-admin,trueup-admin,"system:masters"\n${more}`, {
    mode: 0o600,
  });
  const saKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(dir, 'sa.key'), saKey.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  await writeFile(join(dir, 'sa.pub'), saKey.publicKey.export({ type: 'spki', format: 'pem' }));
  return token;
}

/** startApiserver starts one cluster's kube-apiserver on a free loopback port. */
async function startApiserver(
  options: FleetOptions,
  dir: string,
  name: string,
  etcdUrl: string,
  processes: ManagedProcess[],
  extraFlags: string[] = [],
): Promise<ClusterServer> {
  const port = await freePort();
  const certDir = join(dir, name, 'certs');
  await mkdir(certDir, { recursive: true });
  const server = `https://${loopback}:${port}`;
  processes.push(
    startProcess(`kube-apiserver ${name}`, options.binaries.kubeApiserver, join(dir, name, 'apiserver.log'), [
      `--etcd-servers=${etcdUrl}`,
      `--etcd-prefix=/clusters/${name}`,
      `--advertise-address=${loopback}`,
      `--bind-address=${loopback}`,
      `--secure-port=${port}`,
      `--cert-dir=${certDir}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      // The ServiceAccount admission plugin waits for a token controller that does not run here.
      '--disable-admission-plugins=ServiceAccount',
      '--enable-priority-and-fairness=false',
      '--v=1',
      ...extraFlags,
    ]),
  );
  return { name, context: name, server, certDir };
}

/** waitUntilReady waits for etcd's /health, then every apiserver's /readyz (a dead process fails at once). */
async function waitUntilReady(
  timeoutMs: number,
  etcdUrl: string,
  clusters: ClusterServer[],
  token: string,
  processes: ManagedProcess[],
): Promise<void> {
  await waitFor('etcd', timeoutMs, processes, async () => {
    const res = await fetch(`${etcdUrl}/health`);
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  });
  await Promise.all(
    clusters.map((c) =>
      waitFor(`kube-apiserver ${c.name}`, timeoutMs, processes, () => isReady(c.server, c.certDir, token)),
    ),
  );
}

async function renderKubeconfig(clusters: ClusterServer[], token: string) {
  const entries = await Promise.all(
    clusters.map(async (c) => {
      // The apiserver's self-generated apiserver.crt holds the serving certificate and its CA.
      const ca = await readFile(join(c.certDir, 'apiserver.crt'));
      return {
        cluster: {
          name: c.name,
          cluster: { server: c.server, 'certificate-authority-data': ca.toString('base64') },
        },
        context: { name: c.context, context: { cluster: c.name, user: 'trueup-admin' } },
      };
    }),
  );
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: entries.map((e) => e.cluster),
    contexts: entries.map((e) => e.context),
    'current-context': clusters[0]?.context ?? '',
    users: [{ name: 'trueup-admin', user: { token } }],
  });
}

interface ManagedProcess {
  name: string;
  child: ChildProcess;
  exited: () => string | undefined;
  stop(): Promise<void>;
  killNow(): void;
  signal(signal: NodeJS.Signals): void;
}

function startProcess(name: string, bin: string, logFile: string, args: string[]): ManagedProcess {
  const out = createWriteStream(logFile);
  // detached: each server leads its own process group, so teardown reaches anything it forks.
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  let exit: string | undefined;
  const done = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exit = `exited with ${signal ?? `code ${code}`}`;
      resolve();
    });
    child.on('error', (err) => {
      exit = `could not start ${bin}: ${err.message}`;
      resolve();
    });
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    if (exit || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    name,
    child,
    exited: () => exit && `${name} ${exit} (log: ${logFile})`,
    killNow: () => signalGroup('SIGKILL'),
    signal: signalGroup,
    async stop() {
      signalGroup('SIGTERM');
      // A frozen (SIGSTOPped) server handles SIGTERM only once it runs again.
      signalGroup('SIGCONT');
      const timer = setTimeout(() => signalGroup('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
      await new Promise((resolve) => out.end(resolve));
    },
  };
}

async function waitFor(
  what: string,
  timeoutMs: number,
  processes: ManagedProcess[],
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'not ready';
  while (Date.now() < deadline) {
    const dead = processes.map((p) => p.exited()).find(Boolean);
    if (dead) throw new Error(`waiting for ${what}: ${dead}`);
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000} s: ${lastError}`);
}

async function isReady(server: string, certDir: string, token: string): Promise<boolean> {
  const ca = await readFile(join(certDir, 'apiserver.crt'));
  return new Promise((resolve, reject) => {
    const req = request(
      `${server}/readyz`,
      { ca, headers: { authorization: `Bearer ${token}` }, timeout: 5000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('readyz timed out')));
    req.end();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, loopback, () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
