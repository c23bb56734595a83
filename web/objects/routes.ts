/**
 * `/api/v1/objects/:cluster/:namespace/:kind/:name`: one object as the console's detail page shows
 * it — drift with attribution, provenance of every desired key (file, line, commit, time), the
 * decision, its pending approvals, its history, and what the caller may do.
 *   GET  …                 the detail
 *   POST …/remediate       operator; only where the policy says auto (409 with the reason otherwise)
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ObjectRef } from '../../reconciler/core/model.ts';
import type { Daemon } from '../../reconciler/daemon/daemon.ts';
import type { GitSource } from '../../reconciler/git/git-source.ts';
import { blameOnce } from '../../reconciler/repo/provenance.ts';
import type { AuditStore } from '../../reconciler/store/store.ts';
import { replyError } from '../reply-error.ts';

type Params = { cluster: string; namespace: string; kind: string; name: string };
const path = '/api/v1/objects/:cluster/:namespace/:kind/:name';

function refOf(params: Params, reply: FastifyReply): ObjectRef | undefined {
  if (params.kind !== 'ConfigMap' && params.kind !== 'Secret') {
    replyError(reply, 'TRUEUP_BAD_REQUEST', `kind must be ConfigMap or Secret, not ${params.kind}`);
    return undefined;
  }
  return { cluster: params.cluster, kind: params.kind, namespace: params.namespace, name: params.name };
}

/** registerObjectRoutes registers the object routes. */
export function registerObjectRoutes(
  app: FastifyInstance,
  deps: { daemon: Daemon; store: AuditStore; git: Pick<GitSource, 'blame'> },
): void {
  const { daemon, store, git } = deps;
  app.get<{ Params: Params }>(path, { config: { access: 'viewer' } }, async (req, reply) => {
    const ref = refOf(req.params, reply);
    if (!ref) return reply;
    const { evaluation, desired, live } = daemon.evaluation(ref);
    if (!desired && !live && !evaluation)
      return replyError(
        reply,
        'TRUEUP_NOT_FOUND',
        `no ${ref.kind} ${ref.namespace}/${ref.name} on ${ref.cluster}`,
      );
    const revision = daemon.fleetState()?.revision;
    const provenance: Record<
      string,
      { file: string; line: number; commit?: string; time?: string; author?: string; summary?: string }
    > = {};
    // One blame per file, not per key (blameOnce also turns a failed blame into "no commit").
    const blame = revision ? blameOnce((file) => git.blame(revision, file)) : undefined;
    for (const [p, origin] of Object.entries(desired?.provenance ?? {})) {
      const line = (await blame?.(origin.file))?.get(origin.line);
      provenance[p] = {
        file: origin.file,
        line: origin.line,
        ...(line ? { commit: line.commit, time: line.time, author: line.author, summary: line.summary } : {}),
      };
    }
    // A copy: the daemon's evaluation is shared state, not this answer's to fill in.
    const drift = evaluation?.drift && {
      ...evaluation.drift,
      ...(evaluation.drift.provenance
        ? {
            provenance: Object.fromEntries(
              Object.entries(evaluation.drift.provenance).map(([p, o]) => [
                p,
                { ...o, ...(provenance[p]?.commit && !o.commit ? { commit: provenance[p].commit } : {}) },
              ]),
            ),
          }
        : {}),
    };
    const query = { cluster: ref.cluster, namespace: ref.namespace, name: ref.name, limit: 50 };
    const pending = store.approvals({ ...query, state: 'pending' }).filter((a) => a.entry.kind === ref.kind);
    const operator = req.consoleUser?.role === 'operator';
    return {
      ref,
      status: drift?.status ?? (evaluation ? 'in-sync' : 'unknown'),
      ...(drift && drift.status !== 'in-sync' ? { drift } : {}),
      provenance,
      approvals: pending,
      history: {
        drifts: store.drifts(query).filter((r) => r.drift.kind === ref.kind),
        remediations: store.remediations(query).filter((r) => r.entry.kind === ref.kind),
      },
      actions: {
        approve: operator && pending.length > 0,
        remediate:
          operator &&
          drift !== undefined &&
          drift.status !== 'in-sync' &&
          evaluation?.decision.mode === 'auto',
      },
    };
  });
  app.post<{ Params: Params }>(
    `${path}/remediate`,
    { config: { access: 'operator' } },
    async (req, reply) => {
      const ref = refOf(req.params, reply);
      if (!ref) return reply;
      const outcome = await daemon.remediateNow(ref);
      return reply.code(outcome.ok ? 200 : 409).send(outcome);
    },
  );
}
