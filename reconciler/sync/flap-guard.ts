/**
 * The flap guard in the `serve` daemon: keeps each object's remediation history (decisions in
 * flap-tracker.ts), says whether a fix may run now, looks at a held-back fix again when its delay
 * is over, and describes a flap for the API (`drift.flap`), Events, metrics and chat.
 */

import type { Drift, Flap } from '../core/model.ts';
import {
  admitRemediation,
  boundedLabel,
  defaultFlapOptions,
  type FlapOptions,
  type FlapState,
  flapDelay,
  isFlapping,
  recordRemediation,
} from './flap-tracker.ts';

/** maxManagerLabels bounds the `manager` label values of the flap metric. */
const maxManagerLabels = 20;

/** otherManager names who undid trueup's fix: the drift's field managers, or "unknown". */
export function otherManager(drift: Drift): string {
  const managers = [...new Set(drift.driftedBy.map((d) => d.manager))].sort();
  return managers.join(', ') || 'unknown';
}

/** FlapGuard is the daemon's memory and timers for the flap guard. */
export class FlapGuard {
  #states = new Map<string, FlapState>();
  #timers = new Map<string, NodeJS.Timeout>();
  #labels = new Set<string>();
  #recheck: (cluster: string, key: string) => void;
  #options: FlapOptions;
  #now: () => number;
  #stopped = false;

  /** constructor takes what to do when a held-back fix may run, the options and the clock. */
  constructor(
    recheck: (cluster: string, key: string) => void,
    options: FlapOptions = defaultFlapOptions(),
    now: () => number = Date.now,
  ) {
    this.#recheck = recheck;
    this.#options = options;
    this.#now = now;
  }

  /**
   * admit says whether trueup may fix the drift now; when not, it looks again (recheck) once the
   * back-off delay is over.
   */
  admit(cluster: string, key: string, drift: Drift, revision: string): boolean {
    const id = `${cluster}/${key}`;
    const ask = { now: this.#now(), revision, manager: otherManager(drift) };
    const { state, verdict } = admitRemediation(this.#states.get(id), ask, this.#options);
    this.#states.set(id, state);
    if (verdict.allow || this.#stopped) return verdict.allow;
    if (!this.#timers.has(id)) {
      const timer = setTimeout(
        () => {
          this.#timers.delete(id);
          if (!this.#stopped) this.#recheck(cluster, key);
        },
        Math.max(0, verdict.retryAt - ask.now),
      );
      timer.unref();
      this.#timers.set(id, timer);
    }
    return false;
  }

  /** record notes a fix trueup made; it returns the flap when this fix made the object one. */
  record(cluster: string, key: string, drift: Drift, revision: string): Flap | undefined {
    const id = `${cluster}/${key}`;
    const ask = { now: this.#now(), revision, manager: otherManager(drift) };
    const { state, detected } = recordRemediation(this.#states.get(id), ask, this.#options);
    this.#states.set(id, state);
    return detected ? this.flap(cluster, key) : undefined;
  }

  /** flap describes the object's flap, if it is one (for drift.flap and the console). */
  flap(cluster: string, key: string): Flap | undefined {
    const state = this.#states.get(`${cluster}/${key}`);
    if (!state || !isFlapping(state)) return undefined;
    const last = state.remediations.at(-1);
    const delay = flapDelay(state.level, this.#options);
    return {
      manager: state.manager,
      since: new Date(state.since ?? last ?? this.#now()).toISOString(),
      remediations: state.total,
      ...(last !== undefined ? { retryAt: new Date(last + delay).toISOString() } : {}),
    };
  }

  /** flapping counts a cluster's objects in back-off. */
  flapping(cluster: string): number {
    let n = 0;
    for (const [id, state] of this.#states) if (id.startsWith(`${cluster}/`) && isFlapping(state)) n++;
    return n;
  }

  /** metricLabel is the bounded `manager` label value for a manager. */
  metricLabel(manager: string): string {
    const label = boundedLabel(this.#labels, manager, maxManagerLabels);
    this.#labels.add(label);
    return label;
  }

  /** stop clears every timer. */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
