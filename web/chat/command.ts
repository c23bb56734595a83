/**
 * The `/trueup` slash command's grammar: `status [cluster]`, `diff <cluster> [<ns>/<kind>/<name>]`,
 * `explain <cluster>/<ns>/<kind>/<name>`, `approvals`, `approve <id>`, `reject <id> [reason]`,
 * `incident <id>`, `help`. Pure: text in, a command (or what is wrong with the text) out.
 */

import type { ManagedKind, ObjectRef } from '../../reconciler/core/model.ts';
import { APPROVAL_ID, INCIDENT_ID } from '../../reconciler/store/ids.ts';

/** ChatCommand is one parsed `/trueup` command. */
export type ChatCommand =
  | { verb: 'status'; cluster?: string }
  | { verb: 'diff'; cluster: string; object?: Omit<ObjectRef, 'cluster'> }
  | { verb: 'explain'; ref: ObjectRef }
  | { verb: 'approvals' }
  | { verb: 'approve'; id: string }
  | { verb: 'reject'; id: string; reason?: string }
  | { verb: 'incident'; id: string }
  | { verb: 'help' };

/** ParsedCommand is a command, or the usage error to show. */
export type ParsedCommand = { ok: true; command: ChatCommand } | { ok: false; error: string };

/** USAGE lists the subcommands, one a line. */
export const USAGE = [
  '`/trueup status [cluster]` — the fleet, or one cluster and its drifted objects',
  '`/trueup diff <cluster> [<ns>/<kind>/<name>]` — what drifted, with the changes',
  '`/trueup explain <cluster>/<ns>/<kind>/<name>` — the policy decision and why',
  '`/trueup approvals` — changes waiting for approval',
  '`/trueup approve <id>` · `/trueup reject <id> [reason]` — decide a held change',
  '`/trueup incident <id>` — an incident with its diagnosis',
  '`/trueup help` — this list',
];

const name = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
const approvalId = APPROVAL_ID;
const incidentId = INCIDENT_ID;

/** kindOf reads a kind as people type it: ConfigMap, configmap, cm, Secret, secret. */
export function kindOf(text: string): ManagedKind | undefined {
  const k = text.toLowerCase();
  if (k === 'configmap' || k === 'cm' || k === 'configmaps') return 'ConfigMap';
  if (k === 'secret' || k === 'secrets') return 'Secret';
  return undefined;
}

function objectOf(text: string): Omit<ObjectRef, 'cluster'> | string {
  const [namespace, kindText, objectName, ...rest] = text.split('/');
  const kind = kindOf(kindText ?? '');
  if (rest.length || !namespace || !objectName || !name.test(namespace) || !name.test(objectName) || !kind)
    return `expected <namespace>/<kind>/<name> with kind ConfigMap or Secret, got \`${text}\``;
  return { kind, namespace, name: objectName };
}

/** parseCommand parses the text after `/trueup`. */
export function parseCommand(text: string): ParsedCommand {
  const [verb = 'help', ...args] = text.trim().split(/\s+/).filter(Boolean);
  const one = (what: string, pattern: RegExp): string | { error: string } => {
    const value = args[0];
    if (!value || !pattern.test(value)) return { error: `\`${verb}\` needs ${what}` };
    return value;
  };
  const tooMany = (max: number) =>
    args.length > max ? { ok: false as const, error: `too many arguments for \`${verb}\`` } : undefined;
  switch (verb.toLowerCase()) {
    case 'help':
      return { ok: true, command: { verb: 'help' } };
    case 'status':
      if (args[0] !== undefined && !name.test(args[0])) return { ok: false, error: 'not a cluster name' };
      return (
        tooMany(1) ?? { ok: true, command: { verb: 'status', ...(args[0] ? { cluster: args[0] } : {}) } }
      );
    case 'diff': {
      const cluster = one('a cluster name', name);
      if (typeof cluster !== 'string') return { ok: false, error: cluster.error };
      if (args[1] === undefined) return tooMany(1) ?? { ok: true, command: { verb: 'diff', cluster } };
      const object = objectOf(args[1]);
      if (typeof object === 'string') return { ok: false, error: object };
      return tooMany(2) ?? { ok: true, command: { verb: 'diff', cluster, object } };
    }
    case 'explain': {
      const [cluster, ...rest] = (args[0] ?? '').split('/');
      if (!cluster || !name.test(cluster) || rest.length !== 3)
        return { ok: false, error: '`explain` needs <cluster>/<namespace>/<kind>/<name>' };
      const object = objectOf(rest.join('/'));
      if (typeof object === 'string') return { ok: false, error: object };
      return tooMany(1) ?? { ok: true, command: { verb: 'explain', ref: { cluster, ...object } } };
    }
    case 'approvals':
      return tooMany(0) ?? { ok: true, command: { verb: 'approvals' } };
    case 'approve': {
      const id = one('an approval id (like a12-7kq3x9md)', approvalId);
      if (typeof id !== 'string') return { ok: false, error: id.error };
      return tooMany(1) ?? { ok: true, command: { verb: 'approve', id } };
    }
    case 'reject': {
      const id = one('an approval id (like a12-7kq3x9md)', approvalId);
      if (typeof id !== 'string') return { ok: false, error: id.error };
      const reason = args.slice(1).join(' ').slice(0, 1000);
      return { ok: true, command: { verb: 'reject', id, ...(reason ? { reason } : {}) } };
    }
    case 'incident': {
      const id = one('an incident id (like i3-0pz8k2ra)', incidentId);
      if (typeof id !== 'string') return { ok: false, error: id.error };
      return tooMany(1) ?? { ok: true, command: { verb: 'incident', id } };
    }
    default:
      return { ok: false, error: `unknown command \`${verb.slice(0, 40)}\`` };
  }
}
