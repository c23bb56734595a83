/**
 * `/api/v1/approvals`: held changes and their decisions, through the one core approval path
 * (reconciler/approvals.ts) that the CLI and chat-ops use too.
 *   GET  /api/v1/approvals?state=pending|approved|rejected|stale|failed|all
 *   POST /api/v1/approvals/:id/approve  {note?}   operator; 409 with the reason when refused (stale…);
 *        202 when accepted for the replica owning its cluster (shared store) and not applied within 20 s
 *   POST /api/v1/approvals/:id/reject   {note?}   operator
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { statusOf } from '../../reconciler/core/errors.ts';
import { isSettled } from '../../reconciler/sync/approval-relay.ts';
import { type ApprovalDeps, approveApproval, rejectApproval } from '../../reconciler/sync/approvals.ts';
import type { ApiErrorBody, ApprovalList, ApprovalOutcome } from '../contract/api.ts';
import { replyError } from '../reply-error.ts';

const listQuery = z
  .object({
    state: z
      .enum(['pending', 'accepted', 'applying', 'approved', 'rejected', 'stale', 'failed', 'all'])
      .default('pending'),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
  })
  .strict();
const decisionBody = z
  .object({ note: z.string().max(1000).optional() })
  .strict()
  .default({});

// The answers the routes may send (web/contract/ is what the console reads).
type ListRoute = { Reply: ApprovalList | ApiErrorBody };
type DecideRoute = { Params: { id: string }; Reply: ApprovalOutcome | ApiErrorBody };

/** ApprovalEvents hears decided approvals (the live event stream). */
export type ApprovalListener = (event: { id: string; state: string }) => void;

/** registerApprovalRoutes registers the approval routes. */
export function registerApprovalRoutes(
  app: FastifyInstance,
  deps: ApprovalDeps,
  onDecided: ApprovalListener,
): void {
  app.get<ListRoute>('/api/v1/approvals', { config: { access: 'viewer' } }, async (req, reply) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) return replyError(reply, 'TRUEUP_BAD_QUERY', z.prettifyError(query.error));
    const { state, limit } = query.data;
    return { approvals: await deps.store.approvals({ ...(state === 'all' ? {} : { state }), limit }) };
  });
  for (const verb of ['approve', 'reject'] as const) {
    app.post<DecideRoute>(
      `/api/v1/approvals/:id/${verb}`,
      { config: { access: 'operator' } },
      async (req, reply) => {
        const body = decisionBody.safeParse(req.body ?? {});
        if (!body.success) return replyError(reply, 'TRUEUP_BAD_REQUEST', z.prettifyError(body.error));
        const by = { actor: req.consoleUser?.name ?? 'unknown', channel: 'console' };
        const outcome =
          verb === 'approve'
            ? await approveApproval(deps, req.params.id, by)
            : await rejectApproval(deps.store, req.params.id, by, body.data.note);
        const after = await deps.store.approval(req.params.id);
        if (after) onDecided({ id: after.id, state: after.state });
        if (!outcome.ok && outcome.fresh) onDecided({ id: outcome.fresh.id, state: outcome.fresh.state });
        // A refusal answers its code's status (409) with the outcome: the reason, and a fresh approval
        // if one was queued; an approval accepted for another replica that has not applied it yet, 202.
        const status = outcome.ok ? (isSettled(outcome.approval) ? 200 : 202) : statusOf(outcome.code);
        return reply.code(status).send(outcome);
      },
    );
  }
}
