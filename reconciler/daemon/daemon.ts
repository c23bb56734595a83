/**
 * The `serve` daemon's engine: keeps the fleet repo's desired state current (poll + refresh hook),
 * watches every targeted cluster, re-evaluates an object the moment it changes, records drift,
 * and — where the decision says auto — remediates, one object at a time per cluster. A full
 * resync runs on a cron schedule and on every new commit. A repo that cannot be fetched keeps the
 * last good revision; a cluster that is down only affects itself.
 */
import type { Logger } from 'pino';
import { type LimitTracker, limitTracker } from '../../policies/limits.ts';
import {
  type DesiredObject,
  type Drift,
  formatObjectRef,
  hasDrifted,
  type LiveObject,
  type NamespacedRef,
  type ObjectRef,
  objectKey,
  parseObjectKey,
  type RepoError,
} from '../core/model.ts';
import type { RepoSnapshot, SyncResult } from '../git/git-source.ts';
import { type ClusterAccess, KubeError, type ObjectEvent } from '../kube/kube-cluster.ts';
import type { FleetCluster } from '../repo/fleet-config.ts';
import type { FleetState } from '../repo/fleet-state.ts';
import { addProvenanceCommits, type Blame } from '../repo/provenance.ts';
import type { AuditStore } from '../store/store.ts';
import { supersedeObject } from '../sync/approvals.ts';
import type { ChangeSetEntry } from '../sync/change-set.ts';
import {
  type Evaluation,
  type EvaluationContext,
  evaluateObject,
  evaluationContext,
} from '../sync/evaluate.ts';
import { FlapGuard, otherManager } from '../sync/flap-guard.ts';
import { admitLimit } from '../sync/gate.ts';
import { driftWithCommits } from '../sync/object-reader.ts';
import type { CycleOptions } from '../sync/options.ts';
import { remediateAndRecord } from '../sync/pipeline.ts';
import { writeJournal } from '../sync/recovery.ts';
import { WaveGate } from '../sync/wave-gate.ts';
import { observeObject } from '../sync/wave-state.ts';
import { type ClusterWatch, watchCluster } from './cluster-watch.ts';
import type { DaemonMetrics } from './metrics.ts';

/** DaemonDeps are the daemon's edges, passed in. */
export interface DaemonDeps {
  source: { sync(): Promise<SyncResult>; blame(revision: string, file: string): ReturnType<Blame> };
  buildState: (snapshot: RepoSnapshot) => Promise<FleetState>;
  access: (cluster: FleetCluster) => ClusterAccess;
  store: AuditStore;
  metrics: DaemonMetrics;
  log: Logger;
  options: CycleOptions;
}

/** DaemonEvent is a change the daemon announces (the console's live updates). */
export type DaemonEvent =
  | ({ type: 'drift'; status: Drift['status'] } & ObjectRef)
  | ({ type: 'remediation'; action: string; error?: string } & ObjectRef)
  | ({ type: 'flap'; manager: string; retryAt?: string } & ObjectRef)
  | { type: 'status' };

/** ClusterHealth summarises a cluster for the fleet view, worst first. */
export type ClusterHealth = 'unreachable' | 'errors' | 'held' | 'drifted' | 'in-sync';

/** ClusterStatus is one cluster's state as the daemon sees it. */
export interface ClusterStatus {
  name: string;
  labels: Record<string, string>;
  /** status is the one-word summary: unreachable, errors (repo errors for it), held (pending approvals), drifted, in-sync. */
  status: ClusterHealth;
  /** pendingApprovals counts the changes waiting for approval on the cluster. */
  pendingApprovals: number;
  /** @deprecated held is pendingApprovals' old name, kept in the status JSON for scripts that read it. */
  held: number;
  reachable: boolean;
  synced: boolean;
  error?: string;
  lastSync?: string;
  objects: number;
  drifted: number;
  /** flapping counts objects another field manager keeps undoing, where trueup backs off. */
  flapping?: number;
}

/**
 * ReplicaStatus says, when several replicas share the fleet (leader election or sharding), who this
 * replica is, which clusters it owns and who owns the rest.
 */
export interface ReplicaStatus {
  identity: string;
  mode: 'leader-election' | 'sharding';
  /** leader (leader election): whether this replica leads; leaderIdentity: who does (null: nobody). */
  leader?: boolean;
  leaderIdentity?: string | null;
  /** owned are the clusters this replica watches and remediates. */
  owned: string[];
  /** sharding: this replica's fair share, the live replicas, and each cluster's owner (null: nobody). */
  share?: number;
  replicas?: string[];
  owners?: Record<string, string | null>;
}

/** Ownership restricts a daemon to the clusters this replica owns (see Daemon.own). */
export interface Ownership {
  owns(cluster: string): boolean;
  describe(): ReplicaStatus;
}

/** DaemonStatus is the daemon's state for health checks and the API. */
export interface DaemonStatus {
  revision?: string;
  gitError?: string;
  ready: boolean;
  clusters: ClusterStatus[];
  errors: RepoError[];
  /** replica, with leader election or sharding: what this replica owns (the clusters above are those). */
  replica?: ReplicaStatus;
}

interface ClusterRuntime {
  cluster: FleetCluster;
  access: ClusterAccess;
  watch: ClusterWatch;
  live: Map<string, LiveObject>;
  listed: Set<string>;
  reachable: boolean;
  error?: string;
  lastSync?: string;
  /** evaluations of objects trueup reports on (drifted or in sync), by objectKey. */
  drifts: Map<string, Evaluation>;
  queue: Set<string>;
  draining?: Promise<void>;
  /** stopped: this replica gave the cluster up (or the fleet dropped it); nothing more is queued. */
  stopped?: boolean;
}

/** Daemon runs the watch-detect-remediate loop. */
export class Daemon {
  #deps: DaemonDeps;
  #state?: FleetState;
  /** #desiredByKey indexes each cluster's desired objects by objectKey (rebuilt per revision). */
  #desiredByKey = new Map<string, Map<string, DesiredObject>>();
  /** #limits counts this cycle's changes for blast-radius limits; a resync starts a new cycle. */
  #limits: LimitTracker = limitTracker([]);
  /** #waves holds later canary waves back until the earlier ones settle, and looks again when they may go. */
  #waves = new WaveGate((cluster, key) => {
    const rt = this.#clusters.get(cluster);
    if (rt && !this.#stopped) this.#evaluate(rt, key);
  });
  /** #flaps backs off fixes another field manager keeps undoing, and retries them when the delay is over. */
  #flaps = new FlapGuard((cluster, key) => {
    const rt = this.#clusters.get(cluster);
    if (rt && !this.#stopped) this.#enqueue(rt, key);
  });
  #gitError?: string;
  /** #buildError: the newest revision could not be built (the last good one stays in use). */
  #buildError?: RepoError;
  #clusters = new Map<string, ClusterRuntime>();
  #listeners = new Set<(event: DaemonEvent) => void>();
  #stopped = false;
  /** #ownership, with several replicas, limits the clusters watched to those this replica owns. */
  #ownership?: Ownership;
  /** #retiring are remediations still finishing on clusters given up. */
  #retiring = new Set<Promise<void>>();

  constructor(deps: DaemonDeps) {
    this.#deps = deps;
  }

  /** start fetches the repo and starts watching; it resolves once the first fetch is done. */
  async start(): Promise<void> {
    await this.refresh();
  }

  /** refresh fetches the repo; a new revision rebuilds the desired state and re-evaluates everything. */
  async refresh(): Promise<{ revision?: string; changed: boolean; error?: string }> {
    const { source, metrics, log } = this.#deps;
    const synced = await source.sync();
    if (synced.error) {
      metrics.gitFetchErrors.inc();
      this.#gitError = synced.error.message;
      log.error(
        { err: synced.error.message, revision: synced.snapshot?.revision },
        'git fetch failed; keeping the last good revision',
      );
    } else {
      this.#gitError = undefined;
    }
    // Build every revision not in use yet, not only one the source calls new: a build that failed
    // did not consume its revision, so the next refresh tries it again.
    if (synced.snapshot && synced.snapshot.revision !== this.#state?.revision) {
      await this.#build(synced.snapshot);
    }
    return {
      revision: this.#state?.revision,
      changed: synced.changed,
      ...(synced.error ? { error: synced.error.message } : {}),
    };
  }

  /** #build builds a revision's desired state and uses it; on failure the last good one stays, and the error shows. */
  async #build(snapshot: RepoSnapshot): Promise<void> {
    const { metrics, log } = this.#deps;
    let state: FleetState;
    try {
      state = await this.#deps.buildState(snapshot);
    } catch (err) {
      const kept = this.#state?.revision;
      this.#buildError = {
        code: 'TRUEUP_REPO_BUILD',
        message: `revision ${snapshot.revision.slice(0, 12)} could not be read (${(err as Error).message}); ${kept ? `still on ${kept.slice(0, 12)}` : 'no revision in use'}; retried on the next refresh`,
      };
      metrics.repoBuildFailures.inc();
      this.#countRepoErrors();
      log.error(
        { revision: snapshot.revision, kept, err: (err as Error).message },
        'desired state build failed',
      );
      this.#emit({ type: 'status' });
      return;
    }
    this.#buildError = undefined;
    this.#applyState(state);
  }

  /** #repoErrors are the repo errors of the revision in use, and the build error of a newer one. */
  #repoErrors(): RepoError[] {
    return [...(this.#buildError ? [this.#buildError] : []), ...(this.#state?.errors ?? [])];
  }

  #countRepoErrors(): void {
    const counts = new Map<string, number>();
    for (const e of this.#repoErrors()) counts.set(e.code ?? 'none', (counts.get(e.code ?? 'none') ?? 0) + 1);
    this.#deps.metrics.repoErrors.reset();
    for (const [code, n] of counts) this.#deps.metrics.repoErrors.set({ code }, n);
  }

  /** resync relists every cluster and re-evaluates every object. */
  async resync(): Promise<void> {
    this.#limits = limitTracker(this.#state?.clusters.map((c) => c.cluster.name) ?? []);
    await Promise.all(
      [...this.#clusters.values()].map(async (rt) => {
        const end = this.#deps.metrics.reconcileDuration.startTimer({ cluster: rt.cluster.name });
        try {
          const objects = await rt.access.listObjects();
          rt.live = new Map(objects.map((o) => [objectKey(o), o]));
          rt.listed = new Set(['ConfigMap', 'Secret']);
          this.#markReachable(rt);
          this.#evaluateAll(rt);
          // A full resync retries every drift still left, e.g. after a failed remediation.
          if (this.#deps.options.remediate)
            for (const [key, e] of rt.drifts) if (hasDrifted(e.drift)) this.#enqueue(rt, key);
        } catch (err) {
          this.#markUnreachable(rt, err as Error);
        } finally {
          end();
        }
      }),
    );
  }

  /** stop ends every watch. */
  stop(): void {
    this.#stopped = true;
    this.#waves.stop();
    this.#flaps.stop();
    for (const rt of this.#clusters.values()) rt.watch.stop();
  }

  /** drained resolves when no remediation is running (after stop, before the store closes). */
  async drained(): Promise<void> {
    await Promise.all([...[...this.#clusters.values()].map((rt) => rt.draining), ...this.#retiring]);
  }

  /**
   * own limits the daemon to the clusters this replica owns (leader election: all or none; sharding:
   * those whose Lease it holds) and starts or stops watching clusters to match. Writes are refused
   * separately, right before each request (ha/write-guard.ts); this stops the work itself.
   */
  own(ownership: Ownership): void {
    this.#ownership = ownership;
    if (this.#state && !this.#stopped) this.#syncClusters(this.#state);
  }

  /** onEvent subscribes to the daemon's changes; it returns the unsubscribe function. */
  onEvent(listener: (event: DaemonEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * evaluation is an object's current evaluation, desired and live state, as the daemon sees them;
   * cached says the daemon watches its cluster, has listed it and reaches it (live is current).
   */
  evaluation(ref: ObjectRef): {
    evaluation?: Evaluation;
    desired?: DesiredObject;
    live?: LiveObject;
    cached: boolean;
  } {
    const key = objectKey(ref);
    const rt = this.#clusters.get(ref.cluster);
    const evaluation = rt?.drifts.get(key);
    const desired = this.#desiredByKey.get(ref.cluster)?.get(key);
    const live = rt?.live.get(key);
    return {
      ...(evaluation ? { evaluation } : {}),
      ...(desired ? { desired } : {}),
      ...(live ? { live } : {}),
      cached: rt !== undefined && !rt.stopped && rt.reachable && rt.listed.size === 2,
    };
  }

  /**
   * remediateNow remediates one drifted object at once, only where the decision is auto (the
   * console's "remediate now"); anything else is refused with the decision's reasons.
   */
  async remediateNow(
    ref: ObjectRef,
  ): Promise<{ ok: true; entry: ChangeSetEntry } | { ok: false; reason: string }> {
    if (this.#ownership && !this.#ownership.owns(ref.cluster)) {
      const owner = this.#ownership.describe();
      const by = owner.owners?.[ref.cluster] ?? owner.leaderIdentity;
      return {
        ok: false,
        reason: `this replica (${owner.identity}) does not own cluster ${ref.cluster}; ${by ? `${by} does` : 'nobody does right now'}`,
      };
    }
    const rt = this.#clusters.get(ref.cluster);
    const key = objectKey(ref);
    const evaluation = rt?.drifts.get(key);
    const state = this.#state?.clusters.find((c) => c.cluster.name === ref.cluster);
    if (!rt || !evaluation || !hasDrifted(evaluation.drift) || !state || !this.#state)
      return { ok: false, reason: `${formatObjectRef(ref)} is not drifted` };
    if (evaluation.decision.mode !== 'auto') {
      return {
        ok: false,
        reason: `policy says ${evaluation.decision.mode}, not auto: ${evaluation.decision.reasons.join('; ')}`,
      };
    }
    const { revision } = this.#state;
    const actor = 'trueup (remediate now)';
    const entry = await remediateAndRecord(
      {
        evaluation,
        desired: this.#desiredByKey.get(ref.cluster)?.get(key),
        live: rt.live.get(key),
        complete: state.complete,
        cluster: rt.access,
        options: {
          ...this.#deps.options,
          remediate: true,
          journal: writeJournal(this.#deps.store, { revision, actor }),
        },
      },
      { store: this.#deps.store, revision, actor },
    );
    if (entry.recreateFailed) this.#deps.metrics.recreateFailures.inc({ cluster: ref.cluster });
    this.#emit({
      type: 'remediation',
      ...ref,
      action: entry.action,
      ...(entry.error ? { error: entry.error } : {}),
    });
    return entry.error ? { ok: false, reason: entry.error } : { ok: true, entry };
  }

  #emit(event: DaemonEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        this.#deps.log.error({ err: (err as Error).message }, 'daemon listener failed');
      }
    }
  }

  /** fleetState is the desired state and policy of the revision in use (undefined before the first fetch). */
  fleetState(): FleetState | undefined {
    return this.#state;
  }

  /** status reports revision, readiness and per-cluster state. */
  status(): DaemonStatus {
    const pending = this.#deps.store.pendingCounts();
    const clusters = [...this.#clusters.values()].map((rt) => {
      const name = rt.cluster.name;
      const drifted = [...rt.drifts.values()].filter((e) => hasDrifted(e.drift)).length;
      const pendingApprovals = pending.get(name) ?? 0;
      const repoErrors = this.#repoErrors().some((e) => e.cluster === name || e.cluster === undefined);
      const status: ClusterHealth = !rt.reachable
        ? 'unreachable'
        : repoErrors || rt.error
          ? 'errors'
          : pendingApprovals > 0
            ? 'held'
            : drifted > 0
              ? 'drifted'
              : 'in-sync';
      return {
        name,
        labels: rt.cluster.labels ?? {},
        status,
        pendingApprovals,
        held: pendingApprovals,
        reachable: rt.reachable,
        synced: rt.listed.size === 2,
        ...(rt.error ? { error: rt.error } : {}),
        ...(rt.lastSync ? { lastSync: rt.lastSync } : {}),
        objects: this.#desiredByKey.get(name)?.size ?? 0,
        drifted,
        flapping: this.#flaps.flapping(name),
      };
    });
    return {
      ...(this.#state ? { revision: this.#state.revision } : {}),
      ...(this.#gitError ? { gitError: this.#gitError } : {}),
      // Ready once the repo is read and every cluster has been listed or has reported why not.
      ready: this.#state !== undefined && clusters.every((c) => c.synced || c.error !== undefined),
      clusters,
      errors: this.#repoErrors(),
      ...(this.#ownership ? { replica: this.#ownership.describe() } : {}),
    };
  }

  /** drifts returns the current drift of every object that is not in sync, with provenance commits. */
  async drifts(): Promise<Drift[]> {
    // Copies: the commits are filled into this answer, not into the evaluations (or the fleet
    // state whose origins they share).
    const drifts = [...this.#clusters.values()].flatMap((rt) =>
      [...rt.drifts.values()].map((e) => driftWithCommits(e.drift, {})).filter(hasDrifted),
    );
    const revision = this.#state?.revision;
    if (revision) await addProvenanceCommits(drifts, (file) => this.#deps.source.blame(revision, file));
    return drifts;
  }

  #applyState(state: FleetState): void {
    const { log, metrics } = this.#deps;
    const previous = this.#state?.revision;
    this.#state = state;
    this.#limits = limitTracker(state.clusters.map((c) => c.cluster.name));
    this.#desiredByKey = new Map(
      state.clusters.map((c) => [c.cluster.name, new Map(c.objects.map((o) => [objectKey(o), o]))]),
    );
    metrics.gitRevision.reset();
    metrics.gitRevision.set({ revision: state.revision }, 1);
    this.#countRepoErrors();
    log.info({ revision: state.revision, previous, errors: state.errors.length }, 'desired state loaded');
    this.#emit({ type: 'status' });
    for (const e of state.errors)
      log.warn({ revision: state.revision, file: e.file, line: e.line, cluster: e.cluster }, e.message);
    this.#syncClusters(state, true);
  }

  /** #syncClusters watches the fleet's clusters this replica owns, and only those. */
  #syncClusters(state: FleetState, reevaluate = false): void {
    const owns = (name: string) => this.#ownership?.owns(name) ?? true;
    const wanted = new Map((state.fleet?.clusters ?? []).filter((c) => owns(c.name)).map((c) => [c.name, c]));
    for (const [name, rt] of this.#clusters) if (!wanted.has(name)) this.#stopCluster(rt);
    for (const [name, cluster] of wanted) {
      const existing = this.#clusters.get(name);
      if (existing && JSON.stringify(existing.cluster) === JSON.stringify(cluster)) {
        if (reevaluate) this.#evaluateAll(existing);
      } else {
        if (existing) this.#stopCluster(existing);
        this.#startCluster(cluster);
      }
    }
    this.#emit({ type: 'status' });
  }

  #stopCluster(rt: ClusterRuntime): void {
    const name = rt.cluster.name;
    rt.stopped = true;
    rt.watch.stop();
    if (this.#clusters.get(name) === rt) this.#clusters.delete(name);
    if (rt.draining) {
      const done = rt.draining;
      this.#retiring.add(done);
      const forget = () => this.#retiring.delete(done);
      done.then(forget, forget);
    }
    // Another replica reports on it now: no stale figures from this one.
    this.#deps.metrics.driftedObjects.remove({ cluster: name });
    this.#deps.metrics.objectsHeld.remove({ cluster: name });
    this.#deps.metrics.clusterReachable.remove({ cluster: name });
  }

  #startCluster(cluster: FleetCluster): void {
    const log = this.#deps.log.child({ cluster: cluster.name });
    let access: ClusterAccess;
    const rt = {
      cluster,
      live: new Map(),
      listed: new Set<string>(),
      reachable: false,
      drifts: new Map(),
      queue: new Set<string>(),
    } as unknown as ClusterRuntime;
    this.#clusters.set(cluster.name, rt);
    try {
      access = this.#deps.access(cluster);
    } catch (err) {
      rt.watch = { stop() {} };
      this.#markUnreachable(rt, err as Error);
      return;
    }
    rt.access = access;
    rt.watch = watchCluster(access, {
      onListed: (kind, objects) => {
        for (const [key, o] of rt.live) if (o.kind === kind) rt.live.delete(key);
        for (const o of objects) rt.live.set(objectKey(o), o);
        rt.listed.add(kind);
        this.#markReachable(rt);
        log.debug({ kind, objects: objects.length }, 'listed');
        this.#evaluateAll(rt);
      },
      onChange: (type, object) => {
        const key = objectKey(object);
        if (type === 'DELETED') rt.live.delete(key);
        else rt.live.set(key, object);
        if (rt.listed.size === 2) this.#evaluate(rt, key);
      },
      onError: (error) => this.#markUnreachable(rt, error),
    });
  }

  #markReachable(rt: ClusterRuntime): void {
    if (!rt.reachable) {
      this.#deps.log.info({ cluster: rt.cluster.name }, 'cluster reachable');
      this.#emit({ type: 'status' });
    }
    rt.reachable = true;
    rt.error = undefined;
    rt.lastSync = new Date().toISOString();
    this.#deps.metrics.clusterReachable.set({ cluster: rt.cluster.name }, 1);
  }

  #markUnreachable(rt: ClusterRuntime, error: Error): void {
    const transient = error instanceof KubeError ? error.transient : false;
    this.#deps.log.warn(
      { cluster: rt.cluster.name, err: error.message, transient },
      'cluster list or watch failed; retrying',
    );
    if (rt.reachable || rt.error !== error.message) this.#emit({ type: 'status' });
    rt.reachable = false;
    rt.error = error.message;
    this.#deps.metrics.clusterReachable.set({ cluster: rt.cluster.name }, 0);
  }

  #evaluateAll(rt: ClusterRuntime): void {
    if (rt.listed.size < 2) return;
    const keys = new Set([
      ...(this.#desiredByKey.get(rt.cluster.name)?.keys() ?? []),
      ...rt.live.keys(),
      ...rt.drifts.keys(),
    ]);
    for (const key of keys) this.#evaluate(rt, key);
  }

  /** #evaluate recomputes one object's drift; new drift is recorded and, when allowed, queued for remediation. */
  #evaluate(rt: ClusterRuntime, key: string): void {
    if (rt.stopped) return;
    const state = this.#state?.clusters.find((c) => c.cluster.name === rt.cluster.name);
    if (!state || !this.#state) return;
    const desired = this.#desiredByKey.get(rt.cluster.name)?.get(key);
    const context = evaluationContext(this.#state.policy, this.#deps.options, new Date());
    const evaluation = evaluateObject(state, desired, rt.live.get(key), context);
    if (evaluation && this.#waves.gates(evaluation)) {
      this.#waves.hold(evaluation, rt.cluster, key, this.#waveObservations(key, context), context.now);
    }
    if (evaluation) admitLimit(evaluation, this.#limits, rt.cluster.name, key);
    const flap = evaluation && hasDrifted(evaluation.drift) && this.#flaps.flap(rt.cluster.name, key);
    if (flap) evaluation.drift.flap = flap;
    const previous = rt.drifts.get(key);
    if (evaluation) rt.drifts.set(key, evaluation);
    else rt.drifts.delete(key);
    this.#updateGauge(rt);
    // A pending approval this evaluation made unnecessary (in sync) or different is stale now.
    supersedeObject(this.#deps.store, rt.cluster.name, key, evaluation?.drift, {
      actor: 'trueup',
      channel: 'serve',
    });
    if (this.#waves.seen(rt.cluster.name, key, previous, evaluation)) {
      // The object turned in or out of sync here: changes later waves hold for it may go now.
      for (const other of this.#clusters.values())
        if (other !== rt && other.drifts.get(key)?.decision.hold === 'wave') this.#evaluate(other, key);
    }
    const drift = evaluation?.drift;
    const live = rt.live.get(key);
    if (
      (previous?.drift.status ?? 'in-sync') !== (drift?.status ?? 'in-sync') ||
      signature(evaluation) !== signature(previous)
    ) {
      const object = parseObjectKey(key) as NamespacedRef;
      this.#emit({ type: 'drift', cluster: rt.cluster.name, ...object, status: drift?.status ?? 'in-sync' });
    }
    if (!drift || !hasDrifted(drift) || signature(evaluation) === signature(previous)) return;

    const { store, metrics, log, options } = this.#deps;
    store.recordDrift(this.#state.revision, drift);
    metrics.driftsDetected.inc({ cluster: rt.cluster.name });
    log.warn(
      {
        cluster: drift.cluster,
        kind: drift.kind,
        namespace: drift.namespace,
        name: drift.name,
        revision: this.#state.revision,
        status: drift.status,
        paths: drift.changes.map((c) => c.path),
        driftedBy: drift.driftedBy.map((d) => d.manager),
        mode: drift.decision?.mode,
        reasons: drift.decision?.reasons,
      },
      'drift detected',
    );
    if (options.recordEvents && live) {
      const event: ObjectEvent = {
        type: 'Warning',
        reason: 'DriftDetected',
        message: `drift from ${this.#state.revision.slice(0, 12)}: ${drift.status}${drift.changes.length ? ` (${drift.changes.map((c) => c.path).join(', ')})` : ''}; decision ${evaluation.decision.mode}: ${evaluation.decision.reasons.join('; ')}`,
      };
      rt.access.recordEvent(drift, live.uid, event).catch(() => {});
    }
    if (options.remediate || options.dryRun) this.#enqueue(rt, key);
  }

  /**
   * #waveObservations says where the object stands on every cluster, for canary waves. Each cluster
   * is evaluated afresh: a recorded evaluation may predate a new revision that drifts it too.
   */
  #waveObservations(key: string, context: EvaluationContext) {
    return [...this.#clusters.values()].flatMap((other) => {
      const state = this.#state?.clusters.find((c) => c.cluster.name === other.cluster.name);
      const desired = this.#desiredByKey.get(other.cluster.name)?.get(key);
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
    this.#deps.metrics.driftedObjects.set(
      { cluster: rt.cluster.name },
      drifts.filter((e) => hasDrifted(e.drift)).length,
    );
    this.#deps.metrics.objectsHeld.set(
      { cluster: rt.cluster.name },
      drifts.filter((e) => e.drift.status === 'unknown').length,
    );
  }

  /**
   * #recordFix notes a fix trueup made; when it makes the object a flap, it says so: a FlapDetected
   * Event on the object, the metric (naming the other field manager), the log, the console and chat.
   */
  #recordFix(rt: ClusterRuntime, key: string, evaluation: Evaluation): void {
    const { metrics, log, options } = this.#deps;
    const revision = this.#state?.revision ?? '';
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
    this.#emit({
      type: 'flap',
      ...ref,
      manager: flap.manager,
      ...(flap.retryAt ? { retryAt: flap.retryAt } : {}),
    });
  }

  #enqueue(rt: ClusterRuntime, key: string): void {
    if (rt.stopped) return;
    rt.queue.add(key);
    if (rt.draining) return;
    rt.draining = this.#drain(rt).finally(() => {
      rt.draining = undefined;
    });
  }

  async #drain(rt: ClusterRuntime): Promise<void> {
    const { store, metrics, log, options } = this.#deps;
    while (rt.queue.size > 0 && !this.#stopped && !rt.stopped) {
      const key = rt.queue.values().next().value as string;
      rt.queue.delete(key);
      const evaluation = rt.drifts.get(key);
      const state = this.#state?.clusters.find((c) => c.cluster.name === rt.cluster.name);
      // Re-read the current drift: the object may have been fixed (or changed again) meanwhile.
      if (!evaluation || !hasDrifted(evaluation.drift) || !state || !this.#state) continue;
      // Another field manager keeps undoing this fix: wait (the guard enqueues it again later).
      const writes = evaluation.decision.mode === 'auto' && !options.dryRun;
      if (writes && !this.#flaps.admit(rt.cluster.name, key, evaluation.drift, this.#state.revision))
        continue;
      const desired = this.#desiredByKey.get(rt.cluster.name)?.get(key);
      const { revision } = this.#state;
      const entry: ChangeSetEntry = await remediateAndRecord(
        {
          evaluation,
          desired,
          live: rt.live.get(key),
          complete: state.complete,
          cluster: rt.access,
          options: { ...options, journal: writeJournal(store, { revision, actor: 'trueup' }) },
        },
        { store, revision, actor: 'trueup' },
      );
      metrics.remediations.inc({ cluster: rt.cluster.name, result: entry.error ? 'failed' : entry.action });
      if (entry.recreateFailed) metrics.recreateFailures.inc({ cluster: rt.cluster.name });
      if (entry.action === 'skipped') metrics.remediationsHeld.inc({ reason: heldReason(entry) });
      const fields = {
        cluster: entry.cluster,
        kind: entry.kind,
        namespace: entry.namespace,
        name: entry.name,
        revision: this.#state.revision,
        action: entry.action,
        dryRun: entry.dryRun,
        reasons: entry.reasons,
        ...(entry.approval ? { approval: entry.approval } : {}),
      };
      if (entry.error) log.error({ ...fields, err: entry.error }, 'remediation failed');
      else log.info(fields, `remediation ${entry.action}`);
      if (writes && !entry.error && written.has(entry.action)) this.#recordFix(rt, key, evaluation);
      this.#emit({
        type: 'remediation',
        cluster: entry.cluster,
        kind: entry.kind,
        namespace: entry.namespace,
        name: entry.name,
        action: entry.action,
        ...(entry.error ? { error: entry.error } : {}),
      });
    }
  }
}

/** written are the actions that change the cluster (what a flap counts). */
const written = new Set(['created', 'configured', 'replaced', 'deleted']);

// A drift is news when its changes or the decision about it change (e.g. a window opened).
function signature(e: Evaluation | undefined): string {
  return e ? JSON.stringify([e.drift.status, e.drift.changes, e.decision.mode]) : '';
}

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
