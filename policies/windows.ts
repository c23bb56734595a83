/**
 * Maintenance windows: a cron expression (node-cron syntax) that opens the window, how long it stays
 * open, and the time zone the expression is read in. Pure: the clock is a parameter. A window is
 * open at `now` when the expression fired at some minute in (now - duration, now]. Local times come
 * from the IANA zone (Intl), so DST is handled as people expect: a skipped hour never fires, a
 * repeated hour fires twice.
 */
import { parse, validateDetailed } from 'node-cron';

/** Window is one allow or deny window of a rule. */
export interface Window {
  type: 'allow' | 'deny';
  schedule: string;
  duration: string;
  timeZone: string;
}

/** CompiledWindow is a validated window ready to be evaluated. */
export interface CompiledWindow extends Window {
  durationMs: number;
  fields: {
    minute: Set<number>;
    hour: Set<number>;
    dayOfMonth: Set<number>;
    month: Set<number>;
    dayOfWeek: Set<number>;
  };
}

const maxDurationMs = 7 * 24 * 3600_000;

/** parseDuration reads `90m`, `2h`, `1h30m`, `1d`, `30s` into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!match || text.trim() === '') return undefined;
  const [, d = '0', h = '0', m = '0', s = '0'] = match;
  return (((Number(d) * 24 + Number(h)) * 60 + Number(m)) * 60 + Number(s)) * 1000;
}

/** compileWindow validates a window, returning it compiled or the reason it is invalid. */
export function compileWindow(window: Window): { window?: CompiledWindow; error?: string } {
  const durationMs = parseDuration(window.duration);
  if (!durationMs || durationMs > maxDurationMs) {
    return {
      error: `duration ${JSON.stringify(window.duration)}: expected e.g. 30m, 2h, 1h30m, 1d (at most 7d)`,
    };
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: window.timeZone });
  } catch {
    return {
      error: `timeZone ${JSON.stringify(window.timeZone)}: not an IANA time zone (e.g. Europe/Berlin, UTC)`,
    };
  }
  const checked = validateDetailed(window.schedule);
  if (!checked.valid) {
    return {
      error: `schedule ${JSON.stringify(window.schedule)}: ${checked.errors.map((e) => e.message).join('; ')}`,
    };
  }
  const f = parse(window.schedule);
  const numbers = (values: (number | string)[], name: string) => {
    if (values.some((v) => typeof v !== 'number'))
      throw new Error(`${name}: only numeric values are supported in windows`);
    return new Set(values as number[]);
  };
  try {
    return {
      window: {
        ...window,
        durationMs,
        fields: {
          minute: new Set(f.minute),
          hour: new Set(f.hour),
          dayOfMonth: numbers(f.dayOfMonth, 'day of month'),
          month: new Set(f.month),
          dayOfWeek: numbers(f.dayOfWeek, 'day of week'),
        },
      },
    };
  } catch (err) {
    return { error: `schedule ${JSON.stringify(window.schedule)}: ${(err as Error).message}` };
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const weekdays: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function localParts(instant: number, timeZone: string) {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, fmt);
  }
  const parts: Record<string, string> = {};
  for (const p of fmt.formatToParts(instant)) parts[p.type] = p.value;
  return {
    minute: Number(parts.minute),
    hour: Number(parts.hour),
    day: Number(parts.day),
    month: Number(parts.month),
    weekday: weekdays[parts.weekday ?? ''] ?? -1,
  };
}

/** firesAt tells whether the window's schedule fires at the minute containing instant. */
export function firesAt(window: CompiledWindow, instant: number): boolean {
  const t = localParts(instant, window.timeZone);
  const f = window.fields;
  // node-cron requires day of month AND day of week to match; windows follow node-cron.
  return (
    f.minute.has(t.minute) &&
    f.hour.has(t.hour) &&
    f.dayOfMonth.has(t.day) &&
    f.month.has(t.month) &&
    f.dayOfWeek.has(t.weekday)
  );
}

/** openedAt returns when the window last opened if it is open at now, else undefined. */
export function openedAt(window: CompiledWindow, now: Date): Date | undefined {
  const minute = Math.floor(now.getTime() / 60_000) * 60_000;
  for (let t = minute; t > now.getTime() - window.durationMs; t -= 60_000) {
    if (firesAt(window, t)) return new Date(t);
  }
  return undefined;
}

/** isOpen tells whether the window is open at now. */
export function isOpen(window: CompiledWindow, now: Date): boolean {
  return openedAt(window, now) !== undefined;
}
