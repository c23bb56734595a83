/**
 * The daemon's revision in use: fetch the fleet repo, build the desired state of a revision not in
 * use yet, and use it — or, when it cannot be built, keep the last good one and show the error.
 */
import { objectKey, type RepoError } from '../core/model.ts';
import type { RepoSnapshot } from '../git/git-source.ts';
import type { FleetState } from '../repo/fleet-state.ts';
import type { DaemonCore } from './core.ts';

/** Revisions keeps the daemon's revision in use current; onState hears of each one put in use. */
export class Revisions {
  #core: DaemonCore;
  #onState: (state: FleetState) => void;
  #gitError?: string;
  /** #buildError: the newest revision could not be built (the last good one stays in use). */
  #buildError?: RepoError;
  /** #builds counts builds started: the build yields to the event loop, so an older one may finish last. */
  #builds = 0;

  /** constructor takes the shared state and what to do once a revision is in use. */
  constructor(core: DaemonCore, onState: (state: FleetState) => void) {
    this.#core = core;
    this.#onState = onState;
  }

  /** gitError is the last fetch's error, if it failed. */
  get gitError(): string | undefined {
    return this.#gitError;
  }

  /** refresh fetches the repo; a new revision rebuilds the desired state and re-evaluates everything. */
  async refresh(): Promise<{ revision?: string; changed: boolean; error?: string }> {
    const { source, metrics, log } = this.#core.deps;
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
    if (synced.snapshot && synced.snapshot.revision !== this.#core.state?.revision) {
      await this.#build(synced.snapshot);
    } else if (synced.snapshot && this.#buildError) {
      // The head is the revision in use again (a broken one was force-pushed away): its error is gone.
      this.#buildError = undefined;
      this.#countRepoErrors();
      this.#core.emit({ type: 'status' });
    }
    return {
      revision: this.#core.state?.revision,
      changed: synced.changed,
      ...(synced.error ? { error: synced.error.message } : {}),
    };
  }

  /** repoErrors are the repo errors of the revision in use, and the build error of a newer one. */
  repoErrors(): RepoError[] {
    return [...(this.#buildError ? [this.#buildError] : []), ...(this.#core.state?.errors ?? [])];
  }

  /** #build builds a revision's desired state and uses it; on failure the last good one stays, and the error shows. */
  async #build(snapshot: RepoSnapshot): Promise<void> {
    let state: FleetState;
    const build = ++this.#builds;
    try {
      state = await this.#core.deps.buildState(snapshot);
      // A refresh that started later builds what is newest now: this (older) result is not used.
      if (build !== this.#builds) return;
    } catch (err) {
      if (build !== this.#builds) return;
      this.#fail(snapshot, (err as Error).message);
      return;
    }
    // A revision whose fleet.yaml cannot be read declares no cluster at all; using it would stop
    // watching the whole fleet because of one bad file. Keep the last good revision instead, as a
    // failed build does (at the first start there is none, and its errors show as they are).
    if (!state.fleet && this.#core.state?.fleet) {
      const first = state.errors[0];
      this.#fail(snapshot, first ? describeRepoError(first) : 'fleet.yaml cannot be read', first);
      return;
    }
    this.#buildError = undefined;
    this.#use(state);
  }

  /** #fail keeps the revision in use and shows why `snapshot` could not be used (retried on the next refresh). */
  #fail(snapshot: RepoSnapshot, reason: string, where?: RepoError): void {
    const { metrics, log } = this.#core.deps;
    const kept = this.#core.state?.revision;
    this.#buildError = {
      code: 'TRUEUP_REPO_BUILD',
      ...(where ? { file: where.file, ...(where.line !== undefined ? { line: where.line } : {}) } : {}),
      message: `revision ${snapshot.revision.slice(0, 12)} could not be read (${reason}); ${kept ? `still on ${kept.slice(0, 12)}` : 'no revision in use'}; retried on the next refresh`,
    };
    metrics.repoBuildFailures.inc();
    this.#countRepoErrors();
    log.error({ revision: snapshot.revision, kept, err: reason }, 'desired state build failed');
    this.#core.emit({ type: 'status' });
  }

  #use(state: FleetState): void {
    const core = this.#core;
    const { log, metrics } = core.deps;
    const previous = core.state?.revision;
    core.state = state;
    core.desiredByKey = new Map(
      state.clusters.map((c) => [c.cluster.name, new Map(c.objects.map((o) => [objectKey(o), o]))]),
    );
    metrics.gitRevision.reset();
    metrics.gitRevision.set({ revision: state.revision }, 1);
    this.#countRepoErrors();
    log.info({ revision: state.revision, previous, errors: state.errors.length }, 'desired state loaded');
    core.emit({ type: 'status' });
    for (const e of state.errors)
      log.warn({ revision: state.revision, file: e.file, line: e.line, cluster: e.cluster }, e.message);
    this.#onState(state);
  }

  #countRepoErrors(): void {
    const { metrics } = this.#core.deps;
    const counts = new Map<string, number>();
    for (const e of this.repoErrors()) counts.set(e.code ?? 'none', (counts.get(e.code ?? 'none') ?? 0) + 1);
    metrics.repoErrors.reset();
    for (const [code, n] of counts) metrics.repoErrors.set({ code }, n);
  }
}

/** describeRepoError writes a repo error as `file:line: message`. */
function describeRepoError(e: RepoError): string {
  return `${e.file ?? 'repo'}${e.line !== undefined ? `:${e.line}` : ''}: ${e.message}`;
}
