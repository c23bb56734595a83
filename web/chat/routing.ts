/**
 * Notification routing: which channel hears what. A notice has a kind (held, remediated, failed,
 * flap, incident — and the opt-in noise: drift, in-sync), a severity, a cluster with its labels and a
 * namespace. Every route whose match selects it and whose events include its kind delivers it to
 * its targets (a Slack channel, the Mattermost and/or Teams incoming webhook). Pure.
 */
import { z } from 'zod';
import { matchesAny } from '../../reconciler/core/glob.ts';
import { labelSelectorSchema, matchesSelector } from '../../reconciler/core/selector.ts';

/** NOTICE_KINDS are the kinds of notification. */
export const NOTICE_KINDS = ['held', 'remediated', 'failed', 'flap', 'incident', 'drift', 'in-sync'] as const;

/** NoticeKind is one kind of notification. */
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** DEFAULT_EVENTS are what a route delivers unless it says: quiet about in-sync noise and raw detections. */
export const DEFAULT_EVENTS: NoticeKind[] = ['held', 'remediated', 'failed', 'flap', 'incident'];

/** Severity orders notices for routing. */
export type Severity = 'critical' | 'warning' | 'info';

/** routeSchema is one entry of the chat config's `routes`. */
export const routeSchema = z
  .object({
    name: z.string().optional(),
    match: z
      .object({
        clusters: z.array(z.string().min(1)).optional(),
        clusterLabels: labelSelectorSchema.optional(),
        namespaces: z.array(z.string().min(1)).optional(),
        severities: z.array(z.enum(['critical', 'warning', 'info'])).optional(),
      })
      .strict()
      .default({}),
    events: z.array(z.enum(NOTICE_KINDS)).default(DEFAULT_EVENTS),
    /** slack is a channel id (C…) or name the bot is a member of. */
    slack: z.string().min(1).optional(),
    mattermost: z.boolean().default(false),
    teams: z.boolean().default(false),
  })
  .strict();

/** Route is one routing rule. */
export type Route = z.infer<typeof routeSchema>;

/** Notice is what routing looks at. */
export interface Notice {
  kind: NoticeKind;
  severity: Severity;
  cluster?: string;
  clusterLabels: Record<string, string>;
  namespace?: string;
}

/** Targets are where a notice goes. */
export interface Targets {
  slack: string[];
  mattermost: boolean;
  teams: boolean;
}

/** routeMatches tells whether a route takes a notice. */
export function routeMatches(route: Route, notice: Notice): boolean {
  if (!route.events.includes(notice.kind)) return false;
  const m = route.match;
  // A route that asks about the cluster or namespace does not take notices that have none.
  if (m.clusters && (!notice.cluster || !matchesAny(m.clusters, notice.cluster))) return false;
  if (m.clusterLabels && (!notice.cluster || !matchesSelector(m.clusterLabels, notice.clusterLabels)))
    return false;
  if (m.namespaces && (!notice.namespace || !matchesAny(m.namespaces, notice.namespace))) return false;
  if (m.severities && !m.severities.includes(notice.severity)) return false;
  return true;
}

/** targetsFor collects the targets of every route that takes the notice (each channel once). */
export function targetsFor(routes: readonly Route[], notice: Notice): Targets {
  const targets: Targets = { slack: [], mattermost: false, teams: false };
  for (const route of routes) {
    if (!routeMatches(route, notice)) continue;
    if (route.slack && !targets.slack.includes(route.slack)) targets.slack.push(route.slack);
    targets.mattermost ||= route.mattermost;
    targets.teams ||= route.teams;
  }
  return targets;
}

/** severityOfKind is the severity of a reconciler notice. */
export function severityOfKind(kind: Exclude<NoticeKind, 'incident'>): Severity {
  if (kind === 'failed') return 'critical';
  if (kind === 'held' || kind === 'drift' || kind === 'flap') return 'warning';
  return 'info';
}

/** severityOfLabel maps an alert's `severity` label (critical/page/error, warning, info/none). */
export function severityOfLabel(label: string | undefined): Severity {
  const s = (label ?? '').toLowerCase();
  if (['critical', 'page', 'error', 'high', 'p1'].includes(s)) return 'critical';
  if (['info', 'none', 'low', 'informational'].includes(s)) return 'info';
  return 'warning';
}
