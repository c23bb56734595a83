/**
 * Who may approve or reject from chat: an allow-list of Slack user ids (`U…`, `W…`) and Slack user
 * groups (`S…`, resolved with usergroups.users.list), global or scoped to clusters (names, label
 * selectors) and policy rules. Lists add up: a user on the global list, or on any scoped entry that
 * matches the held change, may decide it. Nobody is allowed until someone is listed. User names are
 * not accepted: they can be changed by their owner.
 */
import { z } from 'zod';
import { matchesAny } from '../../reconciler/core/glob.ts';
import { labelSelectorSchema, matchesSelector } from '../../reconciler/core/selector.ts';

const userId = z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'a Slack user id (U… or W…)');
const groupId = z.string().regex(/^S[A-Z0-9]{2,20}$/, 'a Slack user group id (S…)');

/** approversSchema is the `approvers` section of the chat config. */
export const approversSchema = z
  .object({
    users: z.array(userId).default([]),
    groups: z.array(groupId).default([]),
    scoped: z
      .array(
        z
          .object({
            clusters: z.array(z.string().min(1)).optional(),
            clusterLabels: labelSelectorSchema.optional(),
            rules: z.array(z.string().min(1)).optional(),
            users: z.array(userId).default([]),
            groups: z.array(groupId).default([]),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

/** Approvers is the allow-list. */
export type Approvers = z.infer<typeof approversSchema>;

/** DecisionTarget is what an approval touches, as far as the allow-list cares. */
export interface DecisionTarget {
  cluster: string;
  clusterLabels: Record<string, string>;
  /** ruleRefs are the decision's rule references, e.g. `prod-secrets (policies.yaml:5)`. */
  ruleRefs: string[];
}

/** AccessVerdict says whether a user may decide, and why not. */
export type AccessVerdict = { ok: true; via: string } | { ok: false; reason: string };

/** ruleName is the rule name of a rule reference: `prod-secrets (policies.yaml:5)` -> `prod-secrets`. */
export function ruleName(ref: string): string {
  return ref.replace(/\s*\(.*\)\s*$/, '');
}

/** mayDecide checks a user against the allow-list for one held change. */
export async function mayDecide(
  approvers: Approvers,
  user: string,
  target: DecisionTarget,
  groupMembers: (group: string) => Promise<string[]>,
): Promise<AccessVerdict> {
  const lists: { where: string; users: string[]; groups: string[] }[] = [
    { where: 'the global approvers', users: approvers.users, groups: approvers.groups },
  ];
  for (const [i, s] of approvers.scoped.entries()) {
    if (s.clusters && !matchesAny(s.clusters, target.cluster)) continue;
    if (s.clusterLabels && !matchesSelector(s.clusterLabels, target.clusterLabels)) continue;
    if (s.rules && !target.ruleRefs.some((r) => s.rules?.includes(ruleName(r)))) continue;
    lists.push({ where: `approvers.scoped[${i}]`, users: s.users, groups: s.groups });
  }
  for (const list of lists) if (list.users.includes(user)) return { ok: true, via: list.where };
  for (const list of lists) {
    for (const group of list.groups) {
      const members = await groupMembers(group).catch((): string[] => []);
      if (members.includes(user)) return { ok: true, via: `${list.where} (group ${group})` };
    }
  }
  const anyone = lists.some((l) => l.users.length + l.groups.length > 0);
  return {
    ok: false,
    reason: anyone
      ? `you are not on the approvers list for changes on ${target.cluster}; nothing was changed. Ask an approver, or use the console or the CLI.`
      : 'nobody may approve from chat yet: the chat config lists no approvers for this change; nothing was changed.',
  };
}

/** GroupCache caches user group members for a while (Slack rate-limits usergroups.users.list). */
export class GroupCache {
  #ttlMs: number;
  #fetch: (group: string) => Promise<string[]>;
  #cache = new Map<string, { at: number; members: Promise<string[]> }>();

  constructor(fetchMembers: (group: string) => Promise<string[]>, ttlMs = 60_000) {
    this.#fetch = fetchMembers;
    this.#ttlMs = ttlMs;
  }

  /** members returns the group's members, fetching at most once per ttl; failures are not cached. */
  members(group: string, now = Date.now()): Promise<string[]> {
    const hit = this.#cache.get(group);
    if (hit && now - hit.at < this.#ttlMs) return hit.members;
    const members = this.#fetch(group);
    this.#cache.set(group, { at: now, members });
    members.catch(() => this.#cache.delete(group));
    return members;
  }
}
