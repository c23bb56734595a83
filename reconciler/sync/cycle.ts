/**
 * One reconcile cycle over the fleet, the one-shot run of the pipeline (pipeline.ts): read each
 * cluster and evaluate it, gate the cycle's drift (waves, then limits), and remediate where the
 * decision says auto. Clusters run in parallel; one that is down or slow only reports its own
 * error. Returns what it did and what it held back, and why (also when parts failed); the caller
 * records it (record.ts).
 */

import { objectKey } from '../core/model.ts';
import type { ClusterAccess } from '../kube/kube-cluster.ts';
import type { ClusterDesiredState } from '../repo/desired-state.ts';
import type { FleetState } from '../repo/fleet-state.ts';
import { type Limiter, limiter, mapBounded } from './bounded.ts';
import type { ClusterReport, CycleReport } from './change-set.ts';
import { type EvaluationContext, evaluateCluster, evaluationContext } from './evaluate.ts';
import { type ClusterEvaluations, gateCycle } from './gate.ts';
import { type CycleOptions, defaultApplyConcurrency } from './options.ts';
import { remediateDrift } from './remediate.ts';

// Where the CLI, the store, the console and tests have always found the cycle's types.
export type { ChangeSetEntry, ClusterReport, CycleReport } from './change-set.ts';
export type { Evaluation } from './evaluate.ts';
export { type CycleOptions, defaultCycleOptions } from './options.ts';

/** reconcileFleet runs one cycle on the selected clusters of the desired state. */
export async function reconcileFleet(
  state: FleetState,
  access: (cluster: ClusterDesiredState['cluster']) => ClusterAccess,
  options: CycleOptions,
  selected?: readonly string[],
): Promise<CycleReport> {
  const clusters = state.clusters.filter((c) => !selected?.length || selected.includes(c.cluster.name));
  const context = evaluationContext(state.policy, options, (options.now ?? (() => new Date()))());
  // 1. List and evaluate every cluster, in parallel; one that fails is reported alone.
  const listed = await Promise.all(clusters.map((c) => listCluster(c, access, context, options)));
  // 2. Gate: canary waves, then blast-radius limits, across the whole cycle.
  const read = listed.filter((l): l is ListedCluster => 'evaluations' in l);
  gateCycle(state.clusters, read, context.now, options.changedAt);
  // 3. Remediate, clusters in parallel, objects a few at a time per cluster under one fleet-wide cap.
  const concurrency = options.concurrency ?? defaultApplyConcurrency;
  const fleetCap = limiter(concurrency.total);
  const reports = await Promise.all(
    listed.map((l) => ('evaluations' in l ? remediateCluster(l, options, fleetCap) : l)),
  );
  return { revision: state.revision, clusters: reports, errors: state.errors };
}

interface ListedCluster extends ClusterEvaluations {
  cluster: ClusterAccess;
}

async function listCluster(
  desired: ClusterDesiredState,
  access: (cluster: ClusterDesiredState['cluster']) => ClusterAccess,
  context: EvaluationContext,
  options: CycleOptions,
): Promise<ListedCluster | ClusterReport> {
  const name = desired.cluster.name;
  try {
    // access() fails e.g. for a missing kubeconfig context: that cluster alone is reported.
    const cluster = access(desired.cluster);
    const live = await cluster.listObjects();
    options.progress?.listed(name, live.length);
    return { desired, cluster, live, evaluations: evaluateCluster(desired, live, context) };
  } catch (err) {
    options.progress?.unreachable(name, (err as Error).message);
    return { name, reachable: false, error: (err as Error).message, drifts: [], changeSet: [] };
  }
}

async function remediateCluster(
  l: ListedCluster,
  options: CycleOptions,
  fleetCap: Limiter,
): Promise<ClusterReport> {
  const remediating = options.remediate || options.dryRun;
  const drifted = remediating ? l.evaluations.filter((e) => e.drift.status !== 'in-sync') : [];
  const desiredByKey = new Map(l.desired.objects.map((o) => [objectKey(o), o]));
  const liveByKey = new Map(l.live.map((o) => [objectKey(o), o]));
  // Each evaluation is a different object (the gate already decided the cycle as a whole), so
  // they are independent: several run at once; the change set keeps the evaluations' order.
  const perCluster = (options.concurrency ?? defaultApplyConcurrency).perCluster;
  const name = l.desired.cluster.name;
  options.progress?.planned(name, drifted.length);
  const changeSet = await mapBounded(
    drifted,
    perCluster,
    async (evaluation) => {
      const key = objectKey(evaluation.drift);
      const entry = await remediateDrift({
        evaluation,
        desired: desiredByKey.get(key),
        live: liveByKey.get(key),
        complete: l.desired.complete,
        cluster: l.cluster,
        options,
      });
      options.progress?.remediated(name, entry);
      return entry;
    },
    fleetCap,
  );
  return {
    name,
    reachable: true,
    drifts: l.evaluations.map((e) => e.drift),
    changeSet,
  };
}
