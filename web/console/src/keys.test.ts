import { describe, expect, it } from 'vitest';
import { keyAction } from './keys.ts';

const key = (k: string, over: Partial<Parameters<typeof keyAction>[0]> = {}) =>
  keyAction({ key: k, typing: false, afterG: false, ...over });

describe('keyAction', () => {
  it.each([
    ['j', { type: 'next' }],
    ['ArrowDown', { type: 'next' }],
    ['k', { type: 'previous' }],
    ['/', { type: 'search' }],
    ['?', { type: 'help' }],
    ['Escape', { type: 'close' }],
    ['g', { type: 'pending-go' }],
    ['x', undefined],
  ])('maps %s', (k, action) => {
    expect(key(k)).toEqual(action);
  });

  it('goes to a page after g, and ignores unknown letters there', () => {
    expect(key('d', { afterG: true })).toEqual({ type: 'go', href: '#/drifts' });
    expect(key('t', { afterG: true })).toEqual({ type: 'go', href: '#/timeline' });
    expect(key('z', { afterG: true })).toBeUndefined();
  });

  it('leaves typing and browser shortcuts alone, except Escape', () => {
    expect(key('j', { typing: true })).toBeUndefined();
    expect(key('/', { typing: true })).toBeUndefined();
    expect(key('Escape', { typing: true })).toEqual({ type: 'close' });
    expect(key('k', { ctrlKey: true })).toBeUndefined();
  });
});
