/**
 * `POST /api/v1/audit/<cluster>`: the Kubernetes audit webhook receiver. kube-apiserver's webhook
 * backend (`--audit-webhook-config-file`) posts `audit.k8s.io/v1` EventList batches here with the
 * bearer token of its kubeconfig. Checked before the body is read: the cluster is known (else 404)
 * and the token is one of that cluster's (constant-time, else 401). The body is then sorted
 * (reconciler/audit: only completed writes of ConfigMaps and Secrets trueup manages are kept, and
 * no body field survives the parser) and handed to the intake's bounded queue; the answer never
 * waits for the store. A full queue drops records (counted), it does not make the apiserver retry.
 */
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { eventsOf, sortEvents } from '../../reconciler/audit/event.ts';
import type { ObjectRef } from '../../reconciler/core/model.ts';
import { jsonErrorWhere } from '../../reconciler/core/redact.ts';
import type { AuditIntake } from '../../reconciler/daemon/audit-intake.ts';
import { isWebhookAuthorized } from '../alertmanager/route.ts';
import { replyError } from '../reply-error.ts';
import type { AuditTokens } from './tokens.ts';

/** AUDIT_WEBHOOK_PATH is where a cluster's audit webhook kubeconfig points (`:cluster`: its name in fleet.yaml). */
export const AUDIT_WEBHOOK_PATH = '/api/v1/audit/:cluster';

/** AuditRouteDeps are what the receiver needs. */
export interface AuditRouteDeps {
  tokens: AuditTokens;
  intake: Pick<AuditIntake, 'offer'>;
  /** manages says whether trueup manages an object (only its writes are kept). */
  manages: (ref: ObjectRef) => boolean;
  /** bodyLimit in bytes; default 4 MiB (the apiserver's default batch of 400 Metadata events is ~0.5 MiB). */
  bodyLimit?: number;
  log?: FastifyBaseLogger;
}

/** AuditAnswer is the receiver's answer: events received, records kept, dropped (queue full), skipped. */
export interface AuditAnswer {
  received: number;
  kept: number;
  dropped: number;
  skipped: number;
}

/** registerAuditRoute registers `POST /api/v1/audit/:cluster` on the app. */
export function registerAuditRoute(app: FastifyInstance, deps: AuditRouteDeps): void {
  const log = deps.log ?? app.log;
  app.post<{ Params: { cluster: string } }>(AUDIT_WEBHOOK_PATH, {
    // Checked below, per cluster: console and Alertmanager credentials do not count here.
    config: { access: 'audit' },
    bodyLimit: deps.bodyLimit ?? 4 * 1024 * 1024,
    onRequest: async (req, reply) => {
      const { cluster } = req.params;
      const tokens = deps.tokens.get(cluster);
      if (!tokens)
        return replyError(
          reply,
          'TRUEUP_NOT_FOUND',
          `no audit webhook for cluster ${cluster} (see --audit-tokens)`,
        );
      if (!isWebhookAuthorized(req.headers.authorization, { bearerTokens: [...tokens] })) {
        log.warn({ route: 'audit', cluster, status: 401 }, 'audit webhook: unauthorized');
        return replyError(
          reply.header('WWW-Authenticate', 'Bearer realm="trueup"'),
          'TRUEUP_UNAUTHORIZED',
          `missing or wrong audit webhook token for cluster ${cluster}`,
        );
      }
      const media = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (media !== 'application/json')
        return replyError(
          reply,
          'TRUEUP_UNSUPPORTED_MEDIA_TYPE',
          'the audit webhook body must be application/json',
        );
    },
    errorHandler: (error, _req, reply) => replyWithError(error, reply, log),
    handler: async (req, reply) => {
      const { cluster } = req.params;
      const events = eventsOf(req.body);
      if (!events)
        return replyError(
          reply,
          'TRUEUP_BAD_AUDIT_EVENTS',
          'expected an audit.k8s.io/v1 EventList (or an Event, or a list of Events)',
        );
      const sorted = sortEvents(cluster, events, deps.manages);
      const offered = deps.intake.offer(cluster, sorted.records, sorted.skipped);
      const skipped = Object.values(sorted.skipped).reduce((a, b) => a + (b ?? 0), 0);
      log.debug({ route: 'audit', cluster, received: events.length, ...offered, skipped }, 'audit webhook');
      const answer: AuditAnswer = {
        received: events.length,
        kept: offered.queued,
        dropped: offered.dropped,
        skipped,
      };
      return reply.code(200).send(answer);
    },
  });
}

/** replyWithError maps fastify's body-reading errors to coded JSON; anything else is a 500. */
function replyWithError(error: FastifyError, reply: FastifyReply, log: FastifyBaseLogger) {
  const status = error.statusCode ?? 500;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413)
    return replyError(reply, 'TRUEUP_AUDIT_TOO_LARGE', 'the audit event batch is larger than the body limit');
  if (status >= 400 && status < 500)
    return replyError(
      reply,
      'TRUEUP_BAD_AUDIT_EVENTS',
      `the body could not be read as JSON: ${jsonErrorWhere(error)}`,
    );
  log.error({ route: 'audit', err: error }, 'audit webhook: unexpected error');
  return replyError(reply, 'TRUEUP_INTERNAL', 'internal error');
}
