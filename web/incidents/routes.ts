/**
 * `/api/v1/incidents`: alert incidents with their evidence and diagnosis (read-only).
 *   GET /api/v1/incidents?status=firing|resolved&cluster=&namespace=&q=&limit=&cursor=
 *                                                        newest first, without evidence bundles; `next` pages on
 *   GET /api/v1/incidents/:id                             one incident, whole
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { IncidentStore } from '../../diagnose/incident-store.ts';
import type { ApiErrorBody } from '../contract/api.ts';
import type { Incident, IncidentList } from '../contract/incidents.ts';
import { replyError } from '../reply-error.ts';

const listQuery = z
  .object({
    status: z.enum(['firing', 'resolved']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cluster: z.string().optional(),
    namespace: z.string().optional(),
    q: z.string().max(253).optional(),
    cursor: z.coerce.number().int().min(1).optional(),
  })
  .strict();

// The answers the routes may send (web/contract/ is what the console reads).
type ListRoute = { Reply: IncidentList | ApiErrorBody };
type OneRoute = { Params: { id: string }; Reply: Incident | ApiErrorBody };

/** registerIncidentRoutes registers the incident routes. */
export function registerIncidentRoutes(app: FastifyInstance, incidents: IncidentStore): void {
  app.get<ListRoute>('/api/v1/incidents', { config: { access: 'viewer' } }, async (req, reply) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) return replyError(reply, 'TRUEUP_BAD_QUERY', z.prettifyError(query.error));
    const { cursor, ...filter } = query.data;
    const page = await incidents.page({ ...filter, ...(cursor !== undefined ? { before: cursor } : {}) });
    return {
      incidents: page.incidents.map(({ evidence: _evidence, ...rest }) => rest),
      ...(page.next !== undefined ? { next: String(page.next) } : {}),
    };
  });
  app.get<OneRoute>('/api/v1/incidents/:id', { config: { access: 'viewer' } }, async (req, reply) => {
    const incident = await incidents.incident(req.params.id);
    if (!incident) return replyError(reply, 'TRUEUP_NOT_FOUND', `no incident ${req.params.id}`);
    return incident;
  });
}
