/**
 * A local server for tests that speaks Slack's Web API wire format: `POST /api/chat.postMessage`,
 * `/api/chat.update` and `/api/usergroups.users.list` with `Authorization: Bearer xoxb-…`, JSON or
 * form bodies, answering `{ok: true, ts, channel}` (or Slack's `{ok: false, error}`). It can answer a
 * scripted 429 with `Retry-After`, accepts `response_url` posts (`/response/<id>`) and incoming
 * webhook posts (`/webhook/<name>`, as Mattermost and Teams take them), and records every request
 * so tests can assert content, threads and updates, and scan everything that left the process.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** SlackStubRequest is one request the stub received. */
export interface SlackStubRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** body is the parsed JSON or form body (form values that hold JSON are parsed too). */
  body: Record<string, unknown>;
  raw: string;
  /** at is when it arrived (ms since the epoch). */
  at: number;
  /** status is what the stub answered, and response its body. */
  status: number;
  response?: unknown;
}

/** SlackStub is a running stub. */
export interface SlackStub {
  /** url is the stub's origin, e.g. http://127.0.0.1:43123. */
  url: string;
  /** apiUrl is what SLACK_API_URL points at (`<url>/api`). */
  apiUrl: string;
  requests: SlackStubRequest[];
  /** calls are the requests to one Web API method that were answered (any status). */
  calls(method: string): SlackStubRequest[];
  /** responses are the posts to response URLs. */
  responses(): SlackStubRequest[];
  /** webhooks are the posts to one incoming webhook. */
  webhooks(name: string): SlackStubRequest[];
  /** responseUrl is a response_url for an interaction or command. */
  responseUrl(id?: string): string;
  /** webhookUrl is an incoming webhook URL. */
  webhookUrl(name: string): string;
  /** rateLimit answers the next `times` calls of a method with 429 and this Retry-After. */
  rateLimit(method: string, retryAfterSeconds: number, times?: number): void;
  /** failNext answers the next call of a method with `{ok: false, error}`. */
  failNext(method: string, error: string): void;
  /** usergroups are the members the stub reports for each user group. */
  usergroups: Record<string, string[]>;
  /** waitFor polls until the predicate holds over the recorded requests. */
  waitFor<T>(
    what: string,
    probe: (requests: SlackStubRequest[]) => T | undefined,
    timeoutMs?: number,
  ): Promise<T>;
  close(): Promise<void>;
}

function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    // Slack takes blocks and attachments in form bodies as JSON strings.
    body[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
  }
  return body;
}

/** answer records and sends a JSON answer. */
function answer(record: SlackStubRequest, res: ServerResponse, status: number, body: unknown): void {
  record.status = status;
  record.response = body;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** StubScript is what the Web API answers depend on: the token, scripted failures, the user groups. */
interface StubScript {
  token: string;
  limited: Map<string, { retryAfter: number; times: number }>;
  failing: Map<string, string>;
  /** usergroups reads the stub's current user groups (tests replace or fill them). */
  usergroups: () => Record<string, string[]>;
  nextTs: () => string;
}

/** answerApi answers one Web API call as Slack would: rate limit first, then auth, then the method. */
function answerApi(method: string, record: SlackStubRequest, res: ServerResponse, script: StubScript) {
  const limit = script.limited.get(method);
  if (limit && limit.times > 0) {
    limit.times -= 1;
    record.status = 429;
    res.writeHead(429, { 'retry-after': String(limit.retryAfter), 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
    return;
  }
  if (record.headers.authorization !== `Bearer ${script.token}`)
    return answer(record, res, 200, { ok: false, error: 'invalid_auth' });
  const failure = script.failing.get(method);
  if (failure) {
    script.failing.delete(method);
    return answer(record, res, 200, { ok: false, error: failure });
  }
  const body = record.body;
  if (method === 'chat.postMessage') {
    if (!body.channel) return answer(record, res, 200, { ok: false, error: 'channel_not_found' });
    const ts = script.nextTs();
    return answer(record, res, 200, { ok: true, channel: body.channel, ts, message: { ...body, ts } });
  }
  if (method === 'chat.update') {
    if (!body.channel || !body.ts) return answer(record, res, 200, { ok: false, error: 'message_not_found' });
    return answer(record, res, 200, { ok: true, channel: body.channel, ts: body.ts, text: body.text });
  }
  if (method === 'usergroups.users.list') {
    const users = script.usergroups()[String(body.usergroup)];
    if (!users) return answer(record, res, 200, { ok: false, error: 'no_such_subteam' });
    return answer(record, res, 200, { ok: true, users });
  }
  return answer(record, res, 200, { ok: false, error: 'unknown_method' });
}

/** recordOf is the record of one request, its body parsed (or kept as `unparsed` when it is not). */
function recordOf(req: IncomingMessage, raw: string): SlackStubRequest {
  let body: Record<string, unknown>;
  try {
    body = parseBody(raw, String(req.headers['content-type'] ?? ''));
  } catch {
    body = { unparsed: raw };
  }
  return {
    method: req.method ?? 'GET',
    path: (req.url ?? '/').split('?')[0] as string,
    headers: req.headers,
    body,
    raw,
    at: Date.now(),
    status: 0,
  };
}

/** handle records a request and answers it by its path: Web API, response_url or incoming webhook. */
function handle(
  req: IncomingMessage,
  res: ServerResponse,
  raw: string,
  requests: SlackStubRequest[],
  script: StubScript,
) {
  const record = recordOf(req, raw);
  const path = record.path;
  requests.push(record);
  if (path.startsWith('/api/')) return answerApi(path.slice('/api/'.length), record, res, script);
  if (path.startsWith('/response/')) return answer(record, res, 200, { ok: true });
  if (path.startsWith('/webhook/')) {
    record.status = 200;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(path.endsWith('/teams') ? '1' : 'ok');
    return;
  }
  answer(record, res, 404, { ok: false, error: 'not_found' });
}

/** startSlackStub starts the stub on a loopback port; token is the bot token it accepts. */
export async function startSlackStub(token: string): Promise<SlackStub> {
  const requests: SlackStubRequest[] = [];
  let seq = 0;
  const script: StubScript = {
    token,
    limited: new Map(),
    failing: new Map(),
    usergroups: () => stub.usergroups,
    nextTs: () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8'), requests, script));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const stub: SlackStub = {
    url,
    apiUrl: `${url}/api`,
    requests,
    calls: (method) => requests.filter((r) => r.path === `/api/${method}`),
    responses: () => requests.filter((r) => r.path.startsWith('/response/')),
    webhooks: (name) => requests.filter((r) => r.path === `/webhook/${name}`),
    responseUrl: (id = String(Math.random()).slice(2, 10)) => `${url}/response/${id}`,
    webhookUrl: (name) => `${url}/webhook/${name}`,
    rateLimit(method, retryAfterSeconds, times = 1) {
      script.limited.set(method, { retryAfter: retryAfterSeconds, times });
    },
    failNext(method, error) {
      script.failing.set(method, error);
    },
    usergroups: {},
    async waitFor(what, probe, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = probe(requests);
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`slack stub: timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return stub;
}
