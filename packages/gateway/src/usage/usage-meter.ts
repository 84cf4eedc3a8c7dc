import type { Clock } from '../clock.js';
import { catalog } from '../errors/catalog.js';
import { clientClosedStatus } from '../pipeline/answered-status.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { latencyBucketsMs, type LatencyRow, type RecentError, type UsageOwner, type UsageRow } from './usage-types.js';

const minuteMs = 60_000;
const bucketCount = latencyBucketsMs.length + 1;

/** One (account, key, route, status, code) combination in one minute, counted in place. */
interface Cell {
  readonly account: string;
  readonly keyId: string;
  readonly route: string;
  readonly status: number;
  readonly code: string;
  readonly owner: UsageOwner | '';
  count: number;
  totalMs: number;
}

/** What one minute holds: its cells by composed key and a latency histogram per route ('' for all). */
interface Minute {
  readonly cells: Map<string, Cell>;
  readonly latency: Map<string, number[]>;
}

/** What a flush writes: everything counted since the previous one. */
export interface UsageBatch {
  readonly rows: readonly UsageRow[];
  readonly latency: readonly LatencyRow[];
  readonly errors: readonly RecentError[];
}

/** Who an error answer is about: the catalog entry's owner; an uncatalogued one is the upstream's own answer. */
export function ownerOf(status: number, code: string): UsageOwner | '' {
  if (status < 400) return '';
  if (code !== '') return (catalog as Record<string, { owner: UsageOwner } | undefined>)[code]?.owner ?? 'gateway';
  return status === clientClosedStatus ? 'client' : 'upstream';
}

/** Index of the latency bucket of `ms` (the last one is everything above the last bound). */
export function bucketIndex(ms: number): number {
  let index = 0;
  while (index < latencyBucketsMs.length && ms > (latencyBucketsMs[index] as number)) index++;
  return index;
}

/**
 * Usage counted in memory until the next flush. `record` is on every request's path: one Map lookup
 * with a composed string key, a counter bump, two latency bumps; the minute is found again only when
 * the clock passes into the next one. Memory is bounded by `maxRows` rows, usage and latency together
 * (new combinations past it are dropped and counted in `dropped`; the all-routes latency row of each
 * minute is kept regardless), and twice `maxErrors` recent errors (the oldest go first).
 */
export class UsageMeter {
  private minutes = new Map<number, Minute>();
  private minute = -1;
  private minuteEnd = 0;
  private cells = new Map<string, Cell>();
  private latency = new Map<string, number[]>();
  private all: number[] = newBuckets();
  private errors: RecentError[] = [];
  private rowCount = 0;
  /**
   * Rows handed to a flush that has not settled yet: they still count against `maxRows` (a failed write
   * gives them back), or every failed flush of an outage would let another `maxRows` in.
   */
  private taken = 0;
  /** Requests not counted because `maxRows` cells were held already (reset by `take`). */
  dropped = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxRows: number,
    private readonly maxErrors: number,
  ) {}

  /** Counts one finished request (the pipeline's `finish`, its outcome fixed by `ctx.settle`). */
  record(ctx: RequestContext): void {
    const now = this.clock.now();
    if (now >= this.minuteEnd || now < this.minute) this.enter(now);
    const ms = ctx.totalMs;
    const status = ctx.status;
    const auth = ctx.auth;
    const route = ctx.route === undefined ? '' : ctx.route.id;
    const code: string = ctx.errorCode ?? '';
    const account = auth === undefined ? '' : auth.account.id;
    const keyId = auth === undefined ? '' : auth.key.id;
    const key = `${account}\n${keyId}\n${route}\n${status}\n${code}`;
    let cell = this.cells.get(key);
    if (cell === undefined) {
      if (this.rowCount + this.taken >= this.maxRows) {
        this.dropped++;
        return;
      }
      cell = { account, keyId, route, status, code, owner: ownerOf(status, code), count: 0, totalMs: 0 };
      this.cells.set(key, cell);
      this.rowCount++;
    }
    cell.count++;
    cell.totalMs += ms;
    const bucket = bucketIndex(ms);
    (this.all[bucket] as number)++;
    // Route '' is all routes together: a request no route matched is counted there only.
    if (route !== '') {
      let buckets = this.latency.get(route);
      if (buckets === undefined && this.rowCount + this.taken < this.maxRows) {
        buckets = newBuckets();
        this.latency.set(route, buckets);
        this.rowCount++;
      }
      if (buckets !== undefined) (buckets[bucket] as number)++;
    }
    if (status >= 400 && this.maxErrors > 0) this.keepError(ctx, now, account, keyId, route, status, code);
  }

  /** Whether anything is held (a flush with nothing to write is skipped). */
  get empty(): boolean {
    return this.rowCount === 0 && this.errors.length === 0;
  }

  /** Everything held, as rows, and forgets it: the flush owns it from here (`restore` gives it back on failure). */
  take(): UsageBatch {
    const batch = this.snapshot();
    this.taken = this.rowCount;
    this.minutes = new Map();
    this.minute = -1;
    this.minuteEnd = 0;
    this.errors = [];
    this.rowCount = 0;
    this.dropped = 0;
    return batch;
  }

  /** The batch last taken is in the store: its rows no longer count against the bound. */
  written(): void {
    this.taken = 0;
  }

  /** Everything held, as rows, without forgetting it (what the reader adds to the store's rows). */
  snapshot(): UsageBatch {
    const rows: UsageRow[] = [];
    const latency: LatencyRow[] = [];
    for (const [minute, held] of this.minutes) {
      for (const cell of held.cells.values()) rows.push({ minute, account: cell.account, keyId: cell.keyId, route: cell.route, status: cell.status, code: cell.code, owner: cell.owner, count: cell.count, totalMs: cell.totalMs });
      for (const [route, buckets] of held.latency) latency.push({ minute, route, buckets: [...buckets] });
    }
    return { rows, latency, errors: [...this.errors] };
  }

  /** Adds back a batch whose write failed, so the next flush writes it with what came since. */
  restore(batch: UsageBatch): void {
    // Its rows are counted again below, as held ones.
    this.taken = 0;
    for (const row of batch.rows) {
      const held = this.minuteAt(row.minute);
      const key = `${row.account}\n${row.keyId}\n${row.route}\n${row.status}\n${row.code}`;
      const cell = held.cells.get(key);
      if (cell !== undefined) {
        cell.count += row.count;
        cell.totalMs += row.totalMs;
      } else {
        // Counts already taken are never dropped: the bound applies to new combinations only.
        held.cells.set(key, { ...row });
        this.rowCount++;
      }
    }
    for (const row of batch.latency) {
      const held = this.minuteAt(row.minute);
      let buckets = held.latency.get(row.route);
      if (buckets === undefined) {
        buckets = newBuckets();
        held.latency.set(row.route, buckets);
        this.rowCount++;
      }
      for (let index = 0; index < bucketCount; index++) (buckets[index] as number) += row.buckets[index] ?? 0;
    }
    this.errors = [...batch.errors, ...this.errors];
    if (this.errors.length > this.maxErrors) this.errors = this.errors.slice(this.errors.length - this.maxErrors);
    // The current minute's maps may have been replaced: find them again on the next request.
    this.minuteEnd = 0;
  }

  private enter(now: number): void {
    const minute = now - (now % minuteMs);
    const held = this.minuteAt(minute);
    this.minute = minute;
    this.minuteEnd = minute + minuteMs;
    this.cells = held.cells;
    this.latency = held.latency;
    let all = held.latency.get('');
    if (all === undefined) {
      // Past the bound too: one row a minute keeps the all-routes latency of a long outage.
      all = newBuckets();
      held.latency.set('', all);
      this.rowCount++;
    }
    this.all = all;
  }

  private minuteAt(minute: number): Minute {
    let held = this.minutes.get(minute);
    if (held === undefined) {
      held = { cells: new Map(), latency: new Map() };
      this.minutes.set(minute, held);
    }
    return held;
  }

  private keepError(ctx: RequestContext, at: number, account: string, keyId: string, route: string, status: number, code: string): void {
    this.errors.push({ at, correlationId: ctx.correlationId, account, keyId, route, method: ctx.req.method ?? '', path: ctx.path, status, code });
    // Trimmed in halves so that a burst of errors does not shift the array on every one.
    if (this.errors.length >= this.maxErrors * 2) this.errors = this.errors.slice(this.errors.length - this.maxErrors);
  }
}

function newBuckets(): number[] {
  return new Array<number>(bucketCount).fill(0);
}
