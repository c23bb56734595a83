/**
 * `trueup explain <cluster>/<namespace>/<kind>/<name> [--at <time>]`: which rules matched, in which
 * order, the resulting decision, the windows and the limits. Reads the repo only; no cluster access.
 */
import { type Explanation, explainDecision } from '../policies/explain.ts';
import { formatRepoError, objectKey, parseObjectRef } from '../reconciler/core/model.ts';
import { UsageError } from './errors.ts';
import type { ExplainOptions } from './options.ts';
import { loadRepoState } from './repo-source.ts';

/** explainCommand runs `trueup explain`. */
export async function explainCommand(target: string, options: ExplainOptions): Promise<number> {
  const parsed = parseObjectRef(target);
  if (!parsed.ok) throw new UsageError(parsed.error);
  const { cluster, namespace, kind, name } = parsed.ref;
  const now = options.at ? new Date(options.at) : new Date();
  if (Number.isNaN(now.getTime())) throw new UsageError(`--at: not a time: ${options.at}`);
  const { state } = await loadRepoState(options);
  const clusterState = state.clusters.find((c) => c.cluster.name === cluster);
  if (!clusterState)
    throw new UsageError(
      `unknown cluster ${cluster}: fleet.yaml has ${state.clusters.map((c) => c.cluster.name).join(', ')}`,
    );
  const desired = clusterState.objects.find((o) => objectKey(o) === objectKey(parsed.ref));
  const explanation = explainDecision(
    state.policy,
    { cluster: clusterState.cluster, kind, namespace, name, labels: desired?.labels ?? {} },
    now,
    true,
    state.clusters
      .filter((c) => c.objects.some((o) => objectKey(o) === objectKey(parsed.ref)))
      .map((c) => c.cluster),
  );
  if (options.output === 'json') {
    process.stdout.write(
      `${JSON.stringify({ revision: state.revision, object: target, declared: desired !== undefined, ...explanation, errors: state.errors }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(renderExplanation(target, state.revision, desired !== undefined, explanation));
    if (state.errors.length > 0) {
      process.stdout.write(
        `\nrepo errors (${state.errors.length}):\n${state.errors.map((e) => `  ${formatRepoError(e)}\n`).join('')}`,
      );
    }
  }
  return state.errors.length > 0 ? 2 : 0;
}

function renderExplanation(target: string, revision: string, declared: boolean, e: Explanation): string {
  const out = [
    `object     ${target}${declared ? '' : '   (not declared for this cluster at this revision)'}`,
    `revision   ${revision}`,
    `at         ${e.at}`,
    `policy     ${e.policyFiles ? `${e.rules.length} rules` : 'no policy files (then --remediate decides)'}; protected namespaces: ${e.protectedNamespaces.join(', ') || 'none'}`,
    '',
    'rules, in evaluation order:',
  ];
  e.rules.forEach((r, i) => {
    const mode = r.mode ? `mode ${r.mode}${r.exception ? ' (exception)' : ''}` : 'no mode';
    out.push(`  ${i + 1}. ${r.ref}: ${r.matches ? `matches, ${mode}` : `does not match: ${r.why}`}`);
    for (const w of r.windows)
      out.push(`       ${w.type} window ${w.window}: ${w.open ? `open since ${w.openedAt}` : 'closed'}`);
    const { waves, settle, ...limits } = r.limits ?? {};
    if (Object.keys(limits).length) out.push(`       limits: ${JSON.stringify(limits)}`);
    if (r.waves) {
      out.push(
        `       waves (settle ${r.waves.settle}; a wave changes only after the earlier ones are in sync that long):`,
      );
      for (const w of r.waves.list) {
        const here = w.wave === r.waves.wave ? '  <- this cluster' : '';
        out.push(
          `         ${w.wave}. ${w.selects}: ${w.clusters.join(', ') || '(none holds the object)'}${here}`,
        );
      }
    }
  });
  if (e.rules.length === 0) out.push('  (none)');
  out.push('', `decision: ${e.decision.mode}`, ...e.decision.reasons.map((r) => `  - ${r}`));
  out.push(
    `  force ${e.decision.force}, replaceImmutable ${e.decision.replaceImmutable}, prune ${e.decision.prune}`,
  );
  if (e.ignore.paths.length || e.ignore.managers.length) {
    out.push(`ignored: paths [${e.ignore.paths.join(', ')}], managers [${e.ignore.managers.join(', ')}]`);
  }
  return `${out.join('\n')}\n`;
}
