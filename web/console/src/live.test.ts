import { describe, expectTypeOf, it } from 'vitest';
import type { LiveEventType } from '../../contract/api.ts';
import type { eventNames } from './live.ts';

describe('the live event stream', () => {
  it('listens to every event type the server sends', () => {
    // A new LiveEventType the console does not listen to would never refetch a page.
    expectTypeOf<(typeof eventNames)[number]>().toEqualTypeOf<LiveEventType>();
  });
});
