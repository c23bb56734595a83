/**
 * Kubernetes audit events (`audit.k8s.io/v1` Event and EventList) as trueup reads them: a zod
 * schema of the few fields attribution needs, and the filter that turns one event into what the
 * store keeps. Pure.
 *
 * The schema names no body field: zod drops unknown keys, so a `requestObject` or `responseObject`
 * (a Secret's value, at the Request or RequestResponse level) never leaves the parser.
 */
import { z } from 'zod';
import type { ManagedKind, ObjectRef } from '../core/model.ts';

const user = z.object({
  username: z.string().max(512).default(''),
  groups: z.array(z.string().max(512)).max(64).optional(),
});

/** auditEventSchema is the part of an audit.k8s.io/v1 Event that attribution reads. */
export const auditEventSchema = z.object({
  kind: z.literal('Event').optional(),
  apiVersion: z.string().optional(),
  auditID: z.string().min(1).max(128),
  stage: z.string().max(32),
  requestURI: z.string().max(8192).default(''),
  verb: z.string().max(32),
  user,
  impersonatedUser: user.optional(),
  sourceIPs: z.array(z.string().max(64)).max(16).optional(),
  userAgent: z.string().max(1024).optional(),
  objectRef: z
    .object({
      resource: z.string().max(128).optional(),
      namespace: z.string().max(253).optional(),
      name: z.string().max(253).optional(),
      apiGroup: z.string().max(253).optional(),
      resourceVersion: z.string().max(64).optional(),
      subresource: z.string().max(128).optional(),
    })
    .optional(),
  responseStatus: z.object({ code: z.number().int().optional() }).optional(),
  requestReceivedTimestamp: z.string().max(64),
  stageTimestamp: z.string().max(64),
});

/** AuditEvent is a parsed audit event (only the fields attribution reads). */
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** AuditVerb is a write verb trueup keeps. */
export type AuditVerb = 'create' | 'update' | 'patch' | 'delete';

const writeVerbs: readonly string[] = ['create', 'update', 'patch', 'delete'];
const kindOfResource: Record<string, ManagedKind> = { configmaps: 'ConfigMap', secrets: 'Secret' };

/**
 * AuditRecord is one write on a ConfigMap or Secret trueup manages, as stored: who (user, groups,
 * user agent, source IPs), with which field manager, when. No body, no value, no request URI.
 */
export interface AuditRecord extends ObjectRef {
  auditID: string;
  verb: AuditVerb;
  /** user is the effective user: the impersonated one when there is one. */
  user: string;
  groups: string[];
  /** impersonator is the user who impersonated `user`, when that happened. */
  impersonator?: string;
  userAgent: string;
  sourceIPs: string[];
  /** fieldManager is the request's `fieldManager` parameter, when it gave one. */
  fieldManager?: string;
  /** resourceVersion is the audit objectRef's (for an update: the version the client read). */
  resourceVersion?: string;
  /** requestTime and stageTime are the request's receipt and completion (RFC 3339, UTC). */
  requestTime: string;
  stageTime: string;
}

/** SkipReason says why an event is not kept. */
export type SkipReason =
  | 'invalid'
  | 'not-complete'
  | 'not-a-write'
  | 'not-configmap-or-secret'
  | 'failed-request'
  | 'not-managed';

/** RecordOutcome is one event's fate: a record to keep, or why not. */
export type RecordOutcome = { ok: true; record: AuditRecord } | { ok: false; reason: SkipReason };

/** IsManaged says whether trueup manages an object on the cluster the events came from. */
export type IsManaged = (ref: ObjectRef) => boolean;

/**
 * recordOf keeps a successful, completed write (create, update, patch, delete) on a ConfigMap or
 * Secret that `isManaged` accepts, and says why anything else is not kept.
 */
export function recordOf(cluster: string, raw: unknown, isManaged: IsManaged): RecordOutcome {
  const parsed = auditEventSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: 'invalid' };
  const e = parsed.data;
  // Every stage of a request is its own event: the one at completion carries the status.
  if (e.stage !== 'ResponseComplete') return { ok: false, reason: 'not-complete' };
  if (!writeVerbs.includes(e.verb)) return { ok: false, reason: 'not-a-write' };
  const ref = e.objectRef;
  const kind = ref?.resource ? kindOfResource[ref.resource] : undefined;
  if (!kind || !ref || (ref.apiGroup ?? '') !== '' || ref.subresource || !ref.name || !ref.namespace)
    return { ok: false, reason: 'not-configmap-or-secret' };
  const code = e.responseStatus?.code;
  if (code !== undefined && (code < 200 || code > 299)) return { ok: false, reason: 'failed-request' };
  const object: ObjectRef = { cluster, kind, namespace: ref.namespace, name: ref.name };
  if (!isManaged(object)) return { ok: false, reason: 'not-managed' };
  const effective = e.impersonatedUser ?? e.user;
  const fieldManager = fieldManagerOf(e.requestURI);
  return {
    ok: true,
    record: {
      ...object,
      auditID: e.auditID,
      verb: e.verb as AuditVerb,
      user: effective.username,
      groups: effective.groups ?? [],
      ...(e.impersonatedUser ? { impersonator: e.user.username } : {}),
      userAgent: e.userAgent ?? '',
      sourceIPs: e.sourceIPs ?? [],
      ...(fieldManager ? { fieldManager } : {}),
      ...(ref.resourceVersion ? { resourceVersion: ref.resourceVersion } : {}),
      requestTime: isoOf(e.requestReceivedTimestamp),
      stageTime: isoOf(e.stageTimestamp),
    },
  };
}

/** fieldManagerOf reads the `fieldManager` query parameter of a request URI. */
export function fieldManagerOf(requestURI: string): string | undefined {
  const query = requestURI.split('?')[1];
  if (!query) return undefined;
  const value = new URLSearchParams(query).get('fieldManager');
  return value ? value.slice(0, 128) : undefined;
}

// Audit timestamps carry microseconds; the store compares times as text, so all are one ISO form.
function isoOf(time: string): string {
  const t = new Date(time);
  return Number.isNaN(t.getTime()) ? time : t.toISOString();
}

/** eventsOf returns the events of a parsed body: an EventList's items, one Event, or an array of them. */
export function eventsOf(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as { kind?: unknown; items?: unknown };
  if (b.kind === 'EventList' || Array.isArray(b.items)) return Array.isArray(b.items) ? b.items : [];
  if (b.kind === 'Event' || 'auditID' in b) return [body];
  return undefined;
}

/** Sorted is the outcome of a batch of events: the records to keep and the count skipped by reason. */
export interface Sorted {
  records: AuditRecord[];
  skipped: Partial<Record<SkipReason, number>>;
}

/** sortEvents runs recordOf over a batch; a record seen twice in it (same auditID) is kept once. */
export function sortEvents(cluster: string, events: readonly unknown[], isManaged: IsManaged): Sorted {
  const records: AuditRecord[] = [];
  const seen = new Set<string>();
  const skipped: Sorted['skipped'] = {};
  for (const raw of events) {
    const outcome = recordOf(cluster, raw, isManaged);
    if (!outcome.ok) {
      skipped[outcome.reason] = (skipped[outcome.reason] ?? 0) + 1;
      continue;
    }
    if (seen.has(outcome.record.auditID)) continue;
    seen.add(outcome.record.auditID);
    records.push(outcome.record);
  }
  return { records, skipped };
}
