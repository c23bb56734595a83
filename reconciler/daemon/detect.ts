/**
 * The daemon's detection: an object that changed (a watch event, a relist, a new revision) is run
 * through the pipeline's evaluate and gate steps (canary waves, then blast-radius limits); a new or
 * changed drift is recorded, logged, announced and queued for remediation when that is on.
 */
import { type LimitTracker, limitTracker } from '../../policies/limits.ts';
import { attributeUsers, defaultManagerOf } from '../audit/attribution.ts';
import {
  type Drift,
  hasDrifted,
  type LiveObject,
  type NamespacedRef,
  parseObjectKey,
} from '../core/model.ts';
import type { ObjectEvent } from '../kube/kube-cluster.ts';
import type { FleetState } from '../repo/fleet-state.ts';
import { supersedeObject } from '../sync/approvals.ts';
import {
  type Evaluation,
  type EvaluationContext,
  evaluateObject,
  evaluationContext,
} from '../sync/evaluate.ts';
import { boundedLabel } from '../sync/flap-tracker.ts';
import { admitLimit } from '../sync/gate.ts';
import { WaveGate } from '../sync/wave-gate.ts';
import { observeObject } from '../sync/wave-state.ts';
import { type ClusterRuntime, clusterStateOf, type DaemonCore } from './core.ts';
import { driftEventMessage } from './drift-event.ts';
import type { RemediationQueue } from './queue.ts';

/** evaluationSliceMs is how long evaluateAll works before it lets the event loop run. */
const evaluationSliceMs = 20;

/** Detector evaluates and gates objects as they change, and reports new drift. */
export class Detector {
  #core: DaemonCore;
  #queue: RemediationQueue;
  /** #limits counts this cycle's changes for blast-radius limits; a resync starts a new cycle. */
  #limits: LimitTracker = limitTracker([]);
  /** #waves holds later canary waves back until the earlier ones settle, and looks again when they may go. */
  #waves: WaveGate;
  /** #batching holds the clusters an evaluateAll pass is going through. */
  #batching = new Set<ClusterRuntime>();
  /** #managers and #agents are the writer label values seen (bounded, see boundedLabel). */
  #managers = new Set<string>();
  #agents = new Set<string>();

  /** constructor takes the daemon's shared state and the queue new drift goes to. */
  constructor(core: DaemonCore, queue: RemediationQueue) {
    this.#core = core;
    this.#queue = queue;
    this.#waves = new WaveGate((cluster, key) => {
      const rt = core.clusters.get(cluster);
      if (rt && !core.stopped) this.evaluate(rt, key);
    });
  }

  /** newCycle starts a new cycle of blast-radius limits (a resync, a new revision). */
  newCycle(state: FleetState | undefined): void {
    this.#limits = limitTracker(state?.clusters.map((c) => c.cluster.name) ?? []);
  }

  /** stop ends the wave gate's timers. */
  stop(): void {
    this.#waves.stop();
  }

  /**
   * evaluateAll evaluates every object of a listed cluster: desired, live, and those it reported.
   * It works in slices of evaluationSliceMs and yields to the event loop between them, so watch
   * events, probes and the API are served during a full resync of thousands of objects (a small
   * cluster is done in the first slice, before evaluateAll returns). A newer pass over the same
   * cluster ends this one at its next slice; watch events in between are evaluated as they come.
   */
  async evaluateAll(rt: ClusterRuntime): Promise<void> {
    if (rt.listed.size < 2) return;
    const pass = (rt.evaluating ?? 0) + 1;
    rt.evaluating = pass;
    const keys = new Set([
      ...(this.#core.desiredByKey.get(rt.cluster.name)?.keys() ?? []),
      ...rt.live.keys(),
      ...rt.drifts.keys(),
    ]);
    this.#batching.add(rt);
    try {
      let sliceStart = performance.now();
      for (const key of keys) {
        if (performance.now() - sliceStart > evaluationSliceMs) {
          this.#updateGauge(rt);
          await new Promise((resolve) => setImmediate(resolve));
          if (rt.evaluating !== pass || rt.stopped || this.#core.stopped) return;
          sliceStart = performance.now();
        }
        this.evaluate(rt, key);
      }
      rt.evaluated = true;
    } finally {
      this.#batching.delete(rt);
      this.#updateGauge(rt);
    }
  }

  /** evaluate recomputes one object's drift; new drift is recorded and, when allowed, queued for remediation. */
  evaluate(rt: ClusterRuntime, key: string): void {
    const core = this.#core;
    if (rt.stopped) return;
    const state = clusterStateOf(core, rt.cluster.name);
    if (!state || !core.state) return;
    const desired = core.desiredByKey.get(rt.cluster.name)?.get(key);
    const context = evaluationContext(core.state.policy, core.deps.options, new Date());
    const live = rt.live.get(key);
    const evaluation = evaluateObject(state, desired, live, context);
    if (evaluation) this.#attribute(rt.cluster.name, key, evaluation.drift, live);
    if (evaluation) this.#gate(rt, key, evaluation, context);
    const previous = rt.drifts.get(key);
    this.#keep(rt, key, previous, evaluation);
    if (changed(previous, evaluation)) {
      const object = parseObjectKey(key) as NamespacedRef;
      const status = evaluation?.drift.status ?? 'in-sync';
      core.emit({ type: 'drift', cluster: rt.cluster.name, ...object, status });
    }
    if (!evaluation || !hasDrifted(evaluation.drift) || signature(evaluation) === signature(previous)) return;
    this.#reportDrift(rt, key, evaluation);
  }

  /**
   * #attribute notes the live resourceVersion on a drift and, where audit events are received for
   * the cluster, who made it: each field manager joined with the audit log's writes of the object.
   */
  #attribute(cluster: string, key: string, drift: Drift, live: LiveObject | undefined): void {
    if (!hasDrifted(drift) || !live) return;
    drift.resourceVersion = live.resourceVersion;
    const audit = this.#core.deps.audit;
    if (audit?.isOn(cluster))
      drift.driftedBy = attributeUsers(drift.driftedBy, audit.eventsFor(cluster, key), live.resourceVersion);
  }

  /** #gate applies canary waves, then limits, and notes a flap the object is in. */
  #gate(rt: ClusterRuntime, key: string, evaluation: Evaluation, context: EvaluationContext): void {
    if (this.#waves.gates(evaluation)) {
      this.#waves.hold(evaluation, rt.cluster, key, this.#waveObservations(key, context), context.now);
    }
    admitLimit(evaluation, this.#limits, rt.cluster.name, key);
    const flap = hasDrifted(evaluation.drift) && this.#queue.flap(rt.cluster.name, key);
    if (flap) evaluation.drift.flap = flap;
  }

  /** #keep stores the evaluation, supersedes approvals it made stale, and wakes waves that wait on it. */
  #keep(
    rt: ClusterRuntime,
    key: string,
    previous: Evaluation | undefined,
    evaluation: Evaluation | undefined,
  ) {
    if (evaluation) rt.drifts.set(key, evaluation);
    else rt.drifts.delete(key);
    // Counting is O(objects): during evaluateAll it is done once per slice, not once per object.
    if (!this.#batching.has(rt)) this.#updateGauge(rt);
    // A pending approval this evaluation made unnecessary (in sync) or different is stale now.
    const { writes, pending, deps } = this.#core;
    writes.write('supersede approvals', async () => {
      const by = { actor: 'trueup', channel: 'serve' };
      const staled = await supersedeObject(deps.store, rt.cluster.name, key, evaluation?.drift, by);
      if (staled.length) await pending.refresh();
    });
    if (this.#waves.seen(rt.cluster.name, key, previous, evaluation)) {
      // The object turned in or out of sync here: changes later waves hold for it may go now.
      for (const other of this.#core.clusters.values())
        if (other !== rt && other.drifts.get(key)?.decision.hold === 'wave') this.evaluate(other, key);
    }
  }

  /** #reportDrift records a new drift, counts and logs it, puts an Event on the object and queues it. */
  #reportDrift(rt: ClusterRuntime, key: string, evaluation: Evaluation): void {
    const { store, metrics, log, options } = this.#core.deps;
    const revision = this.#core.state?.revision ?? '';
    const { drift } = evaluation;
    this.#core.writes.write('drift record', () => store.recordDrift(revision, drift));
    metrics.driftsDetected.inc({ cluster: rt.cluster.name });
    this.#countWriters(rt.cluster.name, drift);
    log.warn(
      {
        cluster: drift.cluster,
        kind: drift.kind,
        namespace: drift.namespace,
        name: drift.name,
        revision,
        status: drift.status,
        paths: drift.changes.map((c) => c.path),
        driftedBy: drift.driftedBy.map((d) => d.manager),
        users: drift.driftedBy.map((d) => d.user).filter((u) => u !== undefined),
        resourceVersion: drift.resourceVersion,
        mode: drift.decision?.mode,
        reasons: drift.decision?.reasons,
      },
      'drift detected',
    );
    const live = rt.live.get(key);
    if (options.recordEvents && live) {
      const event: ObjectEvent = {
        type: 'Warning',
        reason: 'DriftDetected',
        message: driftEventMessage(revision, drift, live.resourceVersion, evaluation.decision),
      };
      rt.access.recordEvent(drift, live.uid, event).catch(() => {});
    }
    if (options.remediate || options.dryRun) this.#queue.enqueue(rt, key);
  }

  /** #countWriters counts the drift by field manager and user agent product (each label bounded). */
  #countWriters(cluster: string, drift: Drift): void {
    for (const d of drift.driftedBy) {
      const manager = boundedLabel(this.#managers, d.manager, maxWriterLabels);
      const agent = boundedLabel(
        this.#agents,
        d.userAgent ? defaultManagerOf(d.userAgent) : 'unknown',
        maxWriterLabels,
      );
      this.#managers.add(manager);
      this.#agents.add(agent);
      this.#core.deps.metrics.driftWriters.inc({ cluster, manager, agent });
    }
  }

  /**
   * #waveObservations says where the object stands on every cluster, for canary waves. Each cluster
   * is evaluated afresh: a recorded evaluation may predate a new revision that drifts it too.
   */
  #waveObservations(key: string, context: EvaluationContext) {
    const core = this.#core;
    return [...core.clusters.values()].flatMap((other) => {
      const state = clusterStateOf(core, other.cluster.name);
      const desired = core.desiredByKey.get(other.cluster.name)?.get(key);
      const e = state && evaluateObject(state, desired, other.live.get(key), context);
      const observed = observeObject({
        cluster: other.cluster,
        read: other.reachable && other.listed.size === 2,
        declared: desired !== undefined,
        ...(e ? { status: e.drift.status === 'in-sync' ? ('in-sync' as const) : ('drifted' as const) } : {}),
        live: other.live.get(key),
        changedAt: this.#waves.changedAt(other.cluster.name, key),
      });
      return observed ? [observed] : [];
    });
  }

  #updateGauge(rt: ClusterRuntime): void {
    const drifts = [...rt.drifts.values()];
    this.#core.deps.metrics.driftedObjects.set(
      { cluster: rt.cluster.name },
      drifts.filter((e) => hasDrifted(e.drift)).length,
    );
    this.#core.deps.metrics.objectsHeld.set(
      { cluster: rt.cluster.name },
      drifts.filter((e) => e.drift.status === 'unknown').length,
    );
  }
}

/** changed tells whether an object's drift status or its news (signature) changed: the console hears of it. */
function changed(previous: Evaluation | undefined, current: Evaluation | undefined): boolean {
  const status = (e: Evaluation | undefined) => e?.drift.status ?? 'in-sync';
  return status(previous) !== status(current) || signature(current) !== signature(previous);
}

// A drift is news when its changes, the decision about it (e.g. a window opened) or who made it
// (an audit event arrived after the watch event) change.
function signature(e: Evaluation | undefined): string {
  return e
    ? JSON.stringify([e.drift.status, e.drift.changes, e.decision.mode, e.drift.driftedBy.map((d) => d.user)])
    : '';
}

/** maxWriterLabels bounds each label of trueup_drift_writers_total. */
const maxWriterLabels = 20;
