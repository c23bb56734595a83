/**
 * The `/trueup` slash command's grammar: `status [cluster]`, `diff <cluster> [<ns>/<kind>/<name>]`,
 * `explain <cluster>/<ns>/<kind>/<name>`, `approvals`, `approve <id>`, `reject <id> [reason]`,
 * `incident <id>`, `preview <branch>`, `help`. Pure: text in, a command (or what is wrong with the text) out.
 */

import {
  type NamespacedRef,
  type ObjectRef,
  parseNamespacedRef,
  parseObjectRef,
} from '../../reconciler/core/object-ref.ts';
import { APPROVAL_ID, INCIDENT_ID } from '../../reconciler/store/ids.ts';

/** ChatCommand is one parsed `/trueup` command. */
export type ChatCommand =
  | { verb: 'status'; cluster?: string }
  | { verb: 'diff'; cluster: string; object?: NamespacedRef }
  | { verb: 'explain'; ref: ObjectRef }
  | { verb: 'approvals' }
  | { verb: 'approve'; id: string }
  | { verb: 'reject'; id: string; reason?: string }
  | { verb: 'incident'; id: string }
  | { verb: 'preview'; head: string }
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
  '`/trueup preview <branch>` — what merging a branch (or commit) does to the fleet',
  '`/trueup help` — this list',
];

const name = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
/** refName: a branch, tag or commit as git allows them, and nothing git could read as an option or a range. */
const refName = /^(?!.*\.\.)(?!.*\.lock$)[A-Za-z0-9][A-Za-z0-9._/-]{0,199}(?<!\/)$/;
const approvalId = APPROVAL_ID;
const incidentId = INCIDENT_ID;

/** objectError is the usage error for an object text after the cluster. */
function objectError(text: string): string {
  return `expected <namespace>/<kind>/<name> with kind ConfigMap or Secret, got \`${text}\``;
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
      const object = parseNamespacedRef(args[1], { kindAliases: true });
      if (!object.ok) return { ok: false, error: objectError(args[1]) };
      return tooMany(2) ?? { ok: true, command: { verb: 'diff', cluster, object: object.ref } };
    }
    case 'explain': {
      const text = args[0] ?? '';
      const parsed = parseObjectRef(text, { kindAliases: true });
      if (!parsed.ok && parsed.problem !== 'object')
        return { ok: false, error: '`explain` needs <cluster>/<namespace>/<kind>/<name>' };
      if (!parsed.ok) return { ok: false, error: objectError(text.slice(text.indexOf('/') + 1)) };
      return tooMany(1) ?? { ok: true, command: { verb: 'explain', ref: parsed.ref } };
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
    case 'preview': {
      const head = one('a branch, tag or commit', refName);
      if (typeof head !== 'string') return { ok: false, error: head.error };
      return tooMany(1) ?? { ok: true, command: { verb: 'preview', head } };
    }
    default:
      return { ok: false, error: `unknown command \`${verb.slice(0, 40)}\`` };
  }
}
