/**
 * Canary waves in the `serve` daemon: it holds a later wave's change back while an earlier wave
 * settles, remembers when each object was seen turning in sync (the settle clock, besides the live
 * object's managedFields stamps), and looks at a held change again when it may go: at once when
 * an earlier wave's object turns in sync, and by a timer when only the settle time is left.
 */
import { applyWaves, type WaveCluster, type WaveObservation } from '../../policies/waves.ts';
import { type Evaluation, setDecision } from './evaluate.ts';

/** WaveGate is the daemon's memory and timers for canary waves. */
export class WaveGate {
  #turnedInSync = new Map<string, Date>();
  #timers = new Map<string, NodeJS.Timeout>();
  #recheck: (cluster: string, key: string) => void;
  #stopped = false;

  /** constructor takes what to do when a held change may be looked at again. */
  constructor(recheck: (cluster: string, key: string) => void) {
    this.#recheck = recheck;
  }

  /** gates tells whether an evaluation is an auto change under a rule with waves. */
  gates(e: Evaluation): boolean {
    return (
      e.drift.status !== 'in-sync' && e.decision.mode === 'auto' && e.decision.limits.some((l) => l.waves)
    );
  }

  /** hold applies the waves to the evaluation's decision and, if only settling holds it, sets a timer. */
  hold(e: Evaluation, cluster: WaveCluster, key: string, observed: WaveObservation[], now: Date): void {
    const { decision, retryAt } = applyWaves(e.decision, cluster, observed, now);
    setDecision(e, decision);
    if (!retryAt || this.#stopped) return;
    const id = `${cluster.name}/${key}`;
    clearTimeout(this.#timers.get(id));
    // managedFields times are whole seconds: look again a moment after the settle time is over.
    const timer = setTimeout(
      () => {
        this.#timers.delete(id);
        this.#recheck(cluster.name, key);
      },
      Math.max(0, retryAt.getTime() - now.getTime()) + 1000,
    );
    timer.unref();
    this.#timers.set(id, timer);
  }

  /**
   * seen records an object's new evaluation on a cluster; it returns true when the object turned
   * in sync or out of it, so that the changes other waves hold for it can be looked at again.
   */
  seen(
    cluster: string,
    key: string,
    previous: Evaluation | undefined,
    current: Evaluation | undefined,
  ): boolean {
    const inSync = (e: Evaluation | undefined) => e?.drift.status === 'in-sync';
    if (inSync(previous) === inSync(current)) return false;
    if (inSync(current) && previous) this.#turnedInSync.set(`${cluster}/${key}`, new Date());
    return true;
  }

  /** changedAt is when the object was last seen turning in sync on the cluster, if it was. */
  changedAt(cluster: string, key: string): Date | undefined {
    return this.#turnedInSync.get(`${cluster}/${key}`);
  }

  /** stop clears every timer. */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
