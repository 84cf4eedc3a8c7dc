import { parseDuration } from '../../config/duration.js';

/** How a limit's window is laid out in time. */
export type WindowSpec =
  | { readonly kind: 'duration'; readonly ms: number }
  | { readonly kind: 'calendar'; readonly unit: 'hour' | 'day' | 'month'; readonly timeZone: string };

export interface WindowBounds {
  readonly start: number;
  readonly end: number;
}

const named: Readonly<Record<string, number>> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000, month: 30 * 86_400_000 };

/**
 * Reads `per`. Fixed windows of `hour`, `day` and `month` follow the calendar in `timeZone` (Codat's
 * quotas reset at 00:00 UTC); sliding windows and durations are plain lengths (a sliding month is 30 days).
 */
export function parseWindow(per: string, algorithm: 'sliding' | 'fixed', timeZone: string): WindowSpec {
  if (algorithm === 'fixed' && (per === 'hour' || per === 'day' || per === 'month')) return { kind: 'calendar', unit: per, timeZone };
  const namedMs = named[per];
  if (namedMs !== undefined) return { kind: 'duration', ms: namedMs };
  return { kind: 'duration', ms: parseDuration(per) };
}

/** Nominal length in seconds, for the `w` parameter of RateLimit-Policy. */
export function windowSeconds(spec: WindowSpec): number {
  if (spec.kind === 'duration') return Math.max(1, Math.round(spec.ms / 1000));
  return spec.unit === 'hour' ? 3600 : spec.unit === 'day' ? 86_400 : 30 * 86_400;
}

/**
 * The window that contains `now`, remembered until it ends: calendar windows cost several Intl calls
 * to compute, and every request of a window asks for the same bounds.
 */
export class WindowTracker {
  private current: WindowBounds = { start: 0, end: 0 };

  constructor(readonly spec: WindowSpec) {}

  boundsAt(now: number): WindowBounds {
    if (now >= this.current.end || now < this.current.start) this.current = boundsAt(this.spec, now);
    return this.current;
  }
}

/** The window that contains `now`. */
export function boundsAt(spec: WindowSpec, now: number): WindowBounds {
  if (spec.kind === 'duration') {
    const start = Math.floor(now / spec.ms) * spec.ms;
    return { start, end: start + spec.ms };
  }
  const local = zonedParts(now, spec.timeZone);
  switch (spec.unit) {
    case 'hour':
      return {
        start: zonedToUtc(local.year, local.month, local.day, local.hour, spec.timeZone),
        end: zonedToUtc(local.year, local.month, local.day, local.hour + 1, spec.timeZone),
      };
    case 'day':
      return {
        start: zonedToUtc(local.year, local.month, local.day, 0, spec.timeZone),
        end: zonedToUtc(local.year, local.month, local.day + 1, 0, spec.timeZone),
      };
    case 'month':
      return {
        start: zonedToUtc(local.year, local.month, 1, 0, spec.timeZone),
        end: zonedToUtc(local.year, local.month + 1, 1, 0, spec.timeZone),
      };
  }
}

interface ZonedParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function zonedParts(epochMs: number, timeZone: string): ZonedParts {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(epochMs)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return {
    year: parts['year'] as number,
    month: parts['month'] as number,
    day: parts['day'] as number,
    hour: parts['hour'] as number,
    minute: parts['minute'] as number,
    second: parts['second'] as number,
  };
}

/** Offset of a time zone from UTC at an instant, in ms. */
function offsetAt(epochMs: number, timeZone: string): number {
  const p = zonedParts(epochMs, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(epochMs / 1000) * 1000;
}

/** The instant at which the wall clock in `timeZone` shows the given time (two passes settle DST shifts). */
function zonedToUtc(year: number, month: number, day: number, hour: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  return second;
}
