/**
 * A local OpenAI-compatible server for tests: real HTTP on 127.0.0.1 speaking the Chat Completions
 * wire protocol (non-streaming), answering from a script, one step per request, and recording
 * every request so tests can assert what the client sent (tools, keys, trimmed results, that no
 * secret left the process).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** StubUsage overrides the token counts a reply reports. */
export interface StubUsage {
  promptTokens?: number;
  completionTokens?: number;
}

/** StubToolCall is a tool call the assistant makes; string arguments are sent raw (even malformed). */
export interface StubToolCall {
  name: string;
  arguments: string | Record<string, unknown>;
  id?: string;
}

/** StubReply is what one step answers. */
export type StubReply =
  /** an assistant text reply (finish_reason stop). */
  | { content: string; usage?: StubUsage; model?: string }
  /** an assistant reply with tool calls (finish_reason tool_calls). */
  | { toolCalls: StubToolCall[]; content?: string; usage?: StubUsage; model?: string }
  /** an error response with OpenAI's error body. */
  | { status: number; message?: string; type?: string; code?: string; headers?: Record<string, string> }
  /** hang for delayMs (longer than the client's timeout), then answer `then` if still connected. */
  | { delayMs: number; then?: StubReply };

/** StubRequest is one request the stub received. */
export interface StubRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** body is the parsed JSON body, or the raw text when it is not JSON (undefined when empty). */
  body: unknown;
  /** raw is the body as received. */
  raw: string;
}

/** StubStep is a scripted reply, or a function computing one from the request. */
export type StubStep = StubReply | ((request: StubRequest) => StubReply | Promise<StubReply>);

/** OpenAIStub is a running stub server. */
export interface OpenAIStub {
  /** url is the base URL, ending in /v1 (what the openai client takes as baseURL). */
  url: string;
  requests: StubRequest[];
  /** chatRequests are the requests to POST /v1/chat/completions, in order. */
  chatRequests(): StubRequest[];
  close(): Promise<void>;
}

/** stubModel is the model name the stub reports unless a reply names another. */
export const stubModel = 'stub-model';

/** startOpenAIStub starts a stub on a free port; steps are consumed in order, one per completion. */
export async function startOpenAIStub(script: StubStep[]): Promise<OpenAIStub> {
  const requests: StubRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let next = 0;
  let served = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const request: StubRequest = {
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0] ?? '',
      headers: { ...req.headers },
      body: parseBody(raw),
      raw,
    };
    requests.push(request);
    if (request.method === 'GET' && request.path === '/v1/models') {
      const data = [{ id: stubModel, object: 'model', created: now(), owned_by: 'trueup-test' }];
      return send(res, 200, { object: 'list', data });
    }
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
      return sendError(res, { status: 404, message: `no route ${request.method} ${request.path}` });
    }
    served += 1;
    const step = script[next];
    if (step === undefined) {
      const message = `openai-stub: script exhausted: ${script.length} steps, this is completion request #${served}`;
      return sendError(res, { status: 500, message, type: 'stub_script_exhausted' });
    }
    next += 1;
    const reply = typeof step === 'function' ? await step(request) : step;
    await answer(res, reply, timers);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, { status: 500, message: `openai-stub failed: ${String(err)}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    chatRequests: () => requests.filter((r) => r.path === '/v1/chat/completions'),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      // Hanging requests (delay steps) would keep close() waiting: cut them.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** answer writes one scripted reply, waiting first for a delay step. */
async function answer(res: ServerResponse, reply: StubReply, timers: Set<NodeJS.Timeout>): Promise<void> {
  if ('delayMs' in reply) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, reply.delayMs);
      timers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
        resolve();
      });
    });
    if (res.destroyed || res.writableEnded) return;
    return answer(res, reply.then ?? { content: 'late reply' }, timers);
  }
  if ('status' in reply) return sendError(res, reply);
  send(res, 200, completion(reply));
}

/** completion builds a chat.completion object for a text or tool-call reply. */
function completion(reply: Exclude<StubReply, { status: number } | { delayMs: number }>): unknown {
  const toolCalls =
    'toolCalls' in reply
      ? reply.toolCalls.map((call, i) => ({
          id: call.id ?? `call_${Math.random().toString(36).slice(2, 10)}_${i}`,
          type: 'function',
          function: {
            name: call.name,
            arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
          },
        }))
      : undefined;
  const promptTokens = reply.usage?.promptTokens ?? 100;
  const completionTokens = reply.usage?.completionTokens ?? 10;
  return {
    id: `chatcmpl-${Math.random().toString(36).slice(2, 12)}`,
    object: 'chat.completion',
    created: now(),
    model: reply.model ?? stubModel,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.content ?? null,
          refusal: null,
          ...(toolCalls ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: toolCalls ? 'tool_calls' : 'stop',
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}

function sendError(res: ServerResponse, reply: Extract<StubReply, { status: number }>): void {
  const error = {
    message: reply.message ?? `stub error ${reply.status}`,
    type: reply.type ?? (reply.status >= 500 ? 'server_error' : 'invalid_request_error'),
    param: null,
    code: reply.code ?? null,
  };
  send(res, reply.status, { error }, reply.headers);
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
