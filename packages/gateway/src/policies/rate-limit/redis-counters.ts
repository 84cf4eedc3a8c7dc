import { Cluster, Redis } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import type { RedisLimitsConfig } from '../../config/config-types.js';
import type { LimitCheck, LimitDecision, LimitState } from './local-counters.js';
import { redisDecideScript, redisReleaseScript } from './redis-decide.lua.js';
import { failFastOptions, waitUntilReady } from '../../redis/fail-fast.js';

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
 * Fails fast (no offline queue, a command timeout) so the failure policy can act.
 */
export class RedisCounters {
  private readonly redis: (Redis | Cluster) & Scripts;
  private queue: Pending[] = [];
  /** Later parts of multi-slot decisions whose earlier parts fit. */
  private partQueue: Part[] = [];
  private flushScheduled = false;

  constructor(private readonly config: RedisLimitsConfig) {
    const options = failFastOptions(config.timeoutMs);
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

  close(): void {
    this.redis.disconnect();
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
    this.redis.portierDecide(keys.length, ...keys, ...args).then(
      (reply) => {
        let at = 0;
        for (const part of parts) {
          const n = part.indexes.length;
          part.result = { refused: Number(reply[at]), waitMs: Number(reply[at + 1]), remaining: reply.slice(at + 2, at + 2 + n).map(Number) };
          at += 2 + n;
          this.settle(part.pending);
        }
      },
      (error: unknown) => {
        for (const part of parts) {
          part.error = error;
          this.settle(part.pending);
        }
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
