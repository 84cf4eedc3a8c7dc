import { afterEach, describe, expect, it } from 'vitest';
import { parseWhen } from './usage-export.js';

const zone = process.env['TZ'];
afterEach(() => {
  if (zone === undefined) delete process.env['TZ'];
  else process.env['TZ'] = zone;
});

describe('usage export times', () => {
  it('parseWhen: a date, or a date-time without an offset, is UTC whatever the machine\'s time zone; an offset is kept', () => {
    // Billing periods must not move with the zone of the machine the export runs on.
    process.env['TZ'] = 'America/New_York';
    expect(parseWhen('2026-11-01', 0)).toBe(Date.UTC(2026, 10, 1));
    expect(parseWhen('2026-11-01T00:00', 0)).toBe(Date.UTC(2026, 10, 1));
    expect(parseWhen('2026-11-01T06:30:15', 0)).toBe(Date.UTC(2026, 10, 1, 6, 30, 15));
    expect(parseWhen('2026-11-01T00:00:00+01:00', 0)).toBe(Date.UTC(2026, 9, 31, 23));
    expect(parseWhen('7d', 10 * 86_400_000)).toBe(3 * 86_400_000);
    expect(parseWhen('yesterday', 0)).toBeUndefined();
  });
});
