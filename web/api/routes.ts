/**
 * `/api/v1/...`: the JSON API of the daemon (used by the console, usable by scripts).
 *   GET  /api/v1/status                      viewer: revision, readiness, clusters, repo errors
 *   GET  /api/v1/drifts?cluster=&label=&namespace=&status=&kind=&q=&limit=&cursor=   viewer: every object not in
 *                                            sync (the `trueup diff -o json` drift shape), or one page of those that match
 *   GET  /api/v1/history?cluster=&kind=&namespace=&name=&q=&actor=&result=&since=&until=&only=&limit=&cursor=
 *                                            viewer: recorded drifts and remediations, newest first, paged by id
 *   GET  /api/v1/namespaces, /api/v1/timeline (fleet-routes.ts)
 *   GET  /api/v1/history?user=…             viewer: the drifts a user made (audit attribution) and their audit records
 *   POST /api/v1/git/refresh                 operator or webhook token: fetch the repo now (push hooks);
 *                                            coalesced (one fetch in flight, one pending) and rate-limited per caller
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RateLimiter } from '../auth/rate-limit.ts';
import type { ApiErrorBody, DriftList, History, Status } from '../contract/api.ts';
import type { DriftRecord } from '../contract/drift.ts';
import { replyError } from '../reply-error.ts';
import type { ServerDeps } from '../server.ts';
import { clustersWithLabel, driftPage } from './drift-page.ts';
import { Coalescer } from './refresh.ts';

const historyQuery = z
  .object({
    cluster: z.string().optional(),
    kind: z.enum(['ConfigMap', 'Secret']).optional(),
    namespace: z.string().optional(),
    name: z.string().optional(),
    actor: z.string().optional(),
    user: z.string().min(1).max(253).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    q: z.string().max(253).optional(),
    result: z.enum(['applied', 'failed', 'skipped']).optional(),
    // A cursor is the last id of the page before: the next page is the older records.
    cursor: z.coerce.number().int().min(1).optional(),
    only: z.enum(['drifts', 'remediations']).optional(),
  })
  .strict();

const driftQuery = z
  .object({
    cluster: z.string().optional(),
    label: z.string().optional(),
    namespace: z.string().optional(),
    status: z.enum(['modified', 'missing', 'orphaned', 'unknown', 'in-sync']).optional(),
    kind: z.enum(['ConfigMap', 'Secret']).optional(),
    q: z.string().max(253).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    cursor: z.string().max(1000).optional(),
  })
  .strict();

/** DriftsRoute types the drift list's answer. */
type DriftsRoute = { Reply: DriftList | ApiErrorBody };

/** HistoryRoute types the history route's answer (see web/contract/). */
type HistoryRoute = { Reply: History | ApiErrorBody };

/** ApiOptions tune the API's limits. */
export interface ApiOptions {
  /** refreshLimiter bounds refresh calls per caller (default: 10 at once, 10 a minute). */
  refreshLimiter?: RateLimiter;
}

/** registerApi registers the /api/v1 routes. */
export function registerApi(
  app: FastifyInstance,
  { daemon, store, repoWebUrl }: ServerDeps,
  options: ApiOptions = {},
): void {
  const viewer = { config: { access: 'viewer' as const } };
  app.get<{ Reply: Status }>('/api/v1/status', viewer, async () => ({
    ...daemon.status(),
    ...(repoWebUrl ? { repoWebUrl } : {}),
  }));
  app.get<DriftsRoute>('/api/v1/drifts', viewer, async (req, reply) => {
    const query = driftQuery.safeParse(req.query);
    if (!query.success) return replyError(reply, 'TRUEUP_BAD_QUERY', z.prettifyError(query.error));
    const { limit, cursor, label, ...filter } = query.data;
    const status = daemon.status();
    const clusters = label === undefined ? undefined : clustersWithLabel(status.clusters, label);
    const page = driftPage(
      await daemon.drifts(),
      { ...filter, ...(clusters ? { clusters } : {}) },
      { limit, cursor },
    );
    return { revision: status.revision ?? null, ...page };
  });
  app.get<HistoryRoute>('/api/v1/history', viewer, async (req, reply) => {
    const query = historyQuery.safeParse(req.query);
    if (!query.success) return replyError(reply, 'TRUEUP_BAD_QUERY', z.prettifyError(query.error));
    if (query.data.user !== undefined) return historyOfUser(store, { ...query.data, user: query.data.user });
    return history(store, query.data);
  });
  const refresh = new Coalescer(() => daemon.refresh());
  const limiter = options.refreshLimiter ?? new RateLimiter({ capacity: 10, perMinute: 10 });
  app.post('/api/v1/git/refresh', { config: { access: 'operator-or-webhook' } }, async (req, reply) => {
    const allowed = limiter.take(callerKey(req));
    if (!allowed.ok)
      return replyError(
        reply.header('retry-after', String(allowed.retryAfterSeconds)),
        'TRUEUP_RATE_LIMITED',
        'too many refresh requests; the repo is polled anyway',
      );
    const result = await refresh.run();
    return reply.code(result.error ? 502 : 200).send(result);
  });
}

/** history reads both lists (or the one of `only`), one more row than asked to know whether a next page exists. */
async function history(store: ServerDeps['store'], query: z.infer<typeof historyQuery>): Promise<History> {
  const { cursor, only, limit, ...rest } = query;
  const q = {
    ...rest,
    limit: limit + 1,
    ...(cursor !== undefined ? { before: cursor } : {}),
    ...(rest.since ? { since: new Date(rest.since).toISOString() } : {}),
    ...(rest.until ? { until: new Date(rest.until).toISOString() } : {}),
  };
  // Actor and result are about remediations: drift records have neither.
  const wantDrifts = only !== 'remediations' && q.actor === undefined && q.result === undefined;
  const drifts = wantDrifts ? await store.drifts(q) : [];
  const remediations = only === 'drifts' ? [] : await store.remediations(q);
  const next: NonNullable<History['next']> = {};
  if (drifts.length > limit) next.drifts = String(drifts[limit - 1]?.id);
  if (remediations.length > limit) next.remediations = String(remediations[limit - 1]?.id);
  return {
    drifts: drifts.slice(0, limit),
    remediations: remediations.slice(0, limit),
    ...(next.drifts || next.remediations ? { next } : {}),
  };
}

/**
 * historyOfUser answers a search by user (contains, as the actor search): the drifts audit
 * attribution gave that user, and the user's writes from the audit log. Remediations are trueup's;
 * not paged (one page of at most `limit` of each).
 */
async function historyOfUser(
  store: ServerDeps['store'],
  query: z.infer<typeof historyQuery> & { user: string },
): Promise<History> {
  const { user, limit, cluster, kind, namespace, name } = query;
  const q = {
    ...(cluster !== undefined ? { cluster } : {}),
    ...(kind !== undefined ? { kind } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(query.since ? { since: new Date(query.since).toISOString() } : {}),
    ...(query.until ? { until: new Date(query.until).toISOString() } : {}),
  };
  const made = (r: DriftRecord) =>
    r.drift.driftedBy.some((d) => typeof d.user === 'string' && d.user.includes(user));
  // Drift records hold the user inside the record: read a wider page and keep that user's.
  const drifts = (await store.drifts({ ...q, limit: Math.min(1000, limit * 10) })).filter(made);
  return {
    drifts: drifts.slice(0, limit),
    remediations: [],
    audit: await store.auditEvents({ ...q, user, limit }),
  };
}

function callerKey(req: FastifyRequest): string {
  if (req.consoleUser) return `user:${req.consoleUser.name}`;
  return req.webhookCaller ? 'webhook' : `ip:${req.ip}`;
}
