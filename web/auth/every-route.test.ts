/**
 * Every route of the fully built server (incidents, alerts, chat, approvals, objects, events all on)
 * declares who may call it, and refuses every caller without that role — also when its path is
 * percent-encoded or has doubled slashes, because access is decided on the route the router
 * matched, not on the raw URL.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentDesk } from '../../diagnose/desk.ts';
import { openIncidentStore } from '../../diagnose/incident-store.ts';
import type { Daemon } from '../../reconciler/daemon/daemon.ts';
import { createMetrics } from '../../reconciler/daemon/metrics.ts';
import { openAuditStore } from '../../reconciler/store/store.ts';
import type { ApprovalDeps } from '../../reconciler/sync/approvals.ts';
import type { ChatSettings } from '../chat/config.ts';
import { buildServer, type DeclaredRoute, declaredRoutes } from '../server.ts';
import type { Access } from './access.ts';
import { authConfigFromEnv } from './auth.ts';

const operator = 'olivia-operator-token-0123';
const viewer = 'victor-viewer-token-01234';
const webhook = 'alertmanager-webhook-token-0123';

/** The routes anyone may call: adding one here is a decision, not an accident. */
const publicRoutes = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /api/v1/whoami',
  'POST /api/v1/login',
  'POST /api/v1/logout',
];

async function fullServer() {
  const store = openAuditStore(':memory:');
  const daemon = {
    status: () => ({ ready: true, revision: 'abc', clusters: [], errors: [] }),
    drifts: async () => [],
    refresh: async () => ({ revision: 'abc', changed: false }),
    evaluation: () => ({}),
    fleetState: () => undefined,
    onEvent: () => () => {},
  } as unknown as Daemon;
  const settings: ChatSettings = {
    consoleUrl: 'https://trueup.example',
    routes: [],
    approvers: { users: ['UALICE'], groups: [], scoped: [] },
    slack: {
      signingSecret: 'slack-signing-secret-0123456789',
      botToken: 'xoxb-x',
      apiUrl: 'http://127.0.0.1:9',
    },
    mattermost: { commandTokens: ['mattermost-command-token-0123'] },
    responseUrlOrigins: [],
  };
  return buildServer({
    daemon,
    metrics: createMetrics(),
    store,
    auth: authConfigFromEnv({
      TRUEUP_CONSOLE_TOKENS: `olivia:operator:${operator},victor:viewer:${viewer}`,
    }),
    approvals: { store, loadState: async () => ({}) } as unknown as ApprovalDeps,
    git: { blame: async () => new Map() },
    incidents: openIncidentStore(':memory:'),
    desk: { onChange: () => () => {} } as unknown as IncidentDesk,
    alerts: {
      intake: { receive: async () => ({ outcome: 'opened', incident: 'i1' }) },
      auth: { bearerTokens: [webhook] },
    },
    preview: async () => ({ ok: false, code: 'TRUEUP_BAD_REQUEST', message: 'no repo here' }),
    audit: {
      tokens: new Map([['prod-eu', ['prod-eu-audit-webhook-token-0123']]]),
      intake: { offer: () => ({ queued: 0, dropped: 0 }) },
      manages: () => true,
    },
    chat: {
      settings,
      stateDir: ':memory:',
      clusterLabel: 'cluster',
      log: pino({ level: 'silent' }),
      perChannelIntervalMs: 0,
    },
  });
}

/** A caller without the role a route needs: its name and its headers. */
type Intruder = [string, Record<string, string>];
const nobody: Intruder = ['no credentials', {}];
const forgedProxy: Intruder = ['a proxy user header nobody configured', { 'x-forwarded-user': 'mallory' }];
const viewerBearer: Intruder = ['a viewer', { authorization: `Bearer ${viewer}` }];
const webhookBearer: Intruder = ['the webhook token', { authorization: `Bearer ${webhook}` }];
const operatorBearer: Intruder = ['a console operator', { authorization: `Bearer ${operator}` }];
const wrongBearer: Intruder = ['a wrong bearer token', { authorization: 'Bearer not-a-token-0123456789' }];

/** intruders lists, per access, callers that lack it. */
const intruders: Record<Exclude<Access, 'public'>, Intruder[]> = {
  viewer: [nobody, forgedProxy, wrongBearer, webhookBearer],
  operator: [nobody, forgedProxy, viewerBearer, webhookBearer],
  'operator-or-webhook': [nobody, forgedProxy, viewerBearer, wrongBearer],
  webhook: [nobody, operatorBearer, viewerBearer],
  slack: [nobody, operatorBearer, webhookBearer],
  mattermost: [nobody, operatorBearer, webhookBearer],
  audit: [nobody, operatorBearer, viewerBearer, webhookBearer, wrongBearer],
};

const sampleParams: Record<string, string> = {
  id: 'a1',
  cluster: 'prod-eu',
  namespace: 'shop',
  kind: 'ConfigMap',
  name: 'app',
};

function concrete(url: string): string {
  return url.replace(/:(\w+)/g, (_m, p: string) => sampleParams[p] ?? 'x');
}

const encodeFirst = (path: string) =>
  path.replace(/\/([a-z])/g, (_m, c: string) => `/%${c.charCodeAt(0).toString(16)}`);
const encodeAll = (path: string) =>
  path.replace(/[a-z]/gi, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** variants of a path: [name, path, whether the router still matches the same route]. */
function variants(path: string): [string, string, boolean][] {
  return [
    ['as registered', path, true],
    ['with the first letter of each segment percent-encoded', encodeFirst(path), true],
    ['with every letter percent-encoded', encodeAll(path), true],
    ['with a leading double slash', `/${path}`, false],
    ['with a double slash inside', path.replace(/^(\/[^/]+)\//, '$1//'), false],
    ['with a trailing slash', `${path}/`, false],
  ];
}

describe('access to every route', () => {
  let app: Awaited<ReturnType<typeof fullServer>>;
  let routes: DeclaredRoute[];
  beforeAll(async () => {
    app = await fullServer();
    await app.ready();
    routes = declaredRoutes(app).filter((r) => r.method !== 'OPTIONS');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('every registered route declares who may call it, and only the listed ones are public', () => {
    expect(routes.length).toBeGreaterThan(20);
    for (const r of routes) expect(r.access, `${r.method} ${r.url}`).toBeDefined();
    const open = routes
      .filter((r) => r.access === 'public' && !r.url.includes('*') && !isConsoleFile(r.url))
      .map((r) => `${r.method} ${r.url}`);
    expect(open.filter((r) => !r.startsWith('HEAD ')).sort()).toEqual([...publicRoutes].sort());
  });

  it('every route refuses each caller without the role it needs, whatever the spelling of its path', async () => {
    let checked = 0;
    for (const route of routes) {
      if (route.access === 'public' || route.access === undefined) continue;
      const path = concrete(route.url);
      for (const [who, headers] of intruders[route.access]) {
        for (const [how, url, sameRoute] of variants(path)) {
          const res = await app.inject({
            method: route.method as 'GET',
            url,
            headers: { ...headers, ...(route.method === 'POST' ? { 'content-type': bodyType(route) } : {}) },
            ...(route.method === 'POST' ? { payload: bodyType(route) === form ? 'text=status' : '{}' } : {}),
          });
          const what = `${route.method} ${url} (${route.access}) by ${who}, ${how}: ${res.statusCode} ${res.body.slice(0, 120)}`;
          checked++;
          if (sameRoute) expect([401, 403], what).toContain(res.statusCode);
          else expect([401, 403, 404], what).toContain(res.statusCode);
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('an encoded path reaches the same route for a caller who has the role', async () => {
    const res = await app.inject({ url: '/%61pi/v1/drifts', headers: { authorization: `Bearer ${viewer}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ revision: 'abc', drifts: [], total: 0 });
  });

  it('refuses to start with a route that declares no access', async () => {
    const other = await fullServer();
    other.get('/api/v1/forgotten', async () => ({ secret: true }));
    await expect(other.ready()).rejects.toThrow(
      'routes without a declared access (config.access): GET /api/v1/forgotten',
    );
  });
});

const form = 'application/x-www-form-urlencoded';
/** bodyType: chat platforms post forms, everyone else JSON. */
const bodyType = (route: DeclaredRoute) =>
  route.access === 'slack' || route.access === 'mattermost' ? form : 'application/json';

/** isConsoleFile: a file of the built console (web/console/dist), served as is. */
function isConsoleFile(url: string): boolean {
  return url === '/' || /^\/(assets\/|favicon|index\.html)/.test(url);
}
