/**
 * The fleet's Kubernetes audit log: every apiserver records ConfigMap and Secret writes at the
 * Metadata level (never a body) to a file (`--audit-log-path`) and to a webhook. The webhook posts
 * to a loopback relay the fleet starts, which forwards to whichever `trueup serve` registered last
 * (`PUT <relay>/target` with `{"url": "http://127.0.0.1:<port>"}`; `DELETE` stops forwarding): the
 * apiservers start before any serve, on ports chosen at start. Without a target, batches are
 * answered 200 and dropped. The relay serves TLS (a self-signed certificate for 127.0.0.1, made
 * with openssl): client-go sends a kubeconfig's bearer token only over https. Also static users for out-of-band edits: alice@corp and bob@corp
 * (group `trueup:editors`, given no rights here: a test binds them).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';

/** FleetAudit is the fleet's audit setup, for tests and the demo. */
export interface FleetAudit {
  /** relayUrl is the relay's control URL (plain http): `PUT`/`DELETE ${relayUrl}/target`. */
  relayUrl: string;
  /** tokens are the bearer tokens each cluster's webhook sends (serve's --audit-tokens lines). */
  tokens: Record<string, string>;
  /** logPaths are each cluster's audit log file (JSON lines). */
  logPaths: Record<string, string>;
  /** users are the static users' bearer tokens, by name (alice, bob). */
  users: Record<'alice' | 'bob', string>;
}

/** AUDIT_POLICY records ConfigMap and Secret writes at Metadata level, and nothing else. */
export const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    verbs: [create, update, patch, delete]
    resources:
      - group: ""
        resources: [configmaps, secrets]
  - level: None
`;

/** userTokenLines are the static users' tokens.csv lines (token,user,uid,"groups"). */
export function userTokenLines(users: FleetAudit['users']): string {
  return `${users.alice},alice@corp,alice,"trueup:editors"\n${users.bob},bob@corp,bob,"trueup:editors"\n`;
}

/** newUsers makes the static users' tokens. */
export function newUsers(): FleetAudit['users'] {
  return { alice: randomBytes(24).toString('hex'), bob: randomBytes(24).toString('hex') };
}

/** AuditRelay is the started relay: url takes the webhooks (https), controlUrl the target (http). */
export interface AuditRelay {
  url: string;
  controlUrl: string;
  /** ca is the relay's certificate (PEM), for the webhook kubeconfigs. */
  ca: string;
  close(): Promise<void>;
}

/** startAuditRelay starts the loopback relay the apiservers' webhooks post to (TLS, certificate made in dir). */
export async function startAuditRelay(host: string, dir: string): Promise<AuditRelay> {
  const key = join(dir, 'audit-relay.key');
  const cert = join(dir, 'audit-relay.crt');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${host}`,
    '-addext',
    `subjectAltName=IP:${host}`,
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  const ca = await readFile(cert, 'utf8');
  let target: string | undefined;
  const serve =
    (routes: 'audit' | 'control') => (req: IncomingMessage, res: import('node:http').ServerResponse) => {
      handle(req, routes, target, (t) => (target = t))
        .then(({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(body))
        .catch((err: Error) => res.writeHead(502).end(JSON.stringify({ error: err.message })));
    };
  const servers: Server[] = [
    createServer({ key: await readFile(key), cert: ca }, serve('audit')),
    createHttpServer(serve('control')),
  ];
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve) =>
          server.listen(0, host, () => {
            const address = server.address();
            resolve(typeof address === 'object' && address ? address.port : 0);
          }),
        ),
    ),
  );
  return {
    url: `https://${host}:${ports[0]}`,
    controlUrl: `http://${host}:${ports[1]}`,
    ca,
    close: async () => {
      for (const server of servers)
        await new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        });
    },
  };
}

async function handle(
  req: IncomingMessage,
  routes: 'audit' | 'control',
  target: string | undefined,
  setTarget: (t: string | undefined) => void,
): Promise<{ status: number; body: string }> {
  const body = await readBody(req);
  if (routes === 'control' && req.url === '/target' && req.method === 'PUT') {
    setTarget((JSON.parse(body) as { url: string }).url);
    return { status: 200, body: '{}' };
  }
  if (routes === 'control' && req.url === '/target' && req.method === 'DELETE') {
    setTarget(undefined);
    return { status: 200, body: '{}' };
  }
  const match = /^\/audit\/([^/?]+)/.exec(req.url ?? '');
  if (routes !== 'audit' || !match || req.method !== 'POST') return { status: 404, body: '{}' };
  if (!target) return { status: 200, body: '{"relayed":false}' };
  const res = await fetch(`${target}/api/v1/audit/${match[1]}`, {
    method: 'POST',
    headers: {
      'content-type': req.headers['content-type'] ?? 'application/json',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    },
    body,
  });
  return { status: res.status, body: await res.text() };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * auditFlags writes the policy and one cluster's webhook kubeconfig (pointing at the relay
 * with a token of its own) and returns the apiserver flags, the token and the log path.
 */
export async function auditFlags(
  dir: string,
  cluster: string,
  relay: Pick<AuditRelay, 'url' | 'ca'>,
): Promise<{ flags: string[]; token: string; logPath: string }> {
  const policy = join(dir, 'audit-policy.yaml');
  await writeFile(policy, AUDIT_POLICY);
  const token = randomBytes(24).toString('hex');
  const kubeconfig = join(dir, cluster, 'audit-webhook.kubeconfig');
  await writeFile(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'trueup',
          cluster: {
            server: `${relay.url}/audit/${cluster}`,
            'certificate-authority-data': Buffer.from(relay.ca).toString('base64'),
          },
        },
      ],
      users: [{ name: 'apiserver', user: { token } }],
      contexts: [{ name: 'default', context: { cluster: 'trueup', user: 'apiserver' } }],
      'current-context': 'default',
    }),
    { mode: 0o600 },
  );
  const logPath = join(dir, cluster, 'audit.log');
  return {
    token,
    logPath,
    flags: [
      `--audit-policy-file=${policy}`,
      `--audit-log-path=${logPath}`,
      `--audit-webhook-config-file=${kubeconfig}`,
      // Tests wait for attribution: a batch goes out within a second, not the default 30 s.
      '--audit-webhook-batch-max-wait=1s',
      '--audit-webhook-initial-backoff=1s',
    ],
  };
}
