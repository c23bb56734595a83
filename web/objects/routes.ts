/**
 * `/api/v1/objects/:cluster/:namespace/:kind/:name`: one object as the console's detail page shows
 * it — drift with attribution, provenance of every desired key (file, line, commit, time), the
 * decision, its pending approvals, its history, and what the caller may do. Read through the read
 * port (reconciler/sync/object-reader.ts) from the daemon's cache: no live read, no re-evaluation.
 *   GET  …                 the detail
 *   POST …/remediate       operator; only where the policy says auto (409 with the reason otherwise)
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isManagedKind, type ObjectRef } from '../../reconciler/core/model.ts';
import type { Daemon } from '../../reconciler/daemon/daemon.ts';
import { driftWithCommits, type ObjectReader } from '../../reconciler/sync/object-reader.ts';
import type { ApiErrorBody, ObjectDetail, RemediateOutcome } from '../contract/api.ts';
import { replyError } from '../reply-error.ts';

type Params = { cluster: string; namespace: string; kind: string; name: string };
const path = '/api/v1/objects/:cluster/:namespace/:kind/:name';
// The answers the routes may send (web/contract/ is what the console reads).
type DetailRoute = { Params: Params; Reply: ObjectDetail | ApiErrorBody };
type RemediateRoute = { Params: Params; Reply: RemediateOutcome | ApiErrorBody };

function refOf(params: Params, reply: FastifyReply): ObjectRef | undefined {
  if (!isManagedKind(params.kind)) {
    replyError(reply, 'TRUEUP_BAD_REQUEST', `kind must be ConfigMap or Secret, not ${params.kind}`);
    return undefined;
  }
  return { cluster: params.cluster, kind: params.kind, namespace: params.namespace, name: params.name };
}

/** ObjectRouteDeps are the object routes' sources: the read port, and the daemon for "remediate now". */
export interface ObjectRouteDeps {
  objects: ObjectReader;
  daemon: Pick<Daemon, 'remediateNow'>;
}

/** registerObjectRoutes registers the object routes. */
export function registerObjectRoutes(app: FastifyInstance, deps: ObjectRouteDeps): void {
  app.get<DetailRoute>(path, { config: { access: 'viewer' } }, async (req, reply) => {
    const ref = refOf(req.params, reply);
    if (!ref) return reply;
    const detail = await objectDetail(deps.objects, ref, req.consoleUser?.role === 'operator');
    if (!detail)
      return replyError(
        reply,
        'TRUEUP_NOT_FOUND',
        `no ${ref.kind} ${ref.namespace}/${ref.name} on ${ref.cluster}`,
      );
    return detail;
  });
  app.post<RemediateRoute>(`${path}/remediate`, { config: { access: 'operator' } }, async (req, reply) => {
    const ref = refOf(req.params, reply);
    if (!ref) return reply;
    const outcome = await deps.daemon.remediateNow(ref);
    return reply.code(outcome.ok ? 200 : 409).send(outcome);
  });
}

/** objectDetail is the detail page's answer, or undefined when trueup knows nothing of the object. */
async function objectDetail(objects: ObjectReader, ref: ObjectRef, operator: boolean) {
  const { evaluation, desired, live } = await objects.object(ref);
  if (!desired && !live && !evaluation) return undefined;
  const provenance = await objects.provenance(ref);
  // A copy with the commits: the daemon's evaluation is shared state, not this answer's to fill in.
  const drift = evaluation?.drift && driftWithCommits(evaluation.drift, provenance);
  const pending = await objects.approvals(ref, 50);
  return {
    ref,
    status: drift?.status ?? (evaluation ? 'in-sync' : 'unknown'),
    ...(drift && drift.status !== 'in-sync' ? { drift } : {}),
    provenance,
    approvals: pending,
    history: await objects.history({ ...ref, limit: 50 }),
    actions: {
      approve: operator && pending.length > 0,
      remediate:
        operator && drift !== undefined && drift.status !== 'in-sync' && evaluation?.decision.mode === 'auto',
    },
  };
}
