/**
 * The daemon's remediation queue: one queue per cluster, drained one object at a time (a
 * remediation must see the result of the previous one), each item run through the pipeline's
 * remediate and record steps. A fix another field manager keeps undoing is backed off (FlapGuard)
 * and announced as a flap.
 */
import { formatObjectRef, hasDrifted, type ObjectRef, objectKey } from '../core/model.ts';
import type { ChangeSetEntry } from '../sync/change-set.ts';
import type { Evaluation } from '../sync/evaluate.ts';
import { FlapGuard, otherManager } from '../sync/flap-guard.ts';
import type { CycleOptions } from '../sync/options.ts';
import { remediateAndRecord } from '../sync/pipeline.ts';
import { writeJournal } from '../sync/recovery.ts';
import { type ClusterRuntime, clusterStateOf, type DaemonCore } from './core.ts';

/** RemediationQueue schedules and runs the daemon's remediations. */
export class RemediationQueue {
  #core: DaemonCore;
  /** #flaps backs off fixes another field manager keeps undoing, and retries them when the delay is over. */
  #flaps: FlapGuard;
  /** #retiring are remediations still finishing on clusters given up. */
  #retiring = new Set<Promise<void>>();

  /** constructor takes the daemon's shared state. */
  constructor(core: DaemonCore) {
    this.#core = core;
    this.#flaps = new FlapGuard((cluster, key) => {
      const rt = core.clusters.get(cluster);
      if (rt && !core.stopped) this.enqueue(rt, key);
    });
  }

  /** flap is the flap an object is in on a cluster, if trueup is backing off its fix. */
  flap(cluster: string, key: string): ReturnType<FlapGuard['flap']> {
    return this.#flaps.flap(cluster, key);
  }

  /** flapping counts a cluster's flapping objects. */
  flapping(cluster: string): number {
    return this.#flaps.flapping(cluster);
  }

  /** stop ends the flap guard's timers. */
  stop(): void {
    this.#flaps.stop();
  }

  /** retire keeps waiting for a remediation still running on a cluster given up. */
  retire(rt: ClusterRuntime): void {
    if (!rt.draining) return;
    const done = rt.draining;
    this.#retiring.add(done);
    const forget = () => this.#retiring.delete(done);
    done.then(forget, forget);
  }

  /** drained resolves when no remediation is running. */
  async drained(): Promise<void> {
    await Promise.all([...[...this.#core.clusters.values()].map((rt) => rt.draining), ...this.#retiring]);
  }

  /** enqueue queues an object for remediation and starts draining the cluster's queue. */
  enqueue(rt: ClusterRuntime, key: string): void {
    if (rt.stopped) return;
    rt.queue.add(key);
    if (rt.draining) return;
    rt.draining = this.#drain(rt)
      .catch((err: Error) =>
        // The store refused a record: the write's intent stays open and recovery settles it.
        this.#core.deps.log.error(
          { err: err.message, cluster: rt.cluster.name },
          'remediation queue stopped',
        ),
      )
      .finally(() => {
        rt.draining = undefined;
      });
  }

  /**
   * remediateNow remediates one drifted object at once, only where the decision is auto (the
   * console's "remediate now"); anything else is refused with the decision's reasons.
   */
  async remediateNow(
    ref: ObjectRef,
  ): Promise<{ ok: true; entry: ChangeSetEntry } | { ok: false; reason: string }> {
    const core = this.#core;
    if (core.ownership && !core.ownership.owns(ref.cluster)) {
      const owner = core.ownership.describe();
      const by = owner.owners?.[ref.cluster] ?? owner.leaderIdentity;
      return {
        ok: false,
        reason: `this replica (${owner.identity}) does not own cluster ${ref.cluster}; ${by ? `${by} does` : 'nobody does right now'}`,
      };
    }
    const rt = core.clusters.get(ref.cluster);
    const key = objectKey(ref);
    const evaluation = rt?.drifts.get(key);
    const state = clusterStateOf(core, ref.cluster);
    if (!rt || !evaluation || !hasDrifted(evaluation.drift) || !state || !core.state)
      return { ok: false, reason: `${formatObjectRef(ref)} is not drifted` };
    if (evaluation.decision.mode !== 'auto') {
      return {
        ok: false,
        reason: `policy says ${evaluation.decision.mode}, not auto: ${evaluation.decision.reasons.join('; ')}`,
      };
    }
    const { metrics, options } = core.deps;
    const entry = await this.#run(rt, key, evaluation, state.complete, 'trueup (remediate now)', {
      ...options,
      remediate: true,
    });
    if (entry.recreateFailed) metrics.recreateFailures.inc({ cluster: ref.cluster });
    core.emit({
      type: 'remediation',
      ...ref,
      action: entry.action,
      ...(entry.error ? { error: entry.error } : {}),
    });
    return entry.error ? { ok: false, reason: entry.error } : { ok: true, entry };
  }

  async #drain(rt: ClusterRuntime): Promise<void> {
    while (rt.queue.size > 0 && !this.#core.stopped && !rt.stopped) {
      const key = rt.queue.values().next().value as string;
      rt.queue.delete(key);
      await this.#remediate(rt, key);
    }
  }

  /** #remediate runs one queued object through remediate and record. */
  async #remediate(rt: ClusterRuntime, key: string): Promise<void> {
    const core = this.#core;
    const { options } = core.deps;
    const evaluation = rt.drifts.get(key);
    const state = clusterStateOf(core, rt.cluster.name);
    // Re-read the current drift: the object may have been fixed (or changed again) meanwhile.
    if (!evaluation || !hasDrifted(evaluation.drift) || !state || !core.state) return;
    // Another field manager keeps undoing this fix: wait (the guard enqueues it again later).
    const writes = evaluation.decision.mode === 'auto' && !options.dryRun;
    const { revision } = core.state;
    if (writes && !this.#flaps.admit(rt.cluster.name, key, evaluation.drift, revision)) return;
    const entry = await this.#run(rt, key, evaluation, state.complete, 'trueup', options);
    if (entry.approval) await core.pending.refresh();
    this.#report(rt, entry);
    if (writes && !entry.error && written.has(entry.action)) this.#recordFix(rt, key, evaluation);
    core.emit({
      type: 'remediation',
      cluster: entry.cluster,
      kind: entry.kind,
      namespace: entry.namespace,
      name: entry.name,
      action: entry.action,
      ...(entry.error ? { error: entry.error } : {}),
    });
  }

  /** #run remediates and records one drifted object of a cluster, in the actor's name. */
  #run(
    rt: ClusterRuntime,
    key: string,
    evaluation: Evaluation,
    complete: boolean,
    actor: string,
    options: CycleOptions,
  ): Promise<ChangeSetEntry> {
    const { store } = this.#core.deps;
    const revision = this.#core.state?.revision ?? '';
    return remediateAndRecord(
      {
        evaluation,
        desired: this.#core.desiredByKey.get(rt.cluster.name)?.get(key),
        live: rt.live.get(key),
        complete,
        cluster: rt.access,
        options: { ...options, journal: writeJournal(store, { revision, actor }) },
      },
      { store, revision, actor },
    );
  }

  /** #report counts and logs a remediation the queue ran. */
  #report(rt: ClusterRuntime, entry: ChangeSetEntry): void {
    const { metrics, log } = this.#core.deps;
    metrics.remediations.inc({ cluster: rt.cluster.name, result: entry.error ? 'failed' : entry.action });
    if (entry.recreateFailed) metrics.recreateFailures.inc({ cluster: rt.cluster.name });
    if (entry.action === 'skipped') metrics.remediationsHeld.inc({ reason: heldReason(entry) });
    const fields = {
      cluster: entry.cluster,
      kind: entry.kind,
      namespace: entry.namespace,
      name: entry.name,
      revision: this.#core.state?.revision,
      action: entry.action,
      dryRun: entry.dryRun,
      reasons: entry.reasons,
      ...(entry.approval ? { approval: entry.approval } : {}),
    };
    if (entry.error) log.error({ ...fields, err: entry.error }, 'remediation failed');
    else log.info(fields, `remediation ${entry.action}`);
  }

  /**
   * #recordFix notes a fix trueup made; when it makes the object a flap, it says so: a FlapDetected
   * Event on the object, the metric (naming the other field manager), the log, the console and chat.
   */
  #recordFix(rt: ClusterRuntime, key: string, evaluation: Evaluation): void {
    const { metrics, log, options } = this.#core.deps;
    const revision = this.#core.state?.revision ?? '';
    const flap = this.#flaps.record(rt.cluster.name, key, evaluation.drift, revision);
    if (!flap) return;
    const drift = evaluation.drift;
    const ref: ObjectRef = {
      cluster: drift.cluster,
      kind: drift.kind,
      namespace: drift.namespace,
      name: drift.name,
    };
    const current = rt.drifts.get(key);
    if (current && hasDrifted(current.drift)) current.drift.flap = flap;
    metrics.flapsDetected.inc({
      cluster: ref.cluster,
      manager: this.#flaps.metricLabel(otherManager(drift)),
    });
    const message = `field manager ${flap.manager} keeps undoing trueup's fix (${flap.remediations} fixes at revision ${revision.slice(0, 12)}); backing off: next fix not before ${flap.retryAt ?? 'later'}, each further one waits twice as long`;
    log.warn({ ...ref, revision, manager: flap.manager, retryAt: flap.retryAt }, 'flap detected');
    const live = rt.live.get(key);
    if (options.recordEvents && live)
      rt.access
        .recordEvent(ref, live.uid, { type: 'Warning', reason: 'FlapDetected', message })
        .catch(() => {});
    this.#core.emit({
      type: 'flap',
      ...ref,
      manager: flap.manager,
      ...(flap.retryAt ? { retryAt: flap.retryAt } : {}),
    });
  }
}

/** written are the actions that change the cluster (what a flap counts). */
const written = new Set(['created', 'configured', 'replaced', 'deleted']);

/** heldReason is the low-cardinality reason label of a held remediation. */
export function heldReason(entry: ChangeSetEntry): string {
  if (entry.decision.hold) return entry.decision.hold;
  if (entry.decision.mode !== 'auto') return entry.decision.mode;
  // auto, but the plan held it back.
  const text = entry.reasons.join(' ');
  if (/immutable/.test(text)) return 'immutable';
  if (/prune|did not create|repo has errors/.test(text)) return 'prune';
  return 'other';
}
