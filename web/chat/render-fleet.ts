/**
 * Chat messages about the fleet: status, drift (list and one object), explain and approvals (the
 * answers to `/trueup` commands; notifications are in render-notices.ts). Pure: data in, a
 * ChatMessage out. Secret values are digests in every input already (Drift shows them as
 * `hmac-sha256:<12 hex>`); the outbound scrub is the second net.
 */

import type { Explanation } from '../../policies/explain.ts';
import { describeWriter } from '../../reconciler/audit/attribution.ts';
import {
  type Drift,
  type FieldChange,
  formatRepoError,
  type ObjectRef,
  type RepoError,
} from '../../reconciler/core/model.ts';
import type { ClusterHealth, DaemonStatus } from '../../reconciler/daemon/daemon.ts';
import type { Approval } from '../../reconciler/store/store.ts';
import { type ChatMessage, type ConsoleLinks, code, esc, link, listSections } from './blocks.ts';

/** objectLabel names an object for people: `ConfigMap shop/app`. */
export function objectLabel(ref: Omit<ObjectRef, 'cluster'>): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

const healthIcon: Record<ClusterHealth, string> = {
  'in-sync': ':white_check_mark:',
  drifted: ':large_orange_diamond:',
  held: ':double_vertical_bar:',
  errors: ':warning:',
  unreachable: ':red_circle:',
};

/**
 * changeLine renders one drifted field: what the cluster has and what git says. For a value holding
 * a JSON or YAML document, the paths inside it that differ (the first three).
 */
export function changeLine(c: FieldChange): string {
  if (c.type === 'added') return `• ${code(c.path)} added out of band: ${code(c.live ?? '')}`;
  if (c.type === 'removed') return `• ${code(c.path)} removed out of band (git: ${code(c.desired ?? '')})`;
  const inside = c.document?.changes ?? [];
  if (inside.length > 0) {
    const more = inside.length - 3 + (c.document?.more ?? 0);
    const paths = inside.slice(0, 3).map((d) => {
      if (d.type === 'added') return `${code(d.path)} added out of band: ${code(d.live ?? '')}`;
      if (d.type === 'removed') return `${code(d.path)} removed out of band (git: ${code(d.desired ?? '')})`;
      return `${code(d.path)} is ${code(d.live ?? '')}, git says ${code(d.desired ?? '')}`;
    });
    return `• ${code(c.path)}: ${paths.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`;
  }
  return `• ${code(c.path)} is ${code(c.live ?? '')}, git says ${code(c.desired ?? '')}`;
}

/** driftedByLine says which field managers drifted the object, and when. */
export function driftedByLine(drift: Drift): string | undefined {
  if (drift.driftedBy.length === 0) return undefined;
  const writers = drift.driftedBy.filter((d) => d.user !== undefined).map((d) => esc(describeWriter(d)));
  const rv = drift.resourceVersion ? ` · resourceVersion ${esc(drift.resourceVersion)}` : '';
  return `Drifted by ${drift.driftedBy
    .map((d) => `${code(d.manager, 40)} (${esc(d.operation)}${d.time ? ` at ${esc(d.time)}` : ''})`)
    .join(', ')}${writers.length ? ` · changed by ${writers.join(', ')}` : ''}${rv}`;
}

/** decisionLine is the policy decision with its reasons. */
export function decisionLine(drift: Drift): string | undefined {
  const d = drift.decision;
  if (!d) return undefined;
  return `Decision *${esc(d.mode)}*: ${esc(d.reasons.join('; ') || 'no reason given')}`;
}

/** renderStatus answers `status [cluster]`: the fleet, or one cluster with its drifted objects. */
export function renderStatus(
  status: DaemonStatus,
  links: ConsoleLinks,
  cluster?: { name: string; drifts: Drift[] },
): ChatMessage {
  const head = `Revision ${status.revision ? code(status.revision.slice(0, 12)) : '_not read yet_'}${status.ready ? '' : ' · _not ready_'}${status.gitError ? `\n:warning: git: ${esc(status.gitError)}` : ''}${repoErrorLines(status.errors)}`;
  if (cluster) {
    const c = status.clusters.find((x) => x.name === cluster.name);
    if (!c) return unknownCluster(cluster.name, status);
    const lines = cluster.drifts.map(
      (d) =>
        `• ${link(links.object(d), objectLabel(d))} — ${esc(d.status)}${d.decision ? ` · ${esc(d.decision.mode)}` : ''}`,
    );
    const list = listSections(lines, { url: links.drifts(c.name), what: 'drifted objects' });
    return {
      text: `${c.name}: ${c.status}, ${c.drifted} drifted, ${c.pendingApprovals} held`,
      title: `Cluster ${c.name}`,
      sections: [
        `${healthIcon[c.status]} *${esc(c.status)}*${c.error ? ` — ${esc(c.error)}` : ''}\n${head}`,
        ...list.sections,
      ],
      facts: [
        { label: 'Objects', value: String(c.objects) },
        { label: 'Drifted', value: String(c.drifted) },
        { label: 'Held', value: String(c.pendingApprovals) },
        {
          label: 'Labels',
          value: esc(
            Object.entries(c.labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ') || 'none',
          ),
        },
      ],
      context: list.context,
      ...openLink(links.drifts(c.name), 'Open drifts'),
    };
  }
  const lines = status.clusters.map(
    (c) =>
      `${healthIcon[c.status]} *${esc(c.name)}* — ${esc(c.status)} · ${c.objects} objects · ${c.drifted} drifted · ${c.pendingApprovals} held${c.error ? ` · ${esc(c.error)}` : ''}`,
  );
  const list = listSections(lines, { url: links.drifts(), what: 'clusters' }, 30);
  const drifted = status.clusters.reduce((n, c) => n + c.drifted, 0);
  return {
    text: `trueup: ${status.clusters.length} clusters, ${drifted} drifted objects`,
    title: 'trueup fleet status',
    sections: [head, ...list.sections],
    context: list.context,
    ...openLink(links.drifts(), 'Open drifts'),
  };
}

/** repoErrorLines lists the first repo errors (file:line, code, what they hold) under a count. */
function repoErrorLines(errors: readonly RepoError[], shown = 5): string {
  if (errors.length === 0) return '';
  const lines = errors.slice(0, shown).map((e) => `\n• ${esc(formatRepoError(e))}`);
  const more = errors.length > shown ? `\n• … ${errors.length - shown} more` : '';
  return `\n:warning: ${errors.length} repo error(s)${lines.join('')}${more}`;
}

/** heldByLine says which repo errors hold an object whose desired state is unknown. */
export function heldByLine(drift: Drift): string | undefined {
  if (drift.status !== 'unknown' || !drift.heldBy?.length) return undefined;
  return `Held by repo error ${esc(drift.heldBy.map(formatRepoError).join('; '))}: not orphaned, never pruned`;
}

/** openLink is a message's console link, when there is a console. */
export function openLink(url: string | undefined, label: string): Pick<ChatMessage, 'open'> {
  return url ? { open: { url, label } } : {};
}

/** unknownCluster answers a command naming a cluster the fleet does not have. */
export function unknownCluster(name: string, status: DaemonStatus): ChatMessage {
  const known = status.clusters.map((c) => c.name).join(', ') || 'none yet';
  return {
    text: `unknown cluster ${name}`,
    sections: [`Unknown cluster ${code(name)}. The fleet has: ${esc(known)}.`],
  };
}

/** renderDrifts answers `diff <cluster>`: every object not in sync there, with its changes. */
export function renderDrifts(cluster: string, drifts: Drift[], links: ConsoleLinks): ChatMessage {
  if (drifts.length === 0)
    return {
      text: `${cluster}: everything is in sync`,
      sections: [`:white_check_mark: Everything on *${esc(cluster)}* is in sync.`],
    };
  const lines = drifts.map((d) => {
    const changes = d.changes.slice(0, 5).map(changeLine);
    if (d.changes.length > 5) changes.push(`• … ${d.changes.length - 5} more`);
    return [
      `*${link(links.object(d), objectLabel(d))}* — ${esc(d.status)}${d.decision ? ` · decision ${esc(d.decision.mode)}` : ''}`,
      ...[heldByLine(d)].filter((x): x is string => x !== undefined),
      ...changes,
    ].join('\n');
  });
  const list = listSections(lines, { url: links.drifts(cluster), what: 'drifted objects' }, 15);
  return {
    text: `${cluster}: ${drifts.length} object(s) drifted`,
    title: `Drift on ${cluster}`,
    sections: list.sections,
    context: list.context,
    ...openLink(links.drifts(cluster), 'Open drifts'),
  };
}

/** renderDriftDetail answers `diff <cluster> <ns>/<kind>/<name>`: one object's drift in full. */
export function renderDriftDetail(
  ref: ObjectRef,
  drift: Drift | undefined,
  pending: Approval[],
  links: ConsoleLinks,
): ChatMessage {
  const url = links.object(ref);
  if (!drift || drift.status === 'in-sync')
    return {
      text: `${objectLabel(ref)} on ${ref.cluster} is in sync`,
      sections: [`:white_check_mark: ${link(url, objectLabel(ref))} on *${esc(ref.cluster)}* is in sync.`],
    };
  const list = listSections(drift.changes.map(changeLine), { url, what: 'changes' });
  const provenance = Object.entries(drift.provenance ?? {})
    .slice(0, 5)
    .map(
      ([p, o]) =>
        `${code(p)} from ${code(`${o.file}:${o.line}`)}${o.commit ? ` @ ${code(o.commit.slice(0, 12))}` : ''}`,
    );
  const context = [
    driftedByLine(drift),
    decisionLine(drift),
    provenance.length ? `Set in git: ${provenance.join(', ')}` : undefined,
  ].filter((x): x is string => x !== undefined);
  if (pending.length) context.push(`Pending approval: ${pending.map((a) => `*${esc(a.id)}*`).join(', ')}`);
  return {
    text: `${objectLabel(ref)} on ${ref.cluster}: ${drift.status}`,
    title: `${objectLabel(ref)} on ${ref.cluster}`,
    sections: [`*${esc(drift.status)}*`, ...list.sections],
    context: [...context, ...list.context],
    ...(pending[0] ? { approval: pending[0].id } : {}),
    ...openLink(url, 'Open in console'),
  };
}

/** renderExplanation answers `explain`: the rules in evaluation order and the decision. */
export function renderExplanation(
  ref: ObjectRef,
  revision: string,
  declared: boolean,
  e: Explanation,
  links: ConsoleLinks,
): ChatMessage {
  const rules = e.rules.map((r, i) => {
    const mode = r.mode ? `mode ${esc(r.mode)}${r.exception ? ' (exception)' : ''}` : 'no mode';
    const windows = r.windows.map(
      (w) => `\n    ${esc(w.type)} window ${esc(w.window)}: ${w.open ? 'open' : 'closed'}`,
    );
    return `${i + 1}. ${code(r.ref, 100)}: ${r.matches ? `matches, ${mode}` : `does not match: ${esc(r.why ?? '')}`}${windows.join('')}`;
  });
  const list = listSections(rules.length ? rules : ['_no rules_'], { url: links.object(ref), what: 'rules' });
  return {
    text: `${objectLabel(ref)} on ${ref.cluster}: decision ${e.decision.mode}`,
    title: `Explain ${objectLabel(ref)} on ${ref.cluster}`,
    sections: [
      `Decision *${esc(e.decision.mode)}*\n${e.decision.reasons.map((r) => `• ${esc(r)}`).join('\n')}`,
      ...list.sections,
    ],
    context: [
      `Revision ${code(revision.slice(0, 12))} at ${esc(e.at)}${declared ? '' : ' · not declared for this cluster'}`,
      ...(e.ignore.paths.length || e.ignore.managers.length
        ? [
            `Ignored: paths ${esc(e.ignore.paths.join(', ') || 'none')}; managers ${esc(e.ignore.managers.join(', ') || 'none')}`,
          ]
        : []),
      ...list.context,
    ],
    ...openLink(links.object(ref), 'Open in console'),
  };
}

/** renderApprovals answers `approvals`: what waits for a decision. */
export function renderApprovals(pending: Approval[], links: ConsoleLinks): ChatMessage {
  if (pending.length === 0)
    return { text: 'nothing waits for approval', sections: ['Nothing waits for approval.'] };
  const lines = pending.map(
    (a) =>
      `*${esc(a.id)}* ${link(links.object(a.entry), objectLabel(a.entry))} on *${esc(a.entry.cluster)}* — ${esc(a.entry.pending?.action ?? a.entry.action)}${a.entry.dryRun ? `, dry-run ${esc(a.entry.dryRun)}` : ''} · since ${esc(a.created)}\n    ${esc(a.entry.decision.reasons.join('; '))}`,
  );
  const list = listSections(lines, { url: links.approvals(), what: 'approvals' });
  return {
    text: `${pending.length} change(s) wait for approval`,
    title: 'Pending approvals',
    sections: list.sections,
    context: ['`/trueup approve <id>` or `/trueup reject <id> [reason]`', ...list.context],
    ...openLink(links.approvals(), 'Open approvals'),
  };
}
