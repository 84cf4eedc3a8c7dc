import type { WindowBounds, WindowSpec, WindowTracker } from './window.js';

/** A limit ready to count: built once at boot from config. */
export interface CompiledLimit {
  readonly name: string;
  readonly limit: number;
  readonly spec: WindowSpec;
  /** Current window bounds, computed once per window. */
  readonly window: WindowTracker;
  readonly sliding: boolean;
  /** Nominal window length in seconds (RateLimit-Policy `w`). */
  readonly windowSeconds: number;
  /** Human name of the window for messages (`minute`, `day`, `90s`). */
  readonly per: string;
  /** With a shared store: what to do when it is down. */
  readonly whenStoreDown: 'open' | 'closed' | 'local';
  /** The same limit divided by the replica count, counted locally while the shared store is down. */
  readonly localFallback?: CompiledLimit;
}

/** One limit to check for one request: the limit and the counter it uses. */
export interface LimitCheck {
  readonly limit: CompiledLimit;
  readonly counterKey: string;
}

/** Where a limit stands after a decision, for headers. */
export interface LimitState {
  readonly limit: CompiledLimit;
  readonly remaining: number;
  /** Epoch ms at which the window resets. */
  readonly resetAt: number;
}

export type LimitDecision =
  | { readonly admitted: true; readonly states: readonly LimitState[] }
  | { readonly admitted: false; readonly states: readonly LimitState[]; readonly rejectedBy: CompiledLimit; readonly retryAfterMs: number };

/** A counter as saved and restored. */
export interface CounterSnapshot {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly current: number;
  readonly previous: number;
}

/** Windows at least this long are worth keeping across a restart. */
const persistFromMs = 3_600_000;

interface Counter {
  start: number;
  current: number;
  previous: number;
  /** End of the window `start` belongs to, so calendar windows are computed once per window. */
  end: number;
}

/** Counters kept at most this many by default; past it the oldest are dropped (about 220 bytes each). */
const defaultMaxCounters = 1_000_000;

/**
 * In-process counters: one decision per request over every limit that applies, atomically (this is
 * one synchronous step, so nothing runs between the check and the increments). A rejected request
 * moves no counter. Sliding windows weigh the previous window's count by how much of it still overlaps.
 */
export class LocalCounters {
  private readonly counters = new Map<string, Counter>();
  /** Long-window counters changed since the last snapshot. */
  private readonly dirty = new Set<string>();
  private evictedCount = 0;

  constructor(private readonly maxCounters = defaultMaxCounters) {}

  decide(checks: readonly LimitCheck[], cost: number, now: number): LimitDecision {
    const counters: Counter[] = [];
    const states: LimitState[] = [];
    let rejectedBy: CompiledLimit | undefined;
    let retryAfterMs = 0;
    for (const check of checks) {
      const counter = this.counterFor(check, now);
      counters.push(counter);
      const used = usedNow(counter, check.limit, now);
      if (used + cost > check.limit.limit) {
        const wait = waitFor(counter, check.limit, cost, now);
        if (rejectedBy === undefined || wait > retryAfterMs) {
          rejectedBy = check.limit;
          retryAfterMs = wait;
        }
      }
      states.push({ limit: check.limit, remaining: Math.max(0, Math.floor(check.limit.limit - used)), resetAt: counter.end });
    }
    if (rejectedBy !== undefined) return { admitted: false, states, rejectedBy, retryAfterMs };
    for (let i = 0; i < counters.length; i++) {
      const counter = counters[i] as Counter;
      counter.current += cost;
      if (counter.end - counter.start >= persistFromMs) this.dirty.add((checks[i] as LimitCheck).counterKey);
      const state = states[i] as LimitState;
      states[i] = { ...state, remaining: Math.max(0, state.remaining - cost) };
    }
    return { admitted: true, states };
  }

  /** Drops counters whose windows are over (called periodically). */
  sweep(now: number): void {
    for (const [key, counter] of this.counters) {
      const length = counter.end - counter.start;
      // A sliding counter still matters during the window after its own.
      if (counter.end + length <= now) this.counters.delete(key);
    }
  }

  /** Long-window counters changed since the last call, to be saved. */
  takeChanged(): CounterSnapshot[] {
    const out: CounterSnapshot[] = [];
    for (const key of this.dirty) {
      const counter = this.counters.get(key);
      if (counter !== undefined) out.push({ key, start: counter.start, end: counter.end, current: counter.current, previous: counter.previous });
    }
    this.dirty.clear();
    return out;
  }

  /** Marks counters as changed again (their save failed). */
  requeue(keys: readonly string[]): void {
    for (const key of keys) this.dirty.add(key);
  }

  /** Puts saved counters back (at start); counters already counting since are kept. */
  restore(snapshots: readonly CounterSnapshot[]): void {
    for (const snapshot of snapshots) {
      if (!this.counters.has(snapshot.key)) {
        this.counters.set(snapshot.key, { start: snapshot.start, end: snapshot.end, current: snapshot.current, previous: snapshot.previous });
      }
    }
  }

  get size(): number {
    return this.counters.size;
  }

  /** Counters dropped because `maxCounters` was reached, since the start. */
  get evicted(): number {
    return this.evictedCount;
  }

  private counterFor(check: LimitCheck, now: number): Counter {
    let counter = this.counters.get(check.counterKey);
    if (counter === undefined) {
      const bounds = check.limit.window.boundsAt(now);
      counter = { start: bounds.start, end: bounds.end, current: 0, previous: 0 };
      if (this.counters.size >= this.maxCounters) this.dropOldest();
      this.counters.set(check.counterKey, counter);
      return counter;
    }
    if (now >= counter.end) roll(counter, check.limit.window.boundsAt(now), check.limit.sliding);
    return counter;
  }

  private dropOldest(): void {
    const oldest = this.counters.keys().next();
    if (oldest.done !== true) this.counters.delete(oldest.value);
    this.evictedCount++;
  }
}

function roll(counter: Counter, bounds: WindowBounds, sliding: boolean): void {
  const adjacent = bounds.start === counter.end;
  counter.previous = sliding && adjacent ? counter.current : 0;
  counter.current = 0;
  counter.start = bounds.start;
  counter.end = bounds.end;
}

function usedNow(counter: Counter, limit: CompiledLimit, now: number): number {
  if (!limit.sliding || counter.previous === 0) return counter.current;
  const length = counter.end - counter.start;
  return counter.previous * (1 - (now - counter.start) / length) + counter.current;
}

/** How long until `cost` more units fit. */
function waitFor(counter: Counter, limit: CompiledLimit, cost: number, now: number): number {
  const length = counter.end - counter.start;
  if (!limit.sliding) return counter.end - now;
  const room = limit.limit - cost;
  if (counter.current <= room && counter.previous > 0) {
    // Within this window, as the previous window's weight fades.
    const at = counter.start + length * (1 - (room - counter.current) / counter.previous);
    return Math.max(1, at - now);
  }
  // Only in the next window, as this window's count fades in turn.
  const at = counter.end + length * (1 - room / Math.max(counter.current, 1));
  return Math.max(1, at - now);
}
