/**
 * The flap guard's decisions, pure: when another controller keeps undoing trueup's fix, trueup
 * would otherwise re-apply as fast as the watch delivers. Per object, remediations are counted in a
 * sliding window; `threshold` of them within `windowMs`, all against the same other field manager
 * at the same repo revision, is a flap. From then on each remediation waits an exponential delay
 * (capped). The history starts over when the repo revision or the other field manager changes, or
 * when trueup's last fix held for a whole window. Plain data in and out: the daemon keeps the state
 * and the clock.
 */

/** FlapOptions tune the flap guard. */
export interface FlapOptions {
  /** windowMs is how far back remediations are counted (and how long a fix must hold to reset). */
  windowMs: number;
  /** threshold is how many remediations within the window make a flap. */
  threshold: number;
  /** baseDelayMs is the first back-off delay; each further remediation doubles it. */
  baseDelayMs: number;
  /** maxDelayMs caps the delay. */
  maxDelayMs: number;
}

/** defaultFlapOptions: 3 fixes within 2 minutes is a flap; back off from 10 s, doubling, up to 10 min. */
export function defaultFlapOptions(): FlapOptions {
  return { windowMs: 120_000, threshold: 3, baseDelayMs: 10_000, maxDelayMs: 600_000 };
}

/** FlapState is one object's remediation history, as the guard keeps it. */
export interface FlapState {
  revision: string;
  /** manager is the other field manager whose changes trueup undid. */
  manager: string;
  /** remediations are the times (ms) of trueup's fixes within the window, oldest first. */
  remediations: number[];
  /** total counts trueup's fixes since this history started. */
  total: number;
  /** level is the back-off level: 0 is not flapping; n waits baseDelay * 2^(n-1), capped. */
  level: number;
  /** since is when the flap was detected (ms). */
  since?: number;
  /** askedAt is the first time a fix was asked for since the last one (how long the fix held). */
  askedAt?: number;
}

/** FlapAsk is a remediation about to be made: when, at which revision, undoing whom. */
export interface FlapAsk {
  now: number;
  revision: string;
  manager: string;
}

/** FlapVerdict says whether to remediate now, or when to look again. */
export type FlapVerdict = { allow: true } | { allow: false; retryAt: number };

/** isFlapping tells whether the state is in back-off. */
export function isFlapping(state: FlapState | undefined): boolean {
  return (state?.level ?? 0) > 0;
}

/** flapDelay is the back-off delay at a level (0 at level 0). */
export function flapDelay(level: number, options: FlapOptions): number {
  if (level <= 0) return 0;
  // 2^(level-1) overflows nothing that matters: the cap applies long before.
  return Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(level - 1, 40));
}

/** fresh is an empty history for this revision and manager. */
function fresh(ask: FlapAsk): FlapState {
  return { revision: ask.revision, manager: ask.manager, remediations: [], total: 0, level: 0 };
}

/**
 * admitRemediation decides whether a remediation may run now, and returns the state to keep. Call
 * it before every remediation trueup is about to make; record the ones made with recordRemediation.
 */
export function admitRemediation(
  state: FlapState | undefined,
  ask: FlapAsk,
  options: FlapOptions,
): { state: FlapState; verdict: FlapVerdict } {
  // Reset: a new revision may fix the fight; another manager is another story.
  let next = state && state.revision === ask.revision && state.manager === ask.manager ? state : fresh(ask);
  const askedAt = next.askedAt ?? ask.now;
  const last = next.remediations.at(-1);
  // Reset: trueup's last fix held for a whole window before anyone changed the object again.
  if (last !== undefined && askedAt - last >= options.windowMs) next = fresh(ask);
  next = { ...next, askedAt: next.askedAt ?? askedAt };
  const lastFix = next.remediations.at(-1);
  if (next.level > 0 && lastFix !== undefined) {
    const retryAt = lastFix + flapDelay(next.level, options);
    if (ask.now < retryAt) return { state: next, verdict: { allow: false, retryAt } };
  }
  return { state: next, verdict: { allow: true } };
}

/**
 * recordRemediation notes a remediation trueup made (an actual write). It returns the new state and
 * whether this one made the object a flap (detected: raise the event once).
 */
export function recordRemediation(
  state: FlapState | undefined,
  ask: FlapAsk,
  options: FlapOptions,
): { state: FlapState; detected: boolean } {
  const base = state && state.revision === ask.revision && state.manager === ask.manager ? state : fresh(ask);
  const remediations = [...base.remediations, ask.now].filter((t) => ask.now - t < options.windowMs);
  const { askedAt: _, ...kept } = base;
  const rest = { ...kept, total: base.total + 1 };
  if (base.level > 0) {
    // Stop doubling once the cap is reached: the level stays meaningful.
    const capped = flapDelay(base.level, options) >= options.maxDelayMs;
    return {
      state: { ...rest, remediations, level: capped ? base.level : base.level + 1 },
      detected: false,
    };
  }
  const detected = remediations.length >= options.threshold;
  return {
    state: { ...rest, remediations, level: detected ? 1 : 0, ...(detected ? { since: ask.now } : {}) },
    detected,
  };
}

/**
 * boundedLabel keeps a metric label's values bounded: a value already seen, or a new one while
 * fewer than `limit` are known, is itself (cut to 63 characters); any other is "other".
 */
export function boundedLabel(known: ReadonlySet<string>, value: string, limit: number): string {
  const label = value.length > 63 ? value.slice(0, 63) : value;
  return known.has(label) || known.size < limit ? label : 'other';
}
