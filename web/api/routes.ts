/**
 * `/api/v1/...`: the JSON API of the daemon (used by the console, usable by scripts).
 *   GET  /api/v1/status                      revision, readiness, clusters, repo errors
 *   GET  /api/v1/drifts                      every object not in sync (the `trueup diff -o json` drift shape)
 *   GET  /api/v1/history?cluster=&namespace=&name=&actor=&since=&until=&limit=   recorded drifts and remediations
 *   POST /api/v1/git/refresh                 fetch the repo now (for push webhooks)
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ServerDeps } from '../server.ts';

const historyQuery = z
  .object({
    cluster: z.string().optional(),
    namespace: z.string().optional(),
    name: z.string().optional(),
    actor: z.string().optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** registerApi registers the /api/v1 routes. */
export function registerApi(app: FastifyInstance, { daemon, store, repoWebUrl }: ServerDeps): void {
  app.get('/api/v1/status', async () => ({ ...daemon.status(), ...(repoWebUrl ? { repoWebUrl } : {}) }));
  app.get('/api/v1/drifts', async () => ({
    revision: daemon.status().revision ?? null,
    drifts: await daemon.drifts(),
  }));
  app.get('/api/v1/history', async (req, reply) => {
    const query = historyQuery.safeParse(req.query);
    if (!query.success)
      return reply.code(400).send({ error: 'TRUEUP_BAD_QUERY', message: z.prettifyError(query.error) });
    const q = {
      ...query.data,
      ...(query.data.since ? { since: new Date(query.data.since).toISOString() } : {}),
      ...(query.data.until ? { until: new Date(query.data.until).toISOString() } : {}),
    };
    // An actor search is about remediations: drift records have no actor.
    return { drifts: q.actor ? [] : store.drifts(q), remediations: store.remediations(q) };
  });
  app.post('/api/v1/git/refresh', async (_req, reply) => {
    const result = await daemon.refresh();
    return reply.code(result.error ? 502 : 200).send(result);
  });
}
