/**
 * `/api/v1/...`: the JSON API of the daemon (used by the console, usable by scripts).
 *   GET  /api/v1/status                      viewer: revision, readiness, clusters, repo errors
 *   GET  /api/v1/drifts                      viewer: every object not in sync (the `trueup diff -o json` drift shape)
 *   GET  /api/v1/history?cluster=&kind=&namespace=&name=&actor=&since=&until=&limit=   viewer: recorded drifts and remediations
 *   POST /api/v1/git/refresh                 operator or webhook token: fetch the repo now (push hooks);
 *                                            coalesced (one fetch in flight, one pending) and rate-limited per caller
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RateLimiter } from '../auth/rate-limit.ts';
import type { ApiErrorBody, DriftList, History, Status } from '../contract/api.ts';
import { replyError } from '../reply-error.ts';
import type { ServerDeps } from '../server.ts';
import { Coalescer } from './refresh.ts';

const historyQuery = z
  .object({
    cluster: z.string().optional(),
    kind: z.enum(['ConfigMap', 'Secret']).optional(),
    namespace: z.string().optional(),
    name: z.string().optional(),
    actor: z.string().optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

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
  app.get<{ Reply: DriftList }>('/api/v1/drifts', viewer, async () => ({
    revision: daemon.status().revision ?? null,
    drifts: await daemon.drifts(),
  }));
  app.get<HistoryRoute>('/api/v1/history', viewer, async (req, reply) => {
    const query = historyQuery.safeParse(req.query);
    if (!query.success) return replyError(reply, 'TRUEUP_BAD_QUERY', z.prettifyError(query.error));
    const q = {
      ...query.data,
      ...(query.data.since ? { since: new Date(query.data.since).toISOString() } : {}),
      ...(query.data.until ? { until: new Date(query.data.until).toISOString() } : {}),
    };
    // An actor search is about remediations: drift records have no actor.
    return { drifts: q.actor ? [] : await store.drifts(q), remediations: await store.remediations(q) };
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

function callerKey(req: FastifyRequest): string {
  if (req.consoleUser) return `user:${req.consoleUser.name}`;
  return req.webhookCaller ? 'webhook' : `ip:${req.ip}`;
}
