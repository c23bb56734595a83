import OpenAI from 'openai';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type OpenAIStub,
  type StubRequest,
  type StubStep,
  startOpenAIStub,
} from '../test/llm/openai-stub.ts';
import {
  type AgentTool,
  defineTool,
  type LlmConfig,
  llmConfigFromEnv,
  maxToolArgumentChars,
  runAgent,
  selectCalls,
  systemPrompt,
} from './agent.ts';

const answer = {
  summary: 'payments-api crashes since its ConfigMap lost DB_HOST',
  rootCause: 'Someone edited cluster-1/payments/ConfigMap/app by hand and removed data.DB_HOST.',
  confidence: 0.9,
  evidence: ['config:cluster-1/payments/ConfigMap/app#data.DB_HOST'],
  fix: { type: 'revert-drift', target: 'cluster-1/payments/ConfigMap/app' },
  risk: 'low',
};

interface Calls {
  getObject: unknown[];
  listEvents: unknown[];
}

/** toolsFor returns two read-only tools that record the arguments they were called with. */
function toolsFor(calls: Calls, objectResult: unknown = { data: { DB_PORT: '5432' } }): AgentTool[] {
  return [
    defineTool({
      name: 'get_object',
      description: 'Read a ConfigMap or Secret (Secret values as digests).',
      parameters: z.object({ cluster: z.string(), namespace: z.string(), name: z.string() }),
      run: async (args) => {
        calls.getObject.push(args);
        return objectResult;
      },
    }),
    defineTool({
      name: 'list_events',
      description: 'List recent events in a namespace.',
      parameters: z.object({ namespace: z.string(), limit: z.number().int().max(50).default(10) }),
      run: async (args) => {
        calls.listEvents.push(args);
        return [{ reason: 'BackOff', message: 'Back-off restarting failed container' }];
      },
    }),
  ];
}

let stub: OpenAIStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function run(script: StubStep[], config: Partial<LlmConfig> = {}, tools: AgentTool[] = []) {
  stub = await startOpenAIStub(script);
  return runAgent({
    config: { baseURL: stub.url, apiKey: 'sk-test-key', model: 'test-model', maxRetries: 0, ...config },
    incident: 'Alert KubePodCrashLooping fired for payments/payments-api on cluster-1.',
    tools,
  });
}

type Message = { role: string; content: string | null; tool_call_id?: string };
function messagesOf(request: StubRequest | undefined): Message[] {
  return (request?.body as { messages?: Message[] } | undefined)?.messages ?? [];
}
function last<T>(items: T[]): T | undefined {
  return items[items.length - 1];
}
const get = (args: string | Record<string, unknown>) => ({ name: 'get_object', arguments: args });

describe('runAgent', () => {
  it('calls tools with their parsed arguments over several steps, then parses the answer and sums usage', async () => {
    const calls: Calls = { getObject: [], listEvents: [] };
    const result = await run(
      [
        { toolCalls: [get({ cluster: 'cluster-1', namespace: 'payments', name: 'app' })] },
        {
          toolCalls: [{ name: 'list_events', arguments: { namespace: 'payments' } }],
          usage: { promptTokens: 200 },
        },
        { content: `Here is my answer:\n\`\`\`json\n${JSON.stringify(answer)}\n\`\`\`` },
      ],
      { pricing: { promptPerMTok: 2, completionPerMTok: 8 } },
      toolsFor(calls),
    );
    expect(result).toMatchObject({ ok: true, model: 'stub-model' });
    if (!result.ok) return;
    expect(calls).toEqual({
      getObject: [{ cluster: 'cluster-1', namespace: 'payments', name: 'app' }],
      listEvents: [{ namespace: 'payments', limit: 10 }],
    });
    expect(result.answer).toEqual({ ...answer, fix: { ...answer.fix, description: '' } });
    expect(result.usage).toEqual({ promptTokens: 400, completionTokens: 30, steps: 3, costUsd: 0.00104 });
    expect(result.transcript.map((t) => t.name ?? t.role)).toEqual([
      'system',
      'user',
      'assistant',
      'get_object',
      'assistant',
      'list_events',
      'assistant',
    ]);
  });

  it('sends the model, the key as a bearer token, the system prompt and every tool as a JSON schema', async () => {
    const result = await run(
      [{ content: JSON.stringify(answer) }],
      {},
      toolsFor({ getObject: [], listEvents: [] }),
    );
    expect(result.ok).toBe(true);
    const [request] = stub?.chatRequests() ?? [];
    expect(request?.headers.authorization).toBe('Bearer sk-test-key');
    const body = request?.body as {
      model: string;
      tools: { function: { name: string; parameters: unknown } }[];
    };
    expect(body.model).toBe('test-model');
    expect(messagesOf(request)[0]).toEqual({ role: 'system', content: systemPrompt });
    const tools = Object.fromEntries(body.tools.map((t) => [t.function.name, t.function.parameters]));
    expect(Object.keys(tools)).toEqual(['get_object', 'list_events', 'final_answer']);
    expect(tools.list_events).toMatchObject({
      type: 'object',
      properties: { namespace: { type: 'string' }, limit: { type: 'integer', maximum: 50, default: 10 } },
      required: ['namespace'],
    });
    expect(tools.final_answer).toMatchObject({ required: ['summary', 'rootCause', 'confidence', 'risk'] });
    expect(JSON.stringify(tools)).not.toContain('$schema');
  });

  it('feeds malformed, invalid and unknown tool calls back as errors and keeps going', async () => {
    const calls: Calls = { getObject: [], listEvents: [] };
    const result = await run(
      [
        { toolCalls: [get('{"cluster": "cluster-1", "namespace": ')] },
        { toolCalls: [get({ cluster: 7, namespace: 'payments', name: 'app' })] },
        { toolCalls: [{ name: 'delete_everything', arguments: {} }] },
        { content: JSON.stringify(answer) },
      ],
      {},
      toolsFor(calls),
    );
    expect(result).toMatchObject({ ok: true, usage: { steps: 4 } });
    expect(calls.getObject).toEqual([]);
    const results = (stub?.chatRequests() ?? []).slice(1).map((r) => last(messagesOf(r))?.content ?? '');
    expect(results[0]).toMatch(/arguments are not valid JSON/);
    expect(results[1]).toMatch(/invalid arguments: .*expected string, received number.*cluster/);
    expect(results[2]).toMatch(
      /unknown tool delete_everything; tools are: get_object, list_events, final_answer/,
    );
  });

  it('feeds a failing tool back as an error result', async () => {
    const failing = defineTool({
      name: 'get_object',
      description: 'fails',
      parameters: z.object({}),
      run: async () => {
        throw new Error('cluster-2 unreachable');
      },
    });
    const result = await run([{ toolCalls: [get({})] }, { content: JSON.stringify(answer) }], {}, [failing]);
    expect(result.ok).toBe(true);
    const toolMessage = last(messagesOf(stub?.chatRequests()[1]));
    expect(toolMessage).toMatchObject({
      role: 'tool',
      content: '{"error":"tool get_object failed: cluster-2 unreachable"}',
    });
  });

  it('trims a 1 MB tool result to toolResultChars, still valid JSON', async () => {
    const huge = { lines: Array.from({ length: 10_000 }, (_, i) => `line ${i} ${'x'.repeat(90)}`) };
    expect(JSON.stringify(huge).length).toBeGreaterThan(1_000_000);
    const calls: Calls = { getObject: [], listEvents: [] };
    const result = await run(
      [
        { toolCalls: [get({ cluster: 'c', namespace: 'n', name: 'a' })] },
        { content: JSON.stringify(answer) },
      ],
      { toolResultChars: 2_000 },
      toolsFor(calls, huge),
    );
    expect(result.ok).toBe(true);
    const content = last(messagesOf(stub?.chatRequests()[1]))?.content ?? '';
    expect(content.length).toBeLessThanOrEqual(2_000);
    expect(content.length).toBeGreaterThan(1_000);
    expect(JSON.parse(content).lines[0]).toMatch(/^line 0 x+/);
    expect(content).toMatch(/\+\d+ more items/);
  });

  it('accepts the answer given through the final_answer tool', async () => {
    const result = await run([{ toolCalls: [{ name: 'final_answer', arguments: answer }] }]);
    expect(result).toMatchObject({ ok: true, answer: { risk: 'low', confidence: 0.9 }, usage: { steps: 1 } });
  });

  it('gives one corrective turn with the schema error, and accepts the corrected answer', async () => {
    const result = await run([
      { toolCalls: [{ name: 'final_answer', arguments: { ...answer, confidence: 'high' } }] },
      { content: JSON.stringify(answer) },
    ]);
    expect(result).toMatchObject({ ok: true, usage: { steps: 2 } });
    const feedback = last(messagesOf(stub?.chatRequests()[1]));
    expect(feedback).toMatchObject({
      role: 'tool',
      content: expect.stringMatching(/failed the schema: .*confidence/),
    });
  });

  it('fails naming the schema error when the answer fails the schema twice', async () => {
    const bad = JSON.stringify({ ...answer, risk: 'catastrophic' });
    const result = await run([{ content: bad }, { content: bad }, { content: JSON.stringify(answer) }]);
    expect(result).toMatchObject({ ok: false, usage: { steps: 2 } });
    if (result.ok) return;
    expect(result.error).toMatch(/^LLM answer failed the schema: .*risk/);
    expect(result.error).not.toContain('\n');
    expect(last(messagesOf(stub?.chatRequests()[1]))).toMatchObject({
      role: 'user',
      content: expect.stringMatching(/failed the schema: .*risk/),
    });
  });

  it('treats a reply without JSON as a failed answer', async () => {
    const result = await run([{ content: 'I think it is DNS.' }, { content: 'Definitely DNS.' }]);
    expect(result).toMatchObject({
      ok: false,
      error: 'LLM answer failed the schema: the reply contains no JSON object',
    });
  });

  it('stops when the step budget is exhausted, after telling the model its last step has come', async () => {
    const keepAsking: StubStep = () => ({
      toolCalls: [{ name: 'list_events', arguments: { namespace: 'n' } }],
    });
    const calls: Calls = { getObject: [], listEvents: [] };
    const result = await run(
      [keepAsking, keepAsking, keepAsking, keepAsking],
      { maxSteps: 3 },
      toolsFor(calls),
    );
    expect(result).toMatchObject({ ok: false, error: 'step budget of 3 exhausted', usage: { steps: 3 } });
    expect(stub?.chatRequests()).toHaveLength(3);
    expect(last(messagesOf(stub?.chatRequests()[2]))?.content).toMatch(/last step/);
  });

  it('stops when the token budget is exceeded, before the next request', async () => {
    const result = await run(
      [
        {
          toolCalls: [get({ cluster: 'c', namespace: 'n', name: 'a' })],
          usage: { promptTokens: 50_000, completionTokens: 20_000 },
        },
        { content: JSON.stringify(answer) },
      ],
      {},
      toolsFor({ getObject: [], listEvents: [] }),
    );
    expect(result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^token budget of 60000 exceeded \(70000 tokens used/),
      usage: { promptTokens: 50_000, completionTokens: 20_000, steps: 1 },
    });
    expect(stub?.chatRequests()).toHaveLength(1);
  });

  it('retries a 500 through the SDK and succeeds', async () => {
    const result = await run(
      [
        { status: 500, message: 'upstream overloaded', headers: { 'retry-after-ms': '10' } },
        { content: JSON.stringify(answer) },
      ],
      { maxRetries: 1 },
    );
    expect(result).toMatchObject({ ok: true, usage: { steps: 1 } });
    expect(stub?.chatRequests()).toHaveLength(2);
  });

  it('reports the HTTP status and message when retries are used up', async () => {
    const result = await run([
      { status: 401, message: 'Incorrect API key provided', code: 'invalid_api_key' },
    ]);
    expect(result).toMatchObject({
      ok: false,
      error: 'LLM request failed: HTTP 401: Incorrect API key provided',
    });
  });

  it('times out a request that hangs longer than timeoutMs, within bounded time', async () => {
    const started = Date.now();
    const result = await run([{ delayMs: 10_000 }], { timeoutMs: 300 });
    expect(result).toEqual({
      ok: false,
      error: 'LLM timed out after 0.3 s',
      usage: { promptTokens: 0, completionTokens: 0, steps: 0 },
    });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('times out the whole investigation, tool runs included, after totalTimeoutMs', async () => {
    const hanging = defineTool({
      name: 'get_object',
      description: 'hangs',
      parameters: z.object({}),
      run: () => new Promise(() => {}),
    });
    const started = Date.now();
    const result = await run([{ toolCalls: [get({})] }], { totalTimeoutMs: 300 }, [hanging]);
    expect(result).toMatchObject({ ok: false, error: 'LLM investigation timed out after 0.3 s in total' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('stops when the caller aborts', async () => {
    stub = await startOpenAIStub([{ delayMs: 10_000 }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await runAgent({
      config: { baseURL: stub.url, apiKey: 'k', model: 'm', maxRetries: 0 },
      incident: 'x',
      tools: [],
      signal: controller.signal,
    });
    expect(result).toMatchObject({ ok: false, error: 'LLM investigation was cancelled' });
  });

  it('says the LLM is unreachable when nothing listens', async () => {
    stub = await startOpenAIStub([]);
    const url = stub.url;
    await stub.close();
    stub = undefined;
    const result = await runAgent({
      config: { baseURL: url, apiKey: 'k', model: 'm', maxRetries: 0 },
      incident: 'x',
      tools: [],
    });
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(`^LLM unreachable at ${url}`) });
  });

  it('logs step counts and token usage, never message contents', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    stub = await startOpenAIStub([
      { toolCalls: [get({ cluster: 'c', namespace: 'n', name: 'CANARY-ARG' })] },
      { content: JSON.stringify({ ...answer, summary: 'CANARY-ANSWER' }) },
    ]);
    const result = await runAgent({
      config: { baseURL: stub.url, apiKey: 'k', model: 'm', maxRetries: 0 },
      incident: 'CANARY-INCIDENT',
      tools: toolsFor({ getObject: [], listEvents: [] }, { value: 'CANARY-TOOL-RESULT' }),
      log,
    });
    expect(result.ok).toBe(true);
    const text = lines.join('');
    expect(text).not.toMatch(/CANARY/);
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ msg: 'llm answered', steps: 2, promptTokens: 200, completionTokens: 20 }),
    );
  });
});

describe('runAgent bounds what one reply can make it do', () => {
  const events = (n: number) =>
    Array.from({ length: n }, () => ({ name: 'list_events', arguments: { namespace: 'n' } }));
  type Sent = { role: string; content: string | null; tool_calls?: unknown[] };
  const sent = (i: number) => messagesOf(stub?.chatRequests()[i]) as Sent[];

  it('runs only the first maxToolCallsPerStep of 500 tool calls in one reply and tells the model the rest were not run', async () => {
    const calls: Calls = { getObject: [], listEvents: [] };
    const result = await run(
      [{ toolCalls: events(500) }, { content: JSON.stringify(answer) }],
      {},
      toolsFor(calls),
    );
    expect(result).toMatchObject({ ok: true, usage: { steps: 2 } });
    expect(calls.listEvents).toHaveLength(8);
    const second = sent(1);
    // Only the calls that ran are echoed, each with its result; then the note.
    expect(second.find((m) => m.role === 'assistant')?.tool_calls).toHaveLength(8);
    expect(second.filter((m) => m.role === 'tool')).toHaveLength(8);
    expect(last(second)).toMatchObject({
      role: 'user',
      content: expect.stringMatching(/500 tool calls in one reply; only the first 8 were run/),
    });
  });

  it("stops running tools when the investigation's tool-call budget is spent and asks for the answer", async () => {
    const calls: Calls = { getObject: [], listEvents: [] };
    const result = await run(
      [
        { toolCalls: events(6) },
        { toolCalls: events(6) },
        { toolCalls: events(6) },
        { content: JSON.stringify(answer) },
      ],
      { maxToolCallsPerStep: 6, maxToolCalls: 10 },
      toolsFor(calls),
    );
    expect(result).toMatchObject({ ok: true, usage: { steps: 4 } });
    expect(calls.listEvents).toHaveLength(10);
    expect(last(sent(2))?.content).toMatch(
      /only the first 4 were run: the investigation's tool budget of 10/,
    );
    // The third reply's calls ran not at all: the model sees its own text and the note, no dangling ids.
    const third = sent(3);
    expect(third.filter((m) => m.role === 'tool')).toHaveLength(10);
    expect(last(third)?.content).toMatch(/none was run: .*budget of 10 calls is spent.*final answer/);
  });

  it('checks the token budget before each tool call and ends before sending results that overrun it', async () => {
    const big = { text: 'x'.repeat(7_900) };
    const calls: Calls = { getObject: [], listEvents: [] };
    const result = await run(
      [{ toolCalls: Array.from({ length: 8 }, () => get({ cluster: 'c', namespace: 'n', name: 'a' })) }],
      { maxTokens: 5_000 },
      toolsFor(calls, big),
    );
    // 110 tokens used; each result is about 2 000 tokens: the third call crosses 5 000, the rest wait.
    expect(calls.getObject).toHaveLength(3);
    expect(result).toMatchObject({
      ok: false,
      error: expect.stringMatching(
        /^token budget of 5000 exceeded \(110 tokens used, about \d+ more in tool results not yet sent\)$/,
      ),
    });
    expect(stub?.chatRequests()).toHaveLength(1);
  });

  it('refuses tool arguments longer than the cap without parsing them', async () => {
    const calls: Calls = { getObject: [], listEvents: [] };
    const long = JSON.stringify({ cluster: 'c', namespace: 'n', name: 'a'.repeat(maxToolArgumentChars) });
    const result = await run(
      [{ toolCalls: [get(long)] }, { content: JSON.stringify(answer) }],
      {},
      toolsFor(calls),
    );
    expect(result.ok).toBe(true);
    expect(calls.getObject).toEqual([]);
    expect(last(sent(1))?.content).toMatch(/arguments of \d+ characters refused/);
  });

  it('rejects an overlong proposal field with the reason, and accepts the corrected answer', async () => {
    const overlong = { ...answer, fix: { ...answer.fix, description: 'y'.repeat(50_000) } };
    const result = await run([{ content: JSON.stringify(overlong) }, { content: JSON.stringify(answer) }]);
    expect(result).toMatchObject({ ok: true, usage: { steps: 2 } });
    expect(last(sent(1))?.content).toMatch(/failed the schema: .*2000.*fix\.description/);
  });

  it.each([
    // a description far over 2 000 characters
    ['description', { ...answer.fix, description: 'd'.repeat(2_001) }],
    // a repo-change patch over 20 000 characters
    ['patch', { type: 'repo-change', file: 'base/api.yaml', patch: 'p'.repeat(20_001) }],
    // 21 manual steps
    ['steps', { type: 'manual', steps: Array.from({ length: 21 }, (_, i) => `step ${i}`) }],
    // a target longer than any cluster/namespace/Kind/name
    ['target', { type: 'revert-drift', target: 't'.repeat(601) }],
  ])('fails naming the field when the proposal keeps an overlong %s', async (field, fix) => {
    const bad = JSON.stringify({ ...answer, fix });
    const result = await run([{ content: bad }, { content: bad }]);
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining(`fix.${field}`) });
  });
});

describe('selectCalls', () => {
  const call = (name: string, i: number) => ({
    id: `c${i}`,
    type: 'function' as const,
    function: { name, arguments: '{}' },
  });
  const names = (n: number, name = 'get') => Array.from({ length: n }, (_, i) => call(name, i));
  it.each([
    // within the caps: everything runs, nothing is said
    [names(3), { perStep: 8, left: 24, total: 24 }, 3, 0, undefined],
    // over the per-step cap: the first 8 run
    [
      names(500),
      { perStep: 8, left: 24, total: 24 },
      8,
      492,
      /500 tool calls in one reply; only the first 8/,
    ],
    // over what is left of the investigation's cap
    [
      names(8),
      { perStep: 8, left: 2, total: 24 },
      2,
      6,
      /only the first 2 were run: .*budget of 24 calls is spent/,
    ],
    // nothing left: no tool runs
    [names(2), { perStep: 8, left: 0, total: 24 }, 0, 2, /none was run/],
    // a final answer always gets through (once), whatever the tool calls around it
    [
      [...names(20), call('final_answer', 99), call('final_answer', 100)],
      { perStep: 8, left: 0, total: 24 },
      1,
      21,
      /none was run/,
    ],
  ])('keeps %#', (calls, caps, run, dropped, note) => {
    const selected = selectCalls(calls, caps);
    expect(selected.run).toHaveLength(run);
    expect(selected.dropped).toBe(dropped);
    if (note) expect(selected.note).toMatch(note);
    else expect(selected.note).toBeUndefined();
  });
});

describe('the OpenAI stub', () => {
  it('answers GET /v1/models and reports an exhausted script as a 500 with a clear message', async () => {
    stub = await startOpenAIStub([]);
    const client = new OpenAI({ baseURL: stub.url, apiKey: 'k', maxRetries: 0 });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['stub-model']);
    const failure = await client.chat.completions
      .create({ model: 'm', messages: [] })
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(OpenAI.InternalServerError);
    expect(String((failure as Error).message)).toMatch(/script exhausted/);
  });
});

describe('llmConfigFromEnv', () => {
  it.each([
    // nothing set: no LLM, the heuristic diagnoser answers
    [{}, undefined],
    // empty values count as unset
    [{ OPENAI_API_KEY: '', OPENAI_BASE_URL: ' ' }, undefined],
    // a key alone: OpenAI itself, default model
    [
      { OPENAI_API_KEY: 'sk-1' },
      { baseURL: 'https://api.openai.com/v1', apiKey: 'sk-1', model: 'gpt-4.1-mini' },
    ],
    // a local server needs no key: a placeholder is sent
    [
      { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', TRUEUP_LLM_MODEL: 'qwen3:8b' },
      { baseURL: 'http://127.0.0.1:11434/v1', apiKey: 'none', model: 'qwen3:8b' },
    ],
    // both, and a model
    [
      { OPENAI_BASE_URL: 'https://llm.example/v1', OPENAI_API_KEY: 'k', TRUEUP_LLM_MODEL: 'gpt-4.1' },
      { baseURL: 'https://llm.example/v1', apiKey: 'k', model: 'gpt-4.1' },
    ],
  ])('reads %j', (env, expected) => {
    const config = llmConfigFromEnv(env);
    if (expected === undefined) return expect(config).toBeUndefined();
    expect(config).toEqual({
      ...expected,
      maxSteps: 8,
      timeoutMs: 30_000,
      totalTimeoutMs: 120_000,
      maxTokens: 60_000,
      maxRetries: 2,
      toolResultChars: 8_000,
      maxToolCallsPerStep: 8,
      maxToolCalls: 24,
    });
  });

  it('reads the tool-call caps, and refuses a cap that is not a positive integer', () => {
    const env = {
      OPENAI_API_KEY: 'k',
      TRUEUP_LLM_MAX_TOOL_CALLS_PER_STEP: '3',
      TRUEUP_LLM_MAX_TOOL_CALLS: '9',
    };
    expect(llmConfigFromEnv(env)).toMatchObject({ maxToolCallsPerStep: 3, maxToolCalls: 9 });
    expect(() => llmConfigFromEnv({ ...env, TRUEUP_LLM_MAX_TOOL_CALLS: '0' })).toThrow(
      'TRUEUP_LLM_MAX_TOOL_CALLS: expected a positive integer, got "0"',
    );
  });
});
