import { describe, expect, it } from 'vitest';
import {
  admitRemediation,
  boundedLabel,
  type FlapOptions,
  type FlapState,
  flapDelay,
  isFlapping,
  recordRemediation,
} from './flap-tracker.ts';

const options: FlapOptions = { windowMs: 60_000, threshold: 3, baseDelayMs: 10_000, maxDelayMs: 40_000 };
const s = 1000;

/** Ask is one time the daemon is about to fix the object: at second `t`, revision and other manager. */
type Ask = [t: number, revision?: string, manager?: string];

/**
 * simulate plays asks through the guard the way the daemon does (admit; when allowed, remediate
 * and record) and returns what happened at each ask: 'fix', 'fix+flap' (this fix made it a flap),
 * or 'wait until <s>'.
 */
function simulate(asks: Ask[]): { outcomes: string[]; state: FlapState | undefined } {
  let state: FlapState | undefined;
  const outcomes = asks.map(([t, revision = 'r1', manager = 'kubectl']) => {
    const ask = { now: t * s, revision, manager };
    const admitted = admitRemediation(state, ask, options);
    state = admitted.state;
    if (!admitted.verdict.allow) return `wait until ${admitted.verdict.retryAt / s}`;
    const recorded = recordRemediation(state, ask, options);
    state = recorded.state;
    return recorded.detected ? 'fix+flap' : 'fix';
  });
  return { outcomes, state };
}

describe('the flap guard', () => {
  it.each<[string, Ask[], string[]]>([
    // counts within the window: the third fix within 60 s is a flap
    ['three fixes in a window', [[0], [1], [2]], ['fix', 'fix', 'fix+flap']],
    // fixes spread wider than the window never add up to a flap
    ['fixes a window apart', [[0], [30], [61], [92], [123]], ['fix', 'fix', 'fix', 'fix', 'fix']],
    // only fixes inside the window count: 0 and 30 have left it by 100
    ['old fixes leave the window', [[0], [30], [100], [110]], ['fix', 'fix', 'fix', 'fix']],
    // back-off schedule: 10 s after the flap, then 20 s, 40 s, and the 40 s cap
    [
      'exponential back-off, capped',
      [[0], [1], [2], [3], [12], [13], [33], [34], [74], [75], [115]],
      [
        'fix',
        'fix',
        'fix+flap',
        'wait until 12',
        'fix',
        'wait until 32',
        'fix',
        'wait until 73',
        'fix',
        'wait until 114',
        'fix',
      ],
    ],
    // reset: a new repo revision starts over (it may settle the fight)
    [
      'a new revision resets',
      [[0], [1], [2], [3], [4, 'r2'], [5, 'r2'], [6, 'r2']],
      ['fix', 'fix', 'fix+flap', 'wait until 12', 'fix', 'fix', 'fix+flap'],
    ],
    // reset: another field manager is another story
    [
      'another manager resets',
      [[0], [1], [2], [3, 'r1', 'helm'], [4, 'r1', 'helm']],
      ['fix', 'fix', 'fix+flap', 'fix', 'fix'],
    ],
    // reset: the last fix held for a whole window before the next drift
    [
      'a fix that held a window resets',
      [[0], [1], [2], [70], [71]],
      ['fix', 'fix', 'fix+flap', 'fix', 'fix'],
    ],
    // no reset while the object is undone at once: the wait is longer than the window, but the
    // first ask after the fix came 1 s after it
    [
      'a long wait is not a held fix',
      [[0], [1], [2], [3], [12], [13], [33], [34], [74], [75], [115], [116], [156]],
      [
        'fix',
        'fix',
        'fix+flap',
        'wait until 12',
        'fix',
        'wait until 32',
        'fix',
        'wait until 73',
        'fix',
        'wait until 114',
        'fix',
        'wait until 155',
        'fix',
      ],
    ],
  ])('%s', (_name, asks, expected) => {
    expect(simulate(asks).outcomes).toEqual(expected);
  });

  it('keeps the manager, the revision and the time the flap was detected', () => {
    const { state } = simulate([[0], [1], [2]]);
    expect(isFlapping(state)).toBe(true);
    expect(state).toMatchObject({ revision: 'r1', manager: 'kubectl', since: 2 * s, level: 1, total: 3 });
  });

  it.each([
    // not flapping: no delay
    [0, 0],
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    // capped
    [4, 40_000],
    [1000, 40_000],
  ])('waits %i levels -> %i ms', (level, delay) => {
    expect(flapDelay(level, options)).toBe(delay);
  });
});

describe('boundedLabel', () => {
  it.each([
    // a known value stays itself, even when the set is full
    [['a', 'b'], 'a', 2, 'a'],
    // a new value while there is room is itself
    [['a'], 'b', 2, 'b'],
    // a new value once the set is full is "other"
    [['a', 'b'], 'c', 2, 'other'],
    // long values are cut to 63 characters
    [[], 'x'.repeat(100), 2, 'x'.repeat(63)],
  ])('%j + %s (limit %i) -> %s', (known, value, limit, expected) => {
    expect(boundedLabel(new Set(known), value, limit)).toBe(expected);
  });
});
