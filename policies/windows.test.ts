import { describe, expect, it } from 'vitest';
import { type CompiledWindow, compileWindow, isOpen, parseDuration } from './windows.ts';

function win(schedule: string, duration: string, timeZone: string): CompiledWindow {
  const { window, error } = compileWindow({ type: 'allow', schedule, duration, timeZone });
  if (!window) throw new Error(error);
  return window;
}

describe('isOpen', () => {
  const nightly = win('0 2 * * *', '2h', 'Europe/Berlin');
  const dstSpring = win('30 2 * * *', '1h', 'Europe/Berlin');
  const dstFall = win('30 2 * * *', '30m', 'Europe/Berlin');
  const weekdays = win('0 9 * * 1-5', '8h', 'America/New_York');
  it.each([
    // 02:30 CET, inside the 02:00 + 2h window
    [nightly, '2026-11-23T01:30:00Z', true],
    // 01:59 CET, a minute before it opens
    [nightly, '2026-11-23T00:59:00Z', false],
    // 04:00 CET, the moment it closes
    [nightly, '2026-11-23T03:00:00Z', false],
    // 03:59 CET, the last minute
    [nightly, '2026-11-23T02:59:00Z', true],
    // DST spring forward (29 March 2026): 02:30 does not exist in Berlin, so the window never opens
    [dstSpring, '2026-03-29T01:45:00Z', false],
    // the day before, 02:45 CET, it is open
    [dstSpring, '2026-03-28T01:45:00Z', true],
    // DST fall back (25 October 2026): 02:30 happens twice, the window opens both times
    [dstFall, '2026-10-25T00:45:00Z', true],
    [dstFall, '2026-10-25T01:45:00Z', true],
    // New York office hours: Monday 23 Nov 2026, 10:00 EST = 15:00Z
    [weekdays, '2026-11-23T15:00:00Z', true],
    // Saturday 21 Nov, 10:00 EST: a weekend, closed
    [weekdays, '2026-11-21T15:00:00Z', false],
    // 08:59 EST, before opening
    [weekdays, '2026-11-23T13:59:00Z', false],
  ])('%#: %s at %s -> %s', (window, at, open) => {
    expect(isOpen(window, new Date(at))).toBe(open);
  });
});

describe('compileWindow', () => {
  it.each([
    ['0 2 * * *', '2 hours', 'UTC', 'duration "2 hours": expected e.g. 30m, 2h, 1h30m, 1d (at most 7d)'],
    ['0 2 * * *', '8d', 'UTC', 'duration "8d": expected e.g. 30m, 2h, 1h30m, 1d (at most 7d)'],
    [
      '0 2 * * *',
      '1h',
      'Mars/Olympus',
      'timeZone "Mars/Olympus": not an IANA time zone (e.g. Europe/Berlin, UTC)',
    ],
    ['0 2 * *', '1h', 'UTC', 'schedule "0 2 * *": expected 5 or 6 fields but got 4'],
  ])('refuses %s / %s / %s', (schedule, duration, timeZone, error) => {
    expect(compileWindow({ type: 'deny', schedule, duration, timeZone }).error).toBe(error);
  });

  it.each([
    ['90m', 90 * 60_000],
    ['1h30m', 90 * 60_000],
    ['1d', 24 * 3600_000],
    ['', undefined],
    ['1x', undefined],
  ])('parseDuration(%j) = %s', (text, ms) => expect(parseDuration(text)).toBe(ms));
});
