import { Cluster, Redis } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import type { RedisLimitsConfig } from '../../config/config-types.js';
import type { LimitCheck, LimitDecision, LimitState } from './local-counters.js';
import { redisDecideScript, redisReleaseScript } from './redis-decide.lua.js';
import { failFastOptions, waitUntilReady } from '../../redis/fail-fast.js';
import { StallWatch, type Watched } from '../../redis/stall-watch.js';

interface Scripts {
  portierDecide(...args: (string | number)[]): Promise<number[]>;
  portierRelease(...args: (string | number)[]): Promise<number>;
}

/** What the script said about one part of a decision (the checks of one slot). */
interface PartResult {
  /** 1-based index of the check that refused, 0 when every check fits. */
  readonly refused: number;
  readonly waitMs: number;
  readonly remaining: readonly number[];
}

/** A subset of one decision's checks whose keys share a slot: what one script entry decides. */
interface Part {
  readonly pending: Pending;
  readonly slot: number;
  /** Indexes into `pending.checks`. */
  readonly indexes: readonly number[];
  readonly keys: readonly string[];
  readonly starts: number[];
  result: PartResult | undefined;
  error: unknown;
}

interface Pending {
  readonly checks: readonly LimitCheck[];
  readonly cost: number;
  readonly now: number;
  readonly ends: number[];
  parts: Part[];
  /** Index of the part being decided: parts go one after the other, each only if the previous fit. */
  current: number;
  resolve(decision: LimitDecision): void;
  reject(error: unknown): void;
}

/** One script call waiting for its answer. */
interface Batch {
  readonly parts: Part[];
  readonly token: Watched;
  /** Answered, or given up when the store was declared down: whichever comes first decides, once. */
  settled: boolean;
}

/** Told when Redis is declared down (with why) and when it answers again. */
export interface StoreHealthListener {
  down(reason: unknown): void;
  up(): void;
}

/** Decisions sent in one script call at most; more wait for the next call. */
const maxBatch = 256;

/**
 * Counters shared by every gateway through Redis. The decisions of one event-loop turn go to Redis
 * together, as one script call that takes them in order (each still atomic), so concurrent requests
 * share one round trip. Keys carry a hash tag of their subject, so counters of one subject (a base's
 * minute and day) live in one Redis Cluster slot.
 *
 * With `cluster: true`, a script call may only touch one slot, so each turn's decisions are grouped by
 * slot. A decision whose limits count different subjects spans slots: its parts are decided one after
 * the other (in the order of its limits), each checked and counted only if all its limits fit, the next
 * only if the previous fit; when a later part refuses, the earlier ones are given back. Counts are never
 * exceeded. Only a request refused by a later slot leaves a brief extra count in an earlier one, which a
 * concurrent request on that same subject may see: the price of not holding a lock across slots.
 *
 * Health: the store is up once the connection is ready, and down when the connection closes, when a
 * call fails, or when a call has waited `timeoutMs` of time the gateway was free to read its answer
 * (StallWatch: our own event-loop lag never counts). There is no per-command timeout: a late answer of
 * a healthy Redis is used, so a request is never decided twice (once by Redis, once by the fallback),
 * nor refused by `closed` because the gateway itself was busy. Only the calls outstanding at the
 * moment Redis is declared stalled are given up (their requests follow the failure policy; Redis may
 * still count them if it comes back). While down, nothing is sent but a PING every so often; its answer,
 * or a new ready connection, brings the store back.
 */
export class RedisCounters {
  private readonly redis: (Redis | Cluster) & Scripts;
  private queue: Pending[] = [];
  /** Later parts of multi-slot decisions whose earlier parts fit. */
  private partQueue: Part[] = [];
  private flushScheduled = false;
  private healthy = false;
  private readonly outstanding = new Set<Batch>();
  private readonly watch: StallWatch;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private probeSentAt = 0;
  private listener: StoreHealthListener | undefined;
  private closed = false;

  constructor(private readonly config: RedisLimitsConfig) {
    const options = failFastOptions(config.timeoutMs, { commandTimeout: false });
    if (config.cluster) {
      const url = new URL(config.url);
      const password = url.password === '' ? undefined : decodeURIComponent(url.password);
      this.redis = new Cluster([{ host: url.hostname, port: Number(url.port || 6379) }], {
        enableOfflineQueue: false,
        clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
        redisOptions: { ...options, ...(password === undefined ? {} : { password }), ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }) },
      }) as Cluster & Scripts;
    } else {
      this.redis = new Redis(config.url, options) as Redis & Scripts;
    }
    this.redis.defineCommand('portierDecide', { lua: redisDecideScript });
    this.redis.defineCommand('portierRelease', { lua: redisReleaseScript });
    // Errors are handled per decision; without a listener ioredis would report them as unhandled.
    this.redis.on('error', () => undefined);
    this.redis.on('ready', () => this.markUp());
    this.redis.on('close', () => this.markDown(new Error('the connection to Redis closed')));
    this.watch = new StallWatch(config.timeoutMs, () => this.stalled());
  }

  /** Whether decisions go to Redis; while false, the caller applies the failure policy without sending. */
  get available(): boolean {
    return this.healthy;
  }

  onHealth(listener: StoreHealthListener): void {
    this.listener = listener;
  }

  decide(checks: readonly LimitCheck[], cost: number, now: number): Promise<LimitDecision> {
    return new Promise((resolve, reject) => {
      this.queue.push({ checks, cost, now, ends: [], parts: [], current: 0, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Waits until the connection is ready, at most `waitMs`; resolves false if it is not (requests then
   * follow the failure policy until it is).
   */
  ready(waitMs: number): Promise<boolean> {
    return waitUntilReady(this.redis, waitMs);
  }

  /** One PING, for the readiness check: rejects at once while the connection is down (no offline queue). */
  ping(): Promise<unknown> {
    return this.redis.ping();
  }

  /**
   * Stops for good: the connection closing after this is no outage (no `down`, no probe timer left
   * running). Resolves once the connection has ended; callers that must not wait on a stalled Redis
   * need not await it.
   */
  close(): Promise<void> {
    this.closed = true;
    this.watch.stop();
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    const ended = this.redis.status === 'end' ? Promise.resolve() : new Promise<void>((resolve) => this.redis.once('end', () => resolve()));
    this.redis.disconnect();
    return ended;
  }

  private markUp(): void {
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    if (this.healthy) return;
    this.healthy = true;
    this.listener?.up();
  }

  private markDown(reason: unknown): void {
    if (this.closed) return;
    if (this.probeTimer === undefined) {
      this.probeTimer = setInterval(() => this.probe(), Math.min(1000, Math.max(50, this.config.timeoutMs))).unref();
    }
    if (!this.healthy) return;
    this.healthy = false;
    this.listener?.down(reason);
  }

  /**
   * While down: one PING at a time on a connected client; its answer means Redis is back. A PING
   * unanswered for long (a half-open connection that no packet will ever close) gets a new connection.
   */
  private probe(): void {
    if (this.probing && Date.now() - this.probeSentAt > Math.max(5000, 5 * this.config.timeoutMs)) {
      this.probing = false;
      this.redis.disconnect(true);
      return;
    }
    if (this.probing || this.redis.status !== 'ready') return;
    this.probing = true;
    this.probeSentAt = Date.now();
    this.redis.ping().then(
      () => {
        this.probing = false;
        this.markUp();
      },
      () => {
        this.probing = false;
      },
    );
  }

  /** Calls have waited too long on a connected Redis: give them up, once, and count without Redis. */
  private stalled(): void {
    const error = new Error(`Redis did not answer within timeoutMs (${this.config.timeoutMs} ms, time the gateway was busy not counted)`);
    this.markDown(error);
    const batches = [...this.outstanding];
    this.outstanding.clear();
    this.watch.clear();
    for (const batch of batches) this.fail(batch, error);
  }

  private fail(batch: Batch, error: unknown): void {
    batch.settled = true;
    for (const part of batch.parts) {
      part.error = error;
      this.settle(part.pending);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const ready = this.partQueue;
    this.partQueue = [];
    for (const item of this.queue) {
      this.split(item);
      ready.push(item.parts[0] as Part);
    }
    this.queue = [];
    if (!this.healthy) {
      // Declared down since these were queued: none is sent, each follows the failure policy.
      const error = new Error('Redis is unavailable');
      for (const part of ready) {
        part.error = error;
        this.settle(part.pending);
      }
      return;
    }
    // One group per slot in a cluster; one group for everything on a single Redis.
    const groups = new Map<number, Part[]>();
    for (const part of ready) {
      const group = groups.get(part.slot);
      if (group === undefined) groups.set(part.slot, [part]);
      else group.push(part);
    }
    for (const parts of groups.values()) {
      for (let i = 0; i < parts.length; i += maxBatch) this.send(parts.slice(i, i + maxBatch));
    }
  }

  /** Splits a decision's checks by slot, in the order of its limits (one part on a single Redis). */
  private split(item: Pending): void {
    const bySlot = new Map<number, { indexes: number[]; keys: string[]; starts: number[] }>();
    item.checks.forEach((check, index) => {
      const bounds = check.limit.window.boundsAt(item.now);
      item.ends.push(bounds.end);
      const key = this.keyOf(check.counterKey);
      const slot = this.config.cluster ? calculateSlot(key) : 0;
      let part = bySlot.get(slot);
      if (part === undefined) bySlot.set(slot, (part = { indexes: [], keys: [], starts: [] }));
      part.indexes.push(index);
      part.keys.push(key);
      part.starts.push(bounds.start);
    });
    if (bySlot.size === 0) bySlot.set(0, { indexes: [], keys: [], starts: [] });
    for (const [slot, part] of bySlot) item.parts.push({ pending: item, slot, ...part, result: undefined, error: undefined });
  }

  /** One script call for parts that share a slot (or a single Redis). */
  private send(parts: Part[]): void {
    const keys: string[] = [];
    const args: (string | number)[] = [parts.length];
    for (const part of parts) {
      const { pending } = part;
      args.push(pending.cost, pending.now, part.indexes.length);
      part.indexes.forEach((index, i) => {
        const check = pending.checks[index] as LimitCheck;
        keys.push(part.keys[i] as string);
        args.push(check.limit.limit, part.starts[i] as number, pending.ends[index] as number, check.limit.sliding ? 1 : 0);
      });
    }
    const batch: Batch = { parts, token: this.watch.track(), settled: false };
    this.outstanding.add(batch);
    const finish = (): boolean => {
      if (batch.settled) return false;
      batch.settled = true;
      this.outstanding.delete(batch);
      this.watch.done(batch.token);
      return true;
    };
    this.redis.portierDecide(keys.length, ...keys, ...args).then(
      (reply) => {
        // Given up already (Redis was declared stalled): the request was decided by the fallback.
        if (!finish()) return;
        let at = 0;
        for (const part of parts) {
          const n = part.indexes.length;
          part.result = { refused: Number(reply[at]), waitMs: Number(reply[at + 1]), remaining: reply.slice(at + 2, at + 2 + n).map(Number) };
          at += 2 + n;
          this.settle(part.pending);
        }
      },
      (error: unknown) => {
        if (!finish()) return;
        this.markDown(error);
        this.fail(batch, error);
      },
    );
  }

  /**
   * After each part: go on to the next part if this one fit, else give back what earlier parts counted.
   * Parts go one after the other so that a request refused by its first slot never touches the others.
   */
  private settle(pending: Pending): void {
    const part = pending.parts[pending.current] as Part;
    const failed = part.error !== undefined;
    const refused = part.result !== undefined && part.result.refused !== 0;
    if (!failed && !refused && pending.current + 1 < pending.parts.length) {
      pending.current++;
      this.partQueue.push(pending.parts[pending.current] as Part);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
      return;
    }
    if ((failed || refused) && pending.cost > 0) {
      for (const earlier of pending.parts.slice(0, pending.current)) this.release(earlier);
    }
    if (failed) return pending.reject(part.error);
    const states: LimitState[] = pending.checks.map((check, index) => ({ limit: check.limit, remaining: check.limit.limit, resetAt: pending.ends[index] as number }));
    for (const decided of pending.parts.slice(0, pending.current + 1)) {
      decided.indexes.forEach((index, i) => {
        states[index] = { limit: (pending.checks[index] as LimitCheck).limit, remaining: decided.result?.remaining[i] ?? 0, resetAt: pending.ends[index] as number };
      });
    }
    if (!refused || part.result === undefined) return pending.resolve({ admitted: true, states });
    const rejected = pending.checks[part.indexes[part.result.refused - 1] as number] as LimitCheck;
    pending.resolve({ admitted: false, states, rejectedBy: rejected.limit, retryAfterMs: part.result.waitMs });
  }

  /** Gives back what one admitted part counted (if its windows have not turned meanwhile). */
  private release(part: Part): void {
    this.redis.portierRelease(part.keys.length, ...part.keys, part.pending.cost, ...part.starts).catch(() => undefined);
  }

  /** `prefix{subject}:namespace:name`: the hash tag keeps one subject's counters in one slot. */
  private keyOf(counterKey: string): string {
    const bar = counterKey.indexOf('|');
    const scope = bar === -1 ? counterKey : counterKey.slice(0, bar);
    const subject = bar === -1 ? '' : counterKey.slice(bar + 1);
    return `${this.config.keyPrefix}{${subject}}:${scope}`;
  }
}
