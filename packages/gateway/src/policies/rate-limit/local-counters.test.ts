import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import Database from 'better-sqlite3';
import { tempDbPath } from '../../../test/helpers/accounts.js';
import { CounterSnapshots } from './counter-snapshots.js';
import { LocalCounters, type CompiledLimit } from './local-counters.js';
import { compileLimit } from './compile-limits.js';
import { boundsAt, parseWindow, windowSeconds, WindowTracker } from './window.js';

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

  it('local counters: report what is left and when the window resets, before and after counting', () => {
    const counters = new LocalCounters();
    const perMinute = limit('minute', 5);
    const admitted = counters.decide([{ limit: perMinute, counterKey: 'r' }], 2, t0 + 1000);
    expect(admitted).toEqual({ admitted: true, states: [{ limit: perMinute, remaining: 3, resetAt: t0 + 60_000 }] });
    const refused = counters.decide([{ limit: perMinute, counterKey: 'r' }], 4, t0 + 2000);
    expect(refused).toEqual({ admitted: false, states: [{ limit: perMinute, remaining: 3, resetAt: t0 + 60_000 }], rejectedBy: perMinute, retryAfterMs: 58_000 });
    // A zero-cost decision reads the counter and moves nothing.
    expect(counters.decide([{ limit: perMinute, counterKey: 'r' }], 0, t0 + 3000)).toEqual({ admitted: true, states: [{ limit: perMinute, remaining: 3, resetAt: t0 + 60_000 }] });
  });

  it('local counters: of several limits refusing, the one that frees up last is named', () => {
    const counters = new LocalCounters();
    const minute = limit('minute', 1);
    const hour = limit('hour', 1);
    const checks = [
      { limit: minute, counterKey: 'm' },
      { limit: hour, counterKey: 'h' },
    ];
    counters.decide(checks, 1, t0);
    const refused = counters.decide(checks, 1, t0 + 1000);
    expect(refused.admitted).toBe(false);
    if (!refused.admitted) {
      expect(refused.rejectedBy).toBe(hour);
      expect(refused.retryAfterMs).toBe(3_599_000);
    }
    const reversed = counters.decide([...checks].reverse(), 1, t0 + 1000);
    expect(reversed.admitted).toBe(false);
    if (!reversed.admitted) expect(reversed.rejectedBy).toBe(hour);
    // Equal waits: the first refusing limit is kept.
    const twins = [
      { limit: minute, counterKey: 'm' },
      { limit: limit('minute', 1), counterKey: 'm2' },
    ];
    counters.decide([twins[1] as (typeof twins)[number]], 1, t0);
    const tie = counters.decide(twins, 1, t0 + 1000);
    expect(tie.admitted).toBe(false);
    if (!tie.admitted) expect(tie.rejectedBy).toBe(minute);
  });

  it('local counters: a sliding window forgets a previous window that is not the one just before', () => {
    const counters = new LocalCounters();
    const check = [{ limit: limit('minute', 10, 'sliding'), counterKey: 's' }];
    for (let i = 0; i < 10; i++) counters.decide(check, 1, t0);
    // Two minutes later: the full minute before is empty, so all 10 are free.
    const later = t0 + 120_000;
    for (let i = 0; i < 10; i++) expect(counters.decide(check, 1, later).admitted).toBe(true);
    expect(counters.decide(check, 1, later).admitted).toBe(false);
    // A fixed window drops the previous count at once.
    const fixed = [{ limit: limit('minute', 10), counterKey: 'f' }];
    for (let i = 0; i < 10; i++) counters.decide(fixed, 1, t0);
    const next = counters.decide(fixed, 1, t0 + 60_000);
    expect(next.admitted && next.states[0]?.remaining).toBe(9);
  });

  it('local counters: in a sliding window, reports used weight floored and waits for the next window when this one alone is full', () => {
    const counters = new LocalCounters();
    const perMinute = limit('minute', 10, 'sliding');
    const check = [{ limit: perMinute, counterKey: 's' }];
    for (let i = 0; i < 3; i++) counters.decide(check, 1, t0);
    // A quarter into the next window: 3 * 0.75 = 2.25 used, 7 whole units left.
    const state = counters.decide(check, 0, t0 + 75_000);
    expect(state.states[0]?.remaining).toBe(7);
    for (let i = 0; i < 7; i++) expect(counters.decide(check, 1, t0 + 75_000).admitted).toBe(true);
    // 7 of this window + 2.25 of the last: one more unit waits for the previous window's weight to fade.
    const waitFade = counters.decide(check, 1, t0 + 75_000);
    expect(waitFade.admitted).toBe(false);
    if (!waitFade.admitted) expect(waitFade.retryAfterMs).toBe(5000);
    // The previous window's weight is gone by this window's end: 1 ms before it, 1 ms to wait.
    const lastMs = counters.decide(check, 3, t0 + 120_000 - 1);
    expect(lastMs.admitted).toBe(false);
    if (!lastMs.admitted) expect(lastMs.retryAfterMs).toBe(1);
    // A window that alone holds the limit: room only in the next one, as its own count fades (1/10 of it).
    const alone = new LocalCounters();
    for (let i = 0; i < 10; i++) alone.decide(check, 1, t0);
    const full = alone.decide(check, 1, t0 + 30_000);
    expect(full.admitted).toBe(false);
    if (!full.admitted) expect(full.retryAfterMs).toBe(30_000 + 6000);
    // A cost over the whole limit, with nothing counted: the next window and all of its length again.
    const empty = new LocalCounters().decide(check, 20, t0);
    expect(empty.admitted).toBe(false);
    if (!empty.admitted) expect(empty.retryAfterMs).toBe(60_000 + 60_000 * (1 - -10 / 1));
  });

  it('local counters: long windows are saved when they change, put back at start, and requeued when a save fails', () => {
    const counters = new LocalCounters();
    counters.decide([{ limit: limit('hour', 5), counterKey: 'h' }], 2, t0);
    counters.decide([{ limit: limit('minute', 5), counterKey: 'm' }], 1, t0);
    counters.decide([{ limit: limit('59m', 5), counterKey: 'short' }], 1, t0);
    expect(counters.takeChanged()).toEqual([{ key: 'h', start: t0, end: t0 + 3_600_000, current: 2, previous: 0 }]);
    expect(counters.takeChanged()).toEqual([]);
    counters.decide([{ limit: limit('hour', 1), counterKey: 'h' }], 1, t0);
    expect(counters.takeChanged()).toEqual([]);
    counters.requeue(['h', 'vanished']);
    expect(counters.takeChanged()).toEqual([{ key: 'h', start: t0, end: t0 + 3_600_000, current: 2, previous: 0 }]);
    const restarted = new LocalCounters();
    restarted.decide([{ limit: limit('day', 5), counterKey: 'kept' }], 1, t0);
    restarted.restore([
      { key: 'h', start: t0, end: t0 + 3_600_000, current: 4, previous: 1 },
      { key: 'kept', start: t0, end: t0 + 86_400_000, current: 5, previous: 0 },
    ]);
    expect(restarted.size).toBe(2);
    const restored = restarted.decide([{ limit: limit('hour', 5), counterKey: 'h' }], 1, t0 + 1000);
    expect(restored.admitted && restored.states[0]?.remaining).toBe(0);
    expect(restarted.decide([{ limit: limit('day', 5), counterKey: 'kept' }], 1, t0).admitted).toBe(true);
  });

  it('local counters: restore keeps within maxCounters the saved counters whose windows end last, and drops the soonest over first', () => {
    const limits = { hour: limit('hour', 1), '2h': limit('2h', 1), day: limit('day', 1), month: limit('month', 1) };
    const saved = (name: keyof typeof limits) => ({ key: name, ...limits[name].window.boundsAt(t0), current: 1, previous: 0 });
    const spend = (counters: LocalCounters, name: keyof typeof limits) => counters.decide([{ limit: limits[name], counterKey: name }], 1, t0).admitted;
    const counters = new LocalCounters(3);
    counters.restore([saved('day'), saved('hour'), saved('month'), saved('2h')]);
    expect(counters.size).toBe(3);
    expect(counters.evicted).toBe(1);
    // The three that end last were put back (each is full), the hour (ending first) was not.
    expect([spend(counters, 'month'), spend(counters, 'day'), spend(counters, '2h')]).toEqual([false, false, false]);
    expect(spend(counters, 'hour')).toBe(true);
    // That new counter dropped the restored one that ends first (2h), not the month.
    expect(spend(counters, '2h')).toBe(true);
    expect(spend(counters, 'month')).toBe(false);
    // Counters already counting take their room first.
    const started = new LocalCounters(2);
    started.decide([{ limit: limits.hour, counterKey: 'live' }], 1, t0);
    started.restore([saved('hour'), saved('day'), { ...saved('day'), key: 'live', current: 0 }]);
    expect(started.size).toBe(2);
    expect(started.evicted).toBe(1);
    expect([spend(started, 'day'), started.decide([{ limit: limits.hour, counterKey: 'live' }], 1, t0).admitted]).toEqual([false, false]);
  });

  it('local counters: restored sliding counters each weigh their own previous window', () => {
    const perMinute = limit('minute', 10, 'sliding');
    const counters = new LocalCounters();
    counters.restore([
      { key: 'a', start: t0, end: t0 + 60_000, current: 0, previous: 4 },
      { key: 'b', start: t0, end: t0 + 60_000, current: 0, previous: 8 },
    ]);
    // Halfway through the window, half of each previous count weighs.
    const remaining = (key: string) => counters.decide([{ limit: perMinute, counterKey: key }], 0, t0 + 30_000).states[0]?.remaining;
    expect([remaining('a'), remaining('b')]).toEqual([8, 6]);
  });

  it('local counters: a sliding wait when this window alone is over the room, or when the cost takes the whole limit', () => {
    const perMinute = limit('minute', 10, 'sliding');
    const counters = new LocalCounters();
    counters.restore([
      { key: 'full', start: t0, end: t0 + 60_000, current: 10, previous: 5 },
      { key: 'faded', start: t0, end: t0 + 60_000, current: 0, previous: 5 },
    ]);
    const refusal = (key: string, cost: number) => counters.decide([{ limit: perMinute, counterKey: key }], cost, t0 + 30_000);
    // 10 counted now (room 9): only in the next window, once a tenth of this one has faded: 36 s from now.
    expect(refusal('full', 1)).toMatchObject({ admitted: false, retryAfterMs: 36_000 });
    // A cost of the whole limit fits once the previous window weighs nothing: at this window's end.
    expect(refusal('faded', 10)).toMatchObject({ admitted: false, retryAfterMs: 30_000 });
  });

  it('local counters: count what was dropped at the cap, the oldest first', () => {
    const counters = new LocalCounters(2);
    const perMinute = limit('minute', 1);
    counters.decide([{ limit: perMinute, counterKey: 'a' }], 1, t0);
    counters.decide([{ limit: perMinute, counterKey: 'b' }], 1, t0);
    expect(counters.evicted).toBe(0);
    counters.decide([{ limit: perMinute, counterKey: 'c' }], 1, t0);
    expect(counters.evicted).toBe(1);
    expect(counters.size).toBe(2);
    // `a` was dropped: it counts from zero again; `b` was kept and refuses.
    expect(counters.decide([{ limit: perMinute, counterKey: 'b' }], 1, t0).admitted).toBe(false);
    expect(counters.decide([{ limit: perMinute, counterKey: 'a' }], 1, t0).admitted).toBe(true);
    // With no room at all, only a counter that was there is counted as dropped.
    const none = new LocalCounters(0);
    none.decide([{ limit: perMinute, counterKey: 'x' }], 1, t0);
    expect(none.evicted).toBe(0);
    none.decide([{ limit: perMinute, counterKey: 'y' }], 1, t0);
    expect(none.evicted).toBe(1);
  });

  it('local counters: a sweep keeps a counter through the window after its own, and drops it at that window\'s end', () => {
    const counters = new LocalCounters();
    counters.decide([{ limit: limit('minute', 1), counterKey: 'a' }], 1, t0);
    counters.sweep(t0 + 120_000 - 1);
    expect(counters.size).toBe(1);
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
    expect(parseWindow('month', 'fixed', 'UTC')).toEqual({ kind: 'calendar', unit: 'month', timeZone: 'UTC' });
    expect(parseWindow('90s', 'sliding', 'UTC')).toEqual({ kind: 'duration', ms: 90_000 });
    expect(parseWindow('hour', 'sliding', 'UTC')).toEqual({ kind: 'duration', ms: 3_600_000 });
    expect(parseWindow('2d', 'fixed', 'UTC')).toEqual({ kind: 'duration', ms: 172_800_000 });
  });
  it('window: hours follow the zone\'s wall clock, and windows named in seconds or minutes are durations', () => {
    const hour = parseWindow('hour', 'fixed', 'Asia/Kolkata');
    expect(boundsAt(hour, Date.UTC(2026, 0, 15, 10, 10))).toEqual({ start: Date.UTC(2026, 0, 15, 9, 30), end: Date.UTC(2026, 0, 15, 10, 30) });
    expect(parseWindow('minute', 'fixed', 'UTC')).toEqual({ kind: 'duration', ms: 60_000 });
    expect(parseWindow('second', 'fixed', 'UTC')).toEqual({ kind: 'duration', ms: 1000 });
    expect(parseWindow('day', 'sliding', 'UTC')).toEqual({ kind: 'duration', ms: 86_400_000 });
    expect(parseWindow('month', 'sliding', 'UTC')).toEqual({ kind: 'duration', ms: 30 * 86_400_000 });
    expect(boundsAt(parseWindow('90s', 'fixed', 'UTC'), 200_000)).toEqual({ start: 180_000, end: 270_000 });
  });

  it('window: months cross the year, in the configured zone', () => {
    const month = parseWindow('month', 'fixed', 'America/New_York');
    expect(boundsAt(month, Date.UTC(2026, 11, 20))).toEqual({ start: Date.UTC(2026, 11, 1, 5), end: Date.UTC(2027, 0, 1, 5) });
    expect(boundsAt(month, Date.UTC(2027, 0, 1, 3))).toEqual({ start: Date.UTC(2026, 11, 1, 5), end: Date.UTC(2027, 0, 1, 5) });
  });

  it('window: gives a 25-hour day when the clocks go back', () => {
    const day = parseWindow('day', 'fixed', 'Europe/Paris');
    expect(boundsAt(day, Date.UTC(2026, 9, 25, 12))).toEqual({ start: Date.UTC(2026, 9, 24, 22), end: Date.UTC(2026, 9, 25, 23) });
  });

  it('window: its nominal length in seconds, at least one', () => {
    expect(windowSeconds(parseWindow('hour', 'fixed', 'UTC'))).toBe(3600);
    expect(windowSeconds(parseWindow('day', 'fixed', 'UTC'))).toBe(86_400);
    expect(windowSeconds(parseWindow('month', 'fixed', 'UTC'))).toBe(30 * 86_400);
    expect(windowSeconds({ kind: 'duration', ms: 1500 })).toBe(2);
    expect(windowSeconds({ kind: 'duration', ms: 1400 })).toBe(1);
    expect(windowSeconds({ kind: 'duration', ms: 100 })).toBe(1);
  });

  it('window: the tracker recomputes the bounds only when the time leaves them, either way', () => {
    const tracker = new WindowTracker(parseWindow('minute', 'fixed', 'UTC'));
    const first = tracker.boundsAt(t0 + 1);
    expect(first).toEqual({ start: t0, end: t0 + 60_000 });
    expect(tracker.boundsAt(t0 + 59_999)).toBe(first);
    expect(tracker.boundsAt(t0)).toBe(first);
    expect(tracker.boundsAt(t0 + 60_000)).toEqual({ start: t0 + 60_000, end: t0 + 120_000 });
    expect(tracker.boundsAt(t0 - 1)).toEqual({ start: t0 - 60_000, end: t0 });
  });

  it('compiled limit: the local fallback divides the limit among the replicas, at least one', () => {
    const config = { name: 'day', limit: 10, per: 'day', algorithm: 'fixed', timeZone: 'UTC', whenStoreDown: 'local', by: ['account'] } as const;
    const compiled = compileLimit(config, 3);
    expect(compiled.limit).toBe(10);
    expect(compiled.localFallback?.limit).toBe(3);
    expect(compiled.sliding).toBe(false);
    expect(compiled.windowSeconds).toBe(86_400);
    expect(compileLimit({ ...config, algorithm: 'sliding' }, 20).localFallback?.limit).toBe(1);
    expect(compileLimit({ ...config, algorithm: 'sliding' }).sliding).toBe(true);
    expect(compileLimit(config).localFallback?.limit).toBe(10);
  });
});

describe('counter snapshots', () => {
  it('counter snapshots: long windows survive a restart; windows over (and the one after them) are not loaded back', () => {
    const path = tempDbPath();
    const clock = { now: () => t0 };
    const logger = pino({ level: 'silent' });
    const before = new LocalCounters();
    const snapshots = new CounterSnapshots(path, before, clock, logger);
    const perDay = limit('day', 10);
    const perHour = limit('hour', 10);
    before.decide([{ limit: perDay, counterKey: 'd' }], 3, t0);
    snapshots.save();
    before.decide([{ limit: perDay, counterKey: 'd' }], 1, t0);
    before.decide([{ limit: perHour, counterKey: 'h' }], 2, t0);
    before.decide([{ limit: limit('minute', 10), counterKey: 'm' }], 2, t0);
    snapshots.close();
    const after = new LocalCounters();
    new CounterSnapshots(path, after, clock, logger).close();
    expect(after.size).toBe(2);
    expect(after.decide([{ limit: perDay, counterKey: 'd' }], 0, t0).states[0]?.remaining).toBe(6);
    expect(after.decide([{ limit: perHour, counterKey: 'h' }], 0, t0).states[0]?.remaining).toBe(8);
    // Two hours on, the hour counter's window and the one after it are over; the day counter stays.
    const later = new LocalCounters();
    new CounterSnapshots(path, later, { now: () => t0 + 2 * 3_600_000 }, logger).close();
    expect(later.size).toBe(1);
    expect(later.decide([{ limit: perDay, counterKey: 'd' }], 0, t0).states[0]?.remaining).toBe(6);
  });

  it('counter snapshots: a save of more counters than one statement writes (64) keeps every one with its own count', () => {
    const path = tempDbPath();
    const logger = pino({ level: 'silent' });
    const before = new LocalCounters();
    const snapshots = new CounterSnapshots(path, before, { now: () => t0 }, logger);
    const perDay = limit('day', 1000);
    // 151 = 64 + 64 + 16 + 4 + 1 + 1 + 1: every statement size, the largest and the smallest more than once.
    for (let i = 0; i < 151; i++) before.decide([{ limit: perDay, counterKey: `d${i}` }], i + 1, t0);
    snapshots.close();
    const after = new LocalCounters();
    new CounterSnapshots(path, after, { now: () => t0 }, logger).close();
    expect(after.size).toBe(151);
    for (let i = 0; i < 151; i++) expect(after.decide([{ limit: perDay, counterKey: `d${i}` }], 0, t0).states[0]?.remaining).toBe(1000 - (i + 1));
  });

  it('counter snapshots: a save that fails is logged with its count and saved again with the next batch', () => {
    const path = tempDbPath();
    const lines: { msg: string; counters?: number; err?: { message: string } }[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) });
    const counters = new LocalCounters();
    const snapshots = new CounterSnapshots(path, counters, { now: () => t0 }, logger);
    const perDay = limit('day', 10);
    counters.decide([{ limit: perDay, counterKey: 'd1' }, { limit: perDay, counterKey: 'd2' }], 2, t0);
    // Another connection makes every write of the table fail, as a full disk would.
    const other = new Database(path);
    other.exec("CREATE TRIGGER refuse BEFORE INSERT ON rate_counters BEGIN SELECT RAISE(ABORT, 'disk full'); END;");
    snapshots.save();
    expect(lines).toMatchObject([{ msg: 'could not save rate-limit counters', counters: 2, err: { message: 'disk full' } }]);
    other.exec('DROP TRIGGER refuse');
    snapshots.save();
    expect(other.prepare('SELECT key, current FROM rate_counters ORDER BY key').all()).toEqual([
      { key: 'd1', current: 2 },
      { key: 'd2', current: 2 },
    ]);
    other.close();
    snapshots.close();
    expect(lines).toHaveLength(1);
  });

  it('counter snapshots: a save whose table is gone throws nothing (it runs from a timer: a throw would end the process) and keeps its counters for later', () => {
    const path = tempDbPath();
    const lines: { msg: string; counters?: number; err?: { message: string } }[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) });
    const counters = new LocalCounters();
    const snapshots = new CounterSnapshots(path, counters, { now: () => t0 }, logger);
    counters.decide([{ limit: limit('day', 10), counterKey: 'd1' }], 1, t0);
    const other = new Database(path);
    other.exec('DROP TABLE rate_counters');
    other.close();
    expect(() => snapshots.save()).not.toThrow();
    expect(lines).toMatchObject([{ msg: 'could not save rate-limit counters', counters: 1, err: { message: expect.stringMatching(/no such table/) as string } }]);
    expect(counters.takeChanged().map((row) => row.key)).toEqual(['d1']);
  });
});
