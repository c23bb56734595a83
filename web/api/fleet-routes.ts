/**
 * The fleet-scale reads of the console:
 *   GET /api/v1/namespaces   viewer: each cluster × namespace cell's state and counts (the heat map)
 *   GET /api/v1/timeline?cluster=&namespace=&q=&since=&until=&buckets=
 *                            viewer: drifts, remediations by result, approvals and incidents per time
 *                            bucket, the git commits in range, detection→remediation latency histogram
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { IncidentStore } from '../../diagnose/incident-store.ts';
import { namespaceStates } from '../../reconciler/daemon/namespaces.ts';
import type { GitSource } from '../../reconciler/git/git-source.ts';
import { defaultActivityLimit } from '../../reconciler/store/store.ts';
import type { ApiErrorBody } from '../contract/api.ts';
import type { NamespaceStates, Timeline, TimelineCommit } from '../contract/fleet.ts';
import { replyError } from '../reply-error.ts';
import type { ServerDeps } from '../server.ts';
import { timeline } from './timeline.ts';

const day = 86_400_000;

const timelineQuery = z
  .object({
    cluster: z.string().optional(),
    namespace: z.string().optional(),
    q: z.string().max(253).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    buckets: z.coerce.number().int().min(1).max(500).default(60),
  })
  .strict();

/** FleetReads are what the fleet routes read besides the daemon and the store. */
export interface FleetReads {
  incidents?: Pick<IncidentStore, 'openedTimes'>;
  /** git lists the repo's commits for the timeline's markers (none without it). */
  git?: Partial<Pick<GitSource, 'log'>>;
}

/** registerFleetRoutes registers the heat map's and the timelines' routes. */
export function registerFleetRoutes(
  app: FastifyInstance,
  { daemon, store }: Pick<ServerDeps, 'daemon' | 'store'>,
  reads: FleetReads,
): void {
  const viewer = { config: { access: 'viewer' as const } };
  app.get<{ Reply: NamespaceStates }>('/api/v1/namespaces', viewer, async () => ({
    namespaces: namespaceStates(daemon.status(), daemon.namespaces(), await store.pendingByNamespace()),
  }));
  app.get<{ Reply: Timeline | ApiErrorBody }>('/api/v1/timeline', viewer, async (req, reply) => {
    const query = timelineQuery.safeParse(req.query);
    if (!query.success) return replyError(reply, 'TRUEUP_BAD_QUERY', z.prettifyError(query.error));
    const { buckets, ...filter } = query.data;
    const until = filter.until ? new Date(filter.until) : new Date();
    const since = filter.since ? new Date(filter.since) : new Date(until.getTime() - day);
    if (since >= until) return replyError(reply, 'TRUEUP_BAD_QUERY', 'since must be before until');
    const bounds = { since: since.toISOString(), until: until.toISOString() };
    const activity = await store.activity({ ...filter, ...bounds });
    const incidents = (await reads.incidents?.openedTimes({ ...filter, ...bounds })) ?? [];
    const full = (n: number) => n >= defaultActivityLimit;
    return timeline({
      since,
      until,
      buckets,
      activity,
      incidents,
      commits: await commits(reads.git),
      truncated:
        full(activity.drifts.length) || full(activity.remediations.length) || full(activity.approvals.length),
    });
  });
}

// The newest 200 commits of the repo at the revision in use; none when git cannot say.
async function commits(git: FleetReads['git']): Promise<TimelineCommit[]> {
  if (!git?.log) return [];
  try {
    return (await git.log('.', { max: 200 })).map(({ commit, time, author, summary }) => ({
      commit,
      time: time ?? '',
      ...(author ? { author } : {}),
      ...(summary ? { summary } : {}),
    }));
  } catch {
    return [];
  }
}
