/**
 * Credentials in the LLM endpoint never leave through an error: with a canary key in the base URL
 * (userinfo or query) or echoed by a refusing server, the stored incident, the log, the incident
 * API and the chat messages carry none of it.
 */
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openAuditStore } from '../reconciler/store/store.ts';
import { approvalProposer } from '../reconciler/sync/approvals.ts';
import { cycleObjectReader } from '../reconciler/sync/object-reader.ts';
import { type OpenAIStub, type StubStep, startOpenAIStub } from '../test/llm/openai-stub.ts';
import { consoleLinks } from '../web/chat/blocks.ts';
import { renderDiagnosis, renderIncident } from '../web/chat/render-incident.ts';
import { registerIncidentRoutes } from '../web/incidents/routes.ts';
import type { LlmConfig } from './agent.ts';
import type { AlertGroup } from './alert.ts';
import { IncidentDesk } from './desk.ts';
import { defaultEvidenceOptions, type EvidenceSources } from './evidence.ts';
import { openIncidentStore } from './incident-store.ts';
import type { InvestigationDeps } from './investigate.ts';

const canary = 'CANARY-9f3e1d';

const group: AlertGroup = {
  version: '4',
  groupKey: 'g-redaction',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'trueup',
  groupLabels: {},
  commonLabels: { alertname: 'KubePodCrashLooping' },
  commonAnnotations: {},
  externalURL: '',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'KubePodCrashLooping', namespace: 'payments', pod: 'api-1' },
      annotations: {},
      startsAt: '2026-11-23T03:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: 'f1',
    },
  ],
};

let stub: OpenAIStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

/** investigateWith runs one incident through the desk and the real investigation, collecting every surface. */
async function investigateWith(llm: LlmConfig): Promise<{ surfaces: string; fallbackReason?: string }> {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  const audit = openAuditStore(':memory:');
  const objects = cycleObjectReader({
    state: () => undefined,
    live: () => undefined,
    store: audit,
    blame: async () => new Map(),
    context: { fieldManager: 'trueup', remediate: false },
  });
  const sources: EvidenceSources = { objects, reader: () => undefined, git: { log: async () => [] } };
  const deps: InvestigationDeps = {
    sources,
    validation: {
      objects,
      dryRun: () => undefined,
      approvals: approvalProposer(audit),
      options: {} as never,
    },
    llm,
    evidence: defaultEvidenceOptions(),
    log,
  };
  const incidents = openIncidentStore(':memory:');
  const desk = new IncidentDesk(incidents, deps);
  const { incident: id } = (await desk.receive(group)) as { incident: string };
  await desk.idle();
  const incident = await incidents.incident(id);
  if (!incident) throw new Error('no incident');
  const app = Fastify();
  registerIncidentRoutes(app, incidents);
  const api = [
    (await app.inject({ url: `/api/v1/incidents/${id}` })).body,
    (await app.inject({ url: '/api/v1/incidents' })).body,
  ];
  const links = consoleLinks('https://trueup.example');
  const chat = [renderDiagnosis(incident, links), renderIncident(incident, links, 'cluster')];
  const surfaces = [JSON.stringify(incident), lines.join(''), ...api, JSON.stringify(chat)].join('\n');
  return {
    surfaces,
    ...(incident.diagnosis?.fallbackReason ? { fallbackReason: incident.diagnosis.fallbackReason } : {}),
  };
}

describe('credentials in the LLM endpoint', () => {
  it.each<[string, (url: string) => string, StubStep[], RegExp]>([
    [
      // Node's fetch refuses a URL with userinfo and quotes the URL in its error.
      'a key in the base URL userinfo',
      (url) => url.replace('http://', `http://user:${canary}@`),
      [],
      /^LLM failed: LLM unreachable at http:\/\/\*\*\*@127\.0\.0\.1:\d+\/v1: .*credentials/,
    ],
    [
      // A server that refuses the request and quotes the credentials it got.
      'a key in the base URL query, echoed by a refusing server',
      (url) => `${url}?api-version=1&api-key=${canary}`,
      [(req) => ({ status: 401, message: `bad key ${req.headers.authorization} and api-key=${canary}` })],
      /^LLM failed: LLM request failed: HTTP 401: bad key Bearer \*\*\* and api-key=\*\*\*$/,
    ],
  ])('%s reaches no incident, log line, API answer or chat message', async (_, baseURL, script, reason) => {
    stub = await startOpenAIStub(script);
    const { surfaces, fallbackReason } = await investigateWith({
      baseURL: baseURL(stub.url),
      apiKey: `sk-${canary}`,
      model: 'm',
      maxRetries: 0,
    });
    expect(fallbackReason).toMatch(reason);
    expect(surfaces).not.toContain(canary);
  });

  it('a key in the query of an unreachable base URL reaches no surface', async () => {
    stub = await startOpenAIStub([]);
    const url = `${stub.url}?token=${canary}`;
    await stub.close();
    stub = undefined;
    const { surfaces, fallbackReason } = await investigateWith({
      baseURL: url,
      apiKey: 'none',
      model: 'm',
      maxRetries: 0,
    });
    expect(fallbackReason).toMatch(
      /^LLM failed: LLM unreachable at http:\/\/127\.0\.0\.1:\d+\/v1\?token=\*\*\*/,
    );
    expect(surfaces).not.toContain(canary);
  });
});
