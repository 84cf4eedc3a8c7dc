import { describe, expect, it } from 'vitest';
import { LocalCounters, type CompiledLimit } from '../src/policies/rate-limit/local-counters.js';
import { compileLimit } from '../src/policies/rate-limit/compile-limits.js';
import { boundsAt, parseWindow } from '../src/policies/rate-limit/window.js';

const t0 = Date.UTC(2026, 0, 15, 10, 0, 0);
const limit = (per: string, count: number, algorithm: 'sliding' | 'fixed' = 'fixed', timeZone = 'UTC'): CompiledLimit =>
  compileLimit({ name: per, limit: count, per, algorithm, timeZone, whenStoreDown: 'local', by: ['account'] });

describe('local counters', () => {
  it('local counters: admit exactly the limit in a fixed window and admit again at the boundary', () => {
    const counters = new LocalCounters();
    const perMinute = limit('minute', 3);
    const check = [{ limit: perMinute, counterKey: 'a' }];
    for (let i = 0; i < 3; i++) expect(counters.decide(check, 1, t0 + i * 10_000).admitted).toBe(true);
    const rejected = counters.decide(check, 1, t0 + 59_999);
    expect(rejected.admitted).toBe(false);
    if (!rejected.admitted) expect(rejected.retryAfterMs).toBe(1);
    expect(counters.decide(check, 1, t0 + 60_000).admitted).toBe(true);
  });

  it('local counters: move no counter when any limit rejects the request', () => {
    const counters = new LocalCounters();
    const minute = limit('minute', 10);
    const day = limit('day', 2);
    const checks = [
      { limit: minute, counterKey: 'm' },
      { limit: day, counterKey: 'd' },
    ];
    expect(counters.decide(checks, 1, t0).admitted).toBe(true);
    expect(counters.decide(checks, 1, t0).admitted).toBe(true);
    for (let i = 0; i < 5; i++) expect(counters.decide(checks, 1, t0).admitted).toBe(false);
    const alone = counters.decide([{ limit: minute, counterKey: 'm' }], 1, t0);
    expect(alone.states[0]?.remaining).toBe(7);
  });

  it('local counters: charge a request its cost and refuse one that does not fit whole', () => {
    const counters = new LocalCounters();
    const check = [{ limit: limit('minute', 10), counterKey: 'c' }];
    expect(counters.decide(check, 6, t0).admitted).toBe(true);
    expect(counters.decide(check, 5, t0).admitted).toBe(false);
    expect(counters.decide(check, 4, t0).admitted).toBe(true);
  });

  it('local counters: weigh the previous window in a sliding window and say when it frees up', () => {
    const counters = new LocalCounters();
    const check = [{ limit: limit('minute', 10, 'sliding'), counterKey: 's' }];
    for (let i = 0; i < 10; i++) counters.decide(check, 1, t0);
    // Half-way through the next window, half of the previous 10 still counts: 5 used, 5 free.
    const halfway = t0 + 90_000;
    for (let i = 0; i < 5; i++) expect(counters.decide(check, 1, halfway).admitted).toBe(true);
    const full = counters.decide(check, 1, halfway);
    expect(full.admitted).toBe(false);
    // One more unit fits once the previous window's weight drops by one tenth: 6 s later.
    if (!full.admitted) expect(full.retryAfterMs).toBe(6000);
    expect(counters.decide(check, 1, halfway + 6000).admitted).toBe(true);
  });

  it('local counters: drop counters whose windows are over and stay within their cap', () => {
    const counters = new LocalCounters(100);
    for (let i = 0; i < 150; i++) counters.decide([{ limit: limit('minute', 1), counterKey: `k${i}` }], 1, t0);
    expect(counters.size).toBe(100);
    counters.sweep(t0 + 120_000);
    expect(counters.size).toBe(0);
  });

  it('local counters: slots freed by the sweep and by the cap are reused, each new counter starting from zero', () => {
    const counters = new LocalCounters(3);
    const minute = limit('minute', 10);
    const spend = (key: string, cost: number, at = t0) => counters.decide([{ limit: minute, counterKey: key }], cost, at).states[0]?.remaining;
    expect(spend('a', 4)).toBe(6);
    expect(spend('b', 2)).toBe(8);
    counters.sweep(t0 + 120_000);
    // More counters than the first table holds, in reused and new slots: each its own count.
    const keys = Array.from({ length: 2000 }, (_, i) => `k${i}`);
    const wide = new LocalCounters(5000);
    for (const [i, key] of keys.entries()) wide.decide([{ limit: minute, counterKey: key }], 1 + (i % 5), t0);
    for (const [i, key] of keys.entries()) expect(wide.decide([{ limit: minute, counterKey: key }], 0, t0).states[0]?.remaining).toBe(10 - (1 + (i % 5)));
    expect(spend('c', 1, t0 + 120_000)).toBe(9);
    expect(spend('d', 3, t0 + 120_000)).toBe(7);
    expect(spend('e', 5, t0 + 120_000)).toBe(5);
    // Full: a fourth counter drops the oldest (c), whose slot the next new one gets, from zero.
    expect(spend('f', 2, t0 + 120_000)).toBe(8);
    expect(counters.evicted).toBe(1);
    // c again is new (it drops d); e and f kept their counts through both reuses.
    expect(spend('c', 1, t0 + 120_000)).toBe(9);
    expect([spend('e', 0, t0 + 120_000), spend('f', 0, t0 + 120_000)]).toEqual([5, 8]);
    expect(counters.evicted).toBe(2);
  });

  it('local counters: a counter dropped by the cap during a decision does not lend its slot to another counter of that decision', () => {
    const counters = new LocalCounters(1);
    const minute = limit('minute', 10);
    // Two new counters, room for one: the second drops the first while the decision still holds it.
    const both = counters.decide([{ limit: minute, counterKey: 'x' }, { limit: minute, counterKey: 'y' }], 3, t0);
    expect(both.admitted).toBe(true);
    expect(both.states.map((state) => state.remaining)).toEqual([7, 7]);
    expect(counters.size).toBe(1);
    // y kept its own 3 (a shared slot would hold 6).
    expect(counters.decide([{ limit: minute, counterKey: 'y' }], 0, t0).states[0]?.remaining).toBe(7);
  });
});

describe('windows', () => {
  it('window: aligns a fixed day to midnight in the configured time zone', () => {
    const day = parseWindow('day', 'fixed', 'Europe/Paris');
    expect(boundsAt(day, Date.UTC(2026, 0, 15, 22, 30))).toEqual({ start: Date.UTC(2026, 0, 14, 23), end: Date.UTC(2026, 0, 15, 23) });
    expect(boundsAt(day, Date.UTC(2026, 0, 15, 23, 30))).toEqual({ start: Date.UTC(2026, 0, 15, 23), end: Date.UTC(2026, 0, 16, 23) });
  });

  it('window: gives a 23-hour day when the clocks go forward', () => {
    const day = parseWindow('day', 'fixed', 'Europe/Paris');
    const bounds = boundsAt(day, Date.UTC(2026, 2, 29, 12));
    expect(bounds).toEqual({ start: Date.UTC(2026, 2, 28, 23), end: Date.UTC(2026, 2, 29, 22) });
  });

  it('window: resets a monthly quota on the first of the month and a daily one at 00:00 UTC', () => {
    expect(boundsAt(parseWindow('month', 'fixed', 'UTC'), Date.UTC(2026, 1, 20))).toEqual({ start: Date.UTC(2026, 1, 1), end: Date.UTC(2026, 2, 1) });
    expect(boundsAt(parseWindow('day', 'fixed', 'UTC'), Date.UTC(2026, 1, 20, 13))).toEqual({ start: Date.UTC(2026, 1, 20), end: Date.UTC(2026, 1, 21) });
  });

  it('window: reads durations and named units', () => {
    expect(parseWindow('90s', 'sliding', 'UTC')).toEqual({ kind: 'duration', ms: 90_000 });
    expect(parseWindow('hour', 'sliding', 'UTC')).toEqual({ kind: 'duration', ms: 3_600_000 });
    expect(parseWindow('2d', 'fixed', 'UTC')).toEqual({ kind: 'duration', ms: 172_800_000 });
  });
});
