/**
 * The read port for one object: its desired state, live state and evaluation, the provenance of
 * each desired key (blamed once, handed out as a copy), its recorded history and its pending
 * approvals. `serve` answers from the daemon's cache (reconciler/daemon/object-reader.ts); the
 * one-shot CLI from the cycle's evaluation over objects it reads when first asked
 * (cycleObjectReader). The object API, chat and diagnosis read through this interface: none of
 * them gets anything that can write to a cluster or the audit store.
 */
import {
  type DesiredObject,
  type Drift,
  type KeyOrigin,
  type LiveObject,
  type ManagedKind,
  type ObjectRef,
  objectKey,
} from '../core/model.ts';
import type { LineOrigin } from '../git/git-source.ts';
import type { FleetState } from '../repo/fleet-state.ts';
import { blameOnce, lineOriginOf } from '../repo/provenance.ts';
import type { Approval, AuditStore, DriftRecord, RemediationRecord } from '../store/store.ts';
import { type Evaluation, evaluateObject, evaluationContext } from './evaluate.ts';

/** ObjectView is one object as trueup sees it now. Shared with its source: read it, never change it. */
export interface ObjectView {
  ref: ObjectRef;
  /** desired is what the revision in use declares (undefined: not declared). */
  desired?: DesiredObject;
  /** live is the object on its cluster (undefined with no liveError: it does not exist). */
  live?: LiveObject;
  /** liveError says why the live object could not be read: it is unknown then, not missing. */
  liveError?: string;
  /** evaluation is its drift and policy decision (undefined: trueup does not report on it). */
  evaluation?: Evaluation;
}

/** KeyProvenance is where a desired key was set, with the commit that last changed that line. */
export interface KeyProvenance {
  file: string;
  line: number;
  commit?: string;
  time?: string;
  author?: string;
  summary?: string;
}

/** HistoryQuery selects one object's records (kind undefined: every kind of that name). */
export interface HistoryQuery {
  cluster: string;
  namespace: string;
  name: string;
  kind?: ManagedKind;
  limit: number;
}

/** ObjectHistory is what the audit store recorded about an object, newest first. */
export interface ObjectHistory {
  drifts: DriftRecord[];
  remediations: RemediationRecord[];
}

/** ObjectReader is the read port: everything a reader may know about one object, and nothing that writes. */
export interface ObjectReader {
  /** state is the fleet's desired state and policy in use (undefined before the repo is read). */
  state(): FleetState | undefined;
  /** object is the object's desired state, live state and evaluation. */
  object(ref: ObjectRef): Promise<ObjectView>;
  /** provenance maps each desired key to its file, line and last commit (a fresh copy each call). */
  provenance(ref: ObjectRef): Promise<Record<string, KeyProvenance>>;
  /** history is the object's recorded drifts and remediations. */
  history(query: HistoryQuery): Promise<ObjectHistory>;
  /** approvals are the object's pending approvals (limit: the store's default when undefined). */
  approvals(ref: ObjectRef, limit?: number): Promise<Approval[]>;
}

/** RecordReader is the part of the audit store a reader reads: no write in it. */
export type RecordReader = Pick<AuditStore, 'drifts' | 'remediations' | 'approvals'>;

/** RevisionBlame maps the lines of a file at a revision to their last commit. */
export type RevisionBlame = (revision: string, file: string) => Promise<Map<number, LineOrigin>>;

/** LiveRead reads one object live (undefined: it does not exist); it cannot write. */
export type LiveRead = (ref: ObjectRef) => Promise<LiveObject | undefined>;

/**
 * recordsOf answers history and approvals from the audit store, for every ObjectReader. The store
 * filters by kind, so another kind's records of the same name do not use up the limit.
 */
export function recordsOf(store: RecordReader): Pick<ObjectReader, 'history' | 'approvals'> {
  return {
    history: async (query) => ({
      drifts: await store.drifts(query),
      remediations: await store.remediations(query),
    }),
    approvals(ref, limit) {
      const { cluster, kind, namespace, name } = ref;
      const query = { cluster, kind, namespace, name, state: 'pending' as const };
      return store.approvals(limit === undefined ? query : { ...query, limit });
    },
  };
}

/**
 * blameProvenance blames each file of a desired object's provenance once (a file that cannot be
 * blamed gives no commit) and returns new records: the origins in the fleet state stay untouched.
 */
export async function blameProvenance(
  desired: DesiredObject | undefined,
  revision: string | undefined,
  blame: RevisionBlame,
): Promise<Record<string, KeyProvenance>> {
  const provenance: Record<string, KeyProvenance> = {};
  if (!desired) return provenance;
  const once = revision ? blameOnce((file) => blame(revision, file)) : undefined;
  for (const [path, origin] of Object.entries(desired.provenance)) {
    const lines = await once?.(origin.file);
    const line = lines && lineOriginOf(lines, origin);
    provenance[path] = {
      file: origin.file,
      line: origin.line,
      ...(line
        ? { commit: line.commit, time: line.time, author: line.author, summary: line.summary }
        : origin.commit
          ? { commit: origin.commit }
          : {}),
    };
  }
  return provenance;
}

/** driftWithCommits copies a drift with the commit of each drifted key filled in from provenance. */
export function driftWithCommits(drift: Drift, provenance: Record<string, KeyProvenance>): Drift {
  if (!drift.provenance) return { ...drift };
  const origins: Record<string, KeyOrigin> = {};
  for (const [path, origin] of Object.entries(drift.provenance)) {
    const commit = provenance[path]?.commit ?? origin.commit;
    origins[path] = { ...origin, ...(commit ? { commit } : {}) };
  }
  return { ...drift, provenance: origins };
}

/** CycleReaderDeps are what the one-shot reader reads: the fleet state, the clusters, the store, git. */
export interface CycleReaderDeps {
  state(): FleetState | undefined;
  /** live reads an object of a cluster; undefined: no access to that cluster. */
  live(cluster: string): LiveRead | undefined;
  store: RecordReader;
  blame: RevisionBlame;
  /** context is how objects are evaluated: as the cycle with these switches would. */
  context: { fieldManager: string; installation?: string; remediate: boolean };
  now?: () => Date;
}

/**
 * cycleObjectReader is the one-shot reader (the CLI, and serve for clusters its cache does not
 * hold): it reads the object live and evaluates it as the cycle does, on every call. Wrap it in
 * readOnce to read and evaluate each object once per investigation.
 */
export function cycleObjectReader(deps: CycleReaderDeps): ObjectReader {
  const desiredOf = (ref: ObjectRef) =>
    deps
      .state()
      ?.clusters.find((c) => c.cluster.name === ref.cluster)
      ?.objects.find((o) => objectKey(o) === objectKey(ref));
  return {
    state: deps.state,
    object: (ref) => readAndEvaluate(ref, deps),
    provenance: async (ref) => blameProvenance(desiredOf(ref), deps.state()?.revision, deps.blame),
    ...recordsOf(deps.store),
  };
}

async function readAndEvaluate(ref: ObjectRef, deps: CycleReaderDeps): Promise<ObjectView> {
  const state = deps.state();
  const clusterState = state?.clusters.find((c) => c.cluster.name === ref.cluster);
  const desired = clusterState?.objects.find((o) => objectKey(o) === objectKey(ref));
  const view: ObjectView = { ref, ...(desired ? { desired } : {}) };
  try {
    const read = deps.live(ref.cluster);
    if (!read) throw new Error(`no access to cluster ${ref.cluster}`);
    const live = await read(ref);
    if (live) view.live = live;
  } catch (err) {
    view.liveError = (err as Error).message;
  }
  // An unreachable cluster says nothing about drift; an object not found there is missing.
  if (state && clusterState && (view.live || desired) && !view.liveError?.startsWith('cluster')) {
    const context = evaluationContext(state.policy, deps.context, deps.now?.() ?? new Date());
    const evaluation = evaluateObject(clusterState, desired, view.live, context);
    if (evaluation) view.evaluation = evaluation;
  }
  return view;
}

/**
 * readOnce memoises a reader per object: within one investigation each object is read live,
 * evaluated and blamed at most once, however many steps (evidence, tools, fix validation) ask.
 */
export function readOnce(reader: ObjectReader): ObjectReader {
  const objects = new Map<string, Promise<ObjectView>>();
  const provenances = new Map<string, Promise<Record<string, KeyProvenance>>>();
  const memo = <T>(cache: Map<string, Promise<T>>, ref: ObjectRef, load: () => Promise<T>) => {
    const key = `${ref.cluster}/${objectKey(ref)}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = load();
      cache.set(key, hit);
    }
    return hit;
  };
  return {
    state: () => reader.state(),
    object: (ref) => memo(objects, ref, () => reader.object(ref)),
    // Each caller gets its own copy: one may fill in what another reads.
    provenance: async (ref) => structuredClone(await memo(provenances, ref, () => reader.provenance(ref))),
    history: (query) => reader.history(query),
    approvals: (ref, limit) => reader.approvals(ref, limit),
  };
}
