/**
 * Who made a drift: each field manager that drifted an object (managedFields: manager, operation,
 * time) joined with the audit log's writes of that object, so attribution names the user, groups,
 * user agent and source IPs. An audit event matches a manager's write when
 * - it is a successful create, update or patch of the same object (delete leaves nothing to drift);
 * - its field manager is the entry's: the request's `fieldManager` parameter, else the one the
 *   apiserver derives from the user agent (up to the first `/`);
 * - the entry's time (managedFields keeps whole seconds) lies between the request's receipt and
 *   completion, widened by a small window;
 * - it did not read the live version (an event whose objectRef.resourceVersion is the live one was
 *   sent after that version existed: at Metadata level the audit log has no response object, so the
 *   resulting version itself is never known).
 * No match, or matches by different users: the user is null and the reason says so. Never a guess.
 * Pure.
 */
import type { DriftedBy } from '../core/model.ts';
import type { AuditRecord } from './event.ts';

/** JoinOptions bound the match. */
export interface JoinOptions {
  /** windowMs widens the request's receipt-to-completion span on both sides (clock rounding). */
  windowMs: number;
}

/** defaultJoinOptions: one second either side (managedFields times are whole seconds). */
export function defaultJoinOptions(): JoinOptions {
  return { windowMs: 1000 };
}

/** defaultManagerOf is the field manager the apiserver gives a request without one: its user agent up to `/`. */
export function defaultManagerOf(userAgent: string): string {
  return (userAgent.split('/')[0] ?? '').slice(0, 128);
}

/** isWriteBy tells whether an audit record is a write made under a field manager. */
export function isWriteBy(record: AuditRecord, manager: string): boolean {
  if (record.verb === 'delete') return false;
  return (record.fieldManager ?? defaultManagerOf(record.userAgent)) === manager;
}

/**
 * attributeUsers adds the audit log's user to every field manager of a drift (see the file's
 * comment for the rule). `events` are the audit records of the same object; `liveResourceVersion`
 * is the live object's.
 */
export function attributeUsers(
  driftedBy: readonly DriftedBy[],
  events: readonly AuditRecord[],
  liveResourceVersion: string | undefined,
  options: JoinOptions = defaultJoinOptions(),
): DriftedBy[] {
  return driftedBy.map((d) => ({ ...withoutUser(d), ...userOf(d, events, liveResourceVersion, options) }));
}

type UserFields = Pick<
  DriftedBy,
  'user' | 'userReason' | 'groups' | 'userAgent' | 'sourceIPs' | 'auditID' | 'requestTime'
>;

function userOf(
  d: DriftedBy,
  events: readonly AuditRecord[],
  live: string | undefined,
  { windowMs }: JoinOptions,
): UserFields {
  if (events.length === 0)
    return {
      user: null,
      userReason:
        'no audit event for this object (is the audit webhook or `trueup audit ingest` set up? a batch may still be on its way)',
    };
  const at = d.time ? Date.parse(d.time) : Number.NaN;
  if (Number.isNaN(at)) return { user: null, userReason: `${d.manager}'s managedFields entry has no time` };
  const candidates = events.filter(
    (e) =>
      isWriteBy(e, d.manager) &&
      (live === undefined || e.resourceVersion !== live) &&
      Date.parse(e.requestTime) - 1000 - windowMs <= at &&
      at <= Date.parse(e.stageTime) + windowMs,
  );
  if (candidates.length === 0)
    return { user: null, userReason: `no audit event of a write by ${d.manager} at ${d.time}` };
  const users = [...new Set(candidates.map((e) => e.user))];
  if (users.length > 1)
    return {
      user: null,
      userReason: `ambiguous: ${candidates.length} writes by ${d.manager} at ${d.time} from different users (${users.join(', ')})`,
    };
  // One user: the latest of their writes in the window is the one that left this time.
  const e = [...candidates].sort((a, b) => b.stageTime.localeCompare(a.stageTime))[0] as AuditRecord;
  return {
    user: e.user,
    groups: e.groups,
    userAgent: e.userAgent,
    sourceIPs: e.sourceIPs,
    auditID: e.auditID,
    requestTime: e.requestTime,
  };
}

function withoutUser(d: DriftedBy): DriftedBy {
  const {
    user: _u,
    userReason: _r,
    groups: _g,
    userAgent: _a,
    sourceIPs: _s,
    auditID: _i,
    requestTime: _t,
    ...rest
  } = d;
  return rest;
}

/**
 * describeWriter says who made a drift in one line, for chat, Events and text output:
 * `alice@corp with kubectl edit from 10.0.0.5 at 10:31 UTC`; `kubectl-edit (user unknown: …)`
 * when no audit event matched; the manager alone when audit attribution is off.
 */
export function describeWriter(d: DriftedBy): string {
  if (d.user === undefined) return d.manager;
  if (d.user === null) return `${d.manager} (user unknown: ${d.userReason ?? 'no audit event matched'})`;
  const from = d.sourceIPs?.[0] ? ` from ${d.sourceIPs[0]}` : '';
  const at = d.requestTime ? ` at ${d.requestTime.slice(11, 16)} UTC` : '';
  return `${d.user} with ${toolOf(d)}${from}${at}`;
}

/** toolOf names the tool of a write: `kubectl edit` for kubectl's managers, else the user agent's product. */
export function toolOf(d: Pick<DriftedBy, 'manager' | 'userAgent'>): string {
  if (d.manager.startsWith('kubectl-')) return `kubectl ${d.manager.slice('kubectl-'.length)}`;
  const product = d.userAgent ? defaultManagerOf(d.userAgent) : '';
  return product || d.manager;
}
