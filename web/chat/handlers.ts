/**
 * What the read-only `/trueup` commands answer, from the daemon's and the stores' read APIs:
 * status, diff, explain, approvals, incident, help. Approve and reject go through decisions.ts.
 */
import type { IncidentStore } from '../../diagnose/incident-store.ts';
import { explainDecision } from '../../policies/explain.ts';
import { objectKey } from '../../reconciler/core/model.ts';
import type { Daemon } from '../../reconciler/daemon/daemon.ts';
import type { AuditStore } from '../../reconciler/store/store.ts';
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

/** CommandContext is what the read commands read. */
export interface CommandContext {
  daemon: Pick<Daemon, 'status' | 'drifts' | 'fleetState'>;
  store: Pick<AuditStore, 'approvals'>;
  incidents?: Pick<IncidentStore, 'incident'>;
  links: ConsoleLinks;
  clusterLabel: string;
  now?: () => Date;
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
    case 'diff': {
      const status = daemon.status();
      if (!status.clusters.some((c) => c.name === command.cluster))
        return ephemeral(unknownCluster(command.cluster, status));
      const drifts = (await daemon.drifts()).filter((d) => d.cluster === command.cluster);
      if (!command.object) return ephemeral(renderDrifts(command.cluster, drifts, links));
      const ref = { cluster: command.cluster, ...command.object };
      const drift = drifts.find((d) => objectKey(d) === objectKey(ref));
      const pending = ctx.store
        .approvals({ cluster: ref.cluster, namespace: ref.namespace, name: ref.name, state: 'pending' })
        .filter((a) => a.entry.kind === ref.kind);
      return ephemeral(renderDriftDetail(ref, drift, pending, links));
    }
    case 'explain': {
      const state = daemon.fleetState();
      if (!state)
        return ephemeral({ text: 'not ready', sections: ['The fleet repo has not been read yet.'] });
      const clusterState = state.clusters.find((c) => c.cluster.name === command.ref.cluster);
      if (!clusterState) return ephemeral(unknownCluster(command.ref.cluster, daemon.status()));
      const { ref } = command;
      const desired = clusterState.objects.find((o) => objectKey(o) === objectKey(ref));
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
      return ephemeral(renderExplanation(ref, state.revision, desired !== undefined, explanation, links));
    }
    case 'approvals':
      return ephemeral(renderApprovals(ctx.store.approvals({ state: 'pending', limit: 200 }), links));
    case 'incident': {
      const incident = ctx.incidents?.incident(command.id);
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
