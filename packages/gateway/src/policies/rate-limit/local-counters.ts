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

/** Counters kept at most this many by default; past it the oldest are dropped (about 170 bytes each, bench:memory:heap). */
const defaultMaxCounters = 1_000_000;

/** Where a counter's four numbers sit in `CounterTable.numbers`: a counter is a slot of four. */
const START = 0;
const CURRENT = 1;
const PREVIOUS = 2;
/** End of the window `start` belongs to, so calendar windows are computed once per window. */
const END = 3;
const FIELDS = 4;

/**
 * In-process counters: one decision per request over every limit that applies, atomically (this is
 * one synchronous step, so nothing runs between the check and the increments). A rejected request
 * moves no counter. Sliding windows weigh the previous window's count by how much of it still overlaps.
 *
 * Kept compact (issue 22's bound: 200 bytes a counter): the numbers of every counter live in one
 * Float64Array, four to a slot, and the map holds each counter's key and slot number (an object of four
 * numbers per counter took about 90 bytes more, two of them boxed). A dropped counter's slot is reused.
 */
export class LocalCounters {
  /** Counter key to slot, oldest first (the order `maxCounters` drops them in). */
  private readonly slots = new Map<string, number>();
  private numbers = new Float64Array(FIELDS * 1024);
  /** Slots given back by the sweep and by drops, to be reused. */
  private readonly free: number[] = [];
  /** Slots dropped during the current decision: reused only once it is over, never by a counter it holds. */
  private readonly dropped: number[] = [];
  /** Slots never used yet start here. */
  private fresh = 0;
  /** Long-window counters changed since the last snapshot. */
  private readonly dirty = new Set<string>();
  private evictedCount = 0;

  constructor(private readonly maxCounters = defaultMaxCounters) {}

  decide(checks: readonly LimitCheck[], cost: number, now: number): LimitDecision {
    const slots: number[] = [];
    const states: LimitState[] = [];
    let rejectedBy: CompiledLimit | undefined;
    let retryAfterMs = 0;
    for (const check of checks) {
      const slot = this.slotFor(check, now);
      slots.push(slot);
      // Read after `slotFor`, which may have grown the table.
      const numbers = this.numbers;
      const used = usedNow(numbers, slot, check.limit, now);
      if (used + cost > check.limit.limit) {
        const wait = waitFor(numbers, slot, check.limit, cost, now);
        // Every wait is positive (a fixed window's end is ahead, a sliding wait at least 1 ms): the first refusal is taken.
        if (wait > retryAfterMs) {
          rejectedBy = check.limit;
          retryAfterMs = wait;
        }
      }
      states.push({ limit: check.limit, remaining: Math.max(0, Math.floor(check.limit.limit - used)), resetAt: numbers[slot + END] as number });
    }
    if (this.dropped.length > 0) this.free.push(...this.dropped.splice(0));
    if (rejectedBy !== undefined) return { admitted: false, states, rejectedBy, retryAfterMs };
    const numbers = this.numbers;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as number;
      numbers[slot + CURRENT] = (numbers[slot + CURRENT] as number) + cost;
      if ((numbers[slot + END] as number) - (numbers[slot + START] as number) >= persistFromMs) this.dirty.add((checks[i] as LimitCheck).counterKey);
      const state = states[i] as LimitState;
      states[i] = { ...state, remaining: Math.max(0, state.remaining - cost) };
    }
    return { admitted: true, states };
  }

  /** Drops counters whose windows are over (called periodically). */
  sweep(now: number): void {
    const numbers = this.numbers;
    for (const [key, slot] of this.slots) {
      const end = numbers[slot + END] as number;
      // A sliding counter still matters during the window after its own.
      if (end + (end - (numbers[slot + START] as number)) <= now) {
        this.slots.delete(key);
        this.free.push(slot);
      }
    }
  }

  /** Long-window counters changed since the last call, to be saved. */
  takeChanged(): CounterSnapshot[] {
    const out: CounterSnapshot[] = [];
    const numbers = this.numbers;
    for (const key of this.dirty) {
      const slot = this.slots.get(key);
      if (slot !== undefined) {
        out.push({ key, start: numbers[slot + START] as number, end: numbers[slot + END] as number, current: numbers[slot + CURRENT] as number, previous: numbers[slot + PREVIOUS] as number });
      }
    }
    this.dirty.clear();
    return out;
  }

  /** Marks counters as changed again (their save failed). */
  requeue(keys: readonly string[]): void {
    for (const key of keys) this.dirty.add(key);
  }

  /**
   * Puts saved counters back (at start); counters already counting since are kept. Past `maxCounters`,
   * the saved counters whose windows end last are kept (the others are the first to be over), placed
   * oldest first so that later drops take the soonest over; the rest count as dropped (`evicted`).
   */
  restore(snapshots: readonly CounterSnapshot[]): void {
    const missing = snapshots.filter((snapshot) => !this.slots.has(snapshot.key));
    const kept = missing.sort((a, b) => b.end - a.end).slice(0, this.maxCounters - this.slots.size);
    this.evictedCount += missing.length - kept.length;
    for (const snapshot of kept.reverse()) this.place(snapshot.key, snapshot.start, snapshot.end, snapshot.current, snapshot.previous);
  }

  get size(): number {
    return this.slots.size;
  }

  /** Counters dropped because `maxCounters` was reached, since the start. */
  get evicted(): number {
    return this.evictedCount;
  }

  private slotFor(check: LimitCheck, now: number): number {
    const slot = this.slots.get(check.counterKey);
    if (slot === undefined) {
      if (this.slots.size >= this.maxCounters) this.dropOldest();
      const bounds = check.limit.window.boundsAt(now);
      return this.place(check.counterKey, bounds.start, bounds.end, 0, 0);
    }
    if (now >= (this.numbers[slot + END] as number)) roll(this.numbers, slot, check.limit.window.boundsAt(now), check.limit.sliding);
    return slot;
  }

  /** A new counter in a free slot (the table grows by doubling when none is left). */
  private place(key: string, start: number, end: number, current: number, previous: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.fresh;
      this.fresh += FIELDS;
      if (this.fresh > this.numbers.length) {
        const grown = new Float64Array(this.numbers.length * 2);
        grown.set(this.numbers);
        this.numbers = grown;
      }
    }
    const numbers = this.numbers;
    numbers[slot + START] = start;
    numbers[slot + END] = end;
    numbers[slot + CURRENT] = current;
    numbers[slot + PREVIOUS] = previous;
    this.slots.set(key, slot);
    return slot;
  }

  private dropOldest(): void {
    const oldest = this.slots.entries().next();
    if (oldest.done === true) return;
    this.slots.delete(oldest.value[0]);
    this.dropped.push(oldest.value[1]);
    this.evictedCount++;
  }
}

function roll(numbers: Float64Array, slot: number, bounds: WindowBounds, sliding: boolean): void {
  const adjacent = bounds.start === numbers[slot + END];
  numbers[slot + PREVIOUS] = sliding && adjacent ? (numbers[slot + CURRENT] as number) : 0;
  numbers[slot + CURRENT] = 0;
  numbers[slot + START] = bounds.start;
  numbers[slot + END] = bounds.end;
}

function usedNow(numbers: Float64Array, slot: number, limit: CompiledLimit, now: number): number {
  const current = numbers[slot + CURRENT] as number;
  const previous = numbers[slot + PREVIOUS] as number;
  if (!limit.sliding || previous === 0) return current;
  const start = numbers[slot + START] as number;
  const length = (numbers[slot + END] as number) - start;
  return previous * (1 - (now - start) / length) + current;
}

/** How long until `cost` more units fit. */
function waitFor(numbers: Float64Array, slot: number, limit: CompiledLimit, cost: number, now: number): number {
  const start = numbers[slot + START] as number;
  const end = numbers[slot + END] as number;
  const current = numbers[slot + CURRENT] as number;
  const previous = numbers[slot + PREVIOUS] as number;
  const length = end - start;
  if (!limit.sliding) return end - now;
  const room = limit.limit - cost;
  // Refused with `current` fitting: the previous window weighs, so `previous` is above 0.
  if (current <= room) {
    // Within this window, as the previous window's weight fades.
    const at = start + length * (1 - (room - current) / previous);
    return Math.max(1, at - now);
  }
  // Only in the next window, as this window's count fades in turn.
  const at = end + length * (1 - room / Math.max(current, 1));
  return Math.max(1, at - now);
}
