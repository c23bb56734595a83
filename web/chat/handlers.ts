/**
 * What the read-only `/trueup` commands answer, from the daemon's and the stores' read APIs:
 * status, diff, explain, approvals, incident, help; one object (`diff <cluster> <object>`, `explain`)
 * through the read port (reconciler/sync/object-reader.ts). Approve and reject go through decisions.ts.
 */
import type { IncidentStore } from '../../diagnose/incident-store.ts';
import { explainDecision } from '../../policies/explain.ts';
import { hasDrifted, type ObjectRef } from '../../reconciler/core/model.ts';
import type { Daemon } from '../../reconciler/daemon/daemon.ts';
import type { PreviewService } from '../../reconciler/preview/model.ts';
import type { AuditStore } from '../../reconciler/store/store.ts';
import { driftWithCommits, type ObjectReader } from '../../reconciler/sync/object-reader.ts';
import { type ChatMessage, type ConsoleLinks, code, esc } from './blocks.ts';
import { type ChatCommand, USAGE } from './command.ts';
import {
  renderApprovals,
  renderDriftDetail,
  renderDrifts,
  renderExplanation,
  renderStatus,
  unknownCluster,
} from './render-fleet.ts';
import { renderIncident } from './render-incident.ts';
import { renderPreview } from './render-preview.ts';

/** CommandContext is what the read commands read. */
export interface CommandContext {
  daemon: Pick<Daemon, 'status' | 'drifts'>;
  /** objects is the read port one object is answered from (the daemon's cache). */
  objects: ObjectReader;
  store: Pick<AuditStore, 'approvals'>;
  incidents?: Pick<IncidentStore, 'incident'>;
  links: ConsoleLinks;
  clusterLabel: string;
  now?: () => Date;
  /** preview, when serve offers previews: `/trueup preview <branch>`. */
  preview?: PreviewService;
}

/** Reply is a command's answer: the message and who sees it. */
export interface Reply {
  visibility: 'ephemeral' | 'in_channel';
  message: ChatMessage;
}

const ephemeral = (message: ChatMessage): Reply => ({ visibility: 'ephemeral', message });

/** helpReply lists the commands (with what was wrong, when the text did not parse). */
export function helpReply(error?: string): Reply {
  return ephemeral({
    text: error ? `trueup: ${error}` : 'trueup commands',
    ...(error ? {} : { title: 'trueup commands' }),
    sections: [...(error ? [`:warning: ${esc(error)}`] : []), USAGE.join('\n')],
  });
}

/** diffReply answers `diff`: a cluster's drifted objects, or one object through the read port. */
async function diffReply(command: Extract<ChatCommand, { verb: 'diff' }>, ctx: CommandContext) {
  const { daemon, objects, links } = ctx;
  const status = daemon.status();
  if (!status.clusters.some((c) => c.name === command.cluster))
    return unknownCluster(command.cluster, status);
  if (!command.object) {
    const drifts = (await daemon.drifts()).filter((d) => d.cluster === command.cluster);
    return renderDrifts(command.cluster, drifts, links);
  }
  const ref = { cluster: command.cluster, ...command.object };
  const { evaluation } = await objects.object(ref);
  // One object, one blame, filled into a copy (not the whole fleet's drifts as `status` needs).
  const drift =
    evaluation && hasDrifted(evaluation.drift)
      ? driftWithCommits(evaluation.drift, await objects.provenance(ref))
      : undefined;
  return renderDriftDetail(ref, drift, await objects.approvals(ref), links);
}

/** explainReply answers `explain`: the rules in evaluation order and the decision for one object. */
async function explainReply(ref: ObjectRef, ctx: CommandContext) {
  const { objects, links } = ctx;
  const state = objects.state();
  if (!state) return { text: 'not ready', sections: ['The fleet repo has not been read yet.'] };
  const clusterState = state.clusters.find((c) => c.cluster.name === ref.cluster);
  if (!clusterState) return unknownCluster(ref.cluster, ctx.daemon.status());
  const { desired } = await objects.object(ref);
  const explanation = explainDecision(
    state.policy,
    {
      cluster: clusterState.cluster,
      kind: ref.kind,
      namespace: ref.namespace,
      name: ref.name,
      labels: desired?.labels ?? {},
    },
    ctx.now?.() ?? new Date(),
  );
  return renderExplanation(ref, state.revision, desired !== undefined, explanation, links);
}

/** runReadCommand answers a read-only command. */
export async function runReadCommand(
  command: Exclude<ChatCommand, { verb: 'approve' | 'reject' }>,
  ctx: CommandContext,
): Promise<Reply> {
  const { daemon, links } = ctx;
  switch (command.verb) {
    case 'help':
      return helpReply();
    case 'status': {
      const status = daemon.status();
      if (!command.cluster) return ephemeral(renderStatus(status, links));
      const drifts = (await daemon.drifts()).filter((d) => d.cluster === command.cluster);
      return ephemeral(renderStatus(status, links, { name: command.cluster, drifts }));
    }
    case 'diff':
      return ephemeral(await diffReply(command, ctx));
    case 'explain':
      return ephemeral(await explainReply(command.ref, ctx));
    case 'approvals':
      return ephemeral(renderApprovals(await ctx.store.approvals({ state: 'pending', limit: 200 }), links));
    case 'preview': {
      if (!ctx.preview)
        return ephemeral({ text: 'previews are off', sections: ['Previews are not on in this trueup.'] });
      const result = await ctx.preview({ head: command.head });
      if (!result.ok)
        return ephemeral({
          text: `no preview of ${command.head}`,
          sections: [`:warning: ${esc(result.message)}`],
        });
      return { visibility: 'in_channel', message: renderPreview(result.report, links) };
    }
    case 'incident': {
      const incident = await ctx.incidents?.incident(command.id);
      if (!incident)
        return ephemeral({
          text: `no incident ${command.id}`,
          sections: [
            ctx.incidents
              ? `There is no incident ${code(command.id)}.`
              : 'Diagnosis is not on in this trueup.',
          ],
        });
      return ephemeral(renderIncident(incident, links, ctx.clusterLabel));
    }
  }
}
