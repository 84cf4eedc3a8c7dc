import { Redis } from 'ioredis';
import type { RedisLimitsConfig } from '../../config/config-types.js';
import type { LimitCheck, LimitDecision, LimitState } from './local-counters.js';
import { redisDecideScript } from './redis-decide.lua.js';

interface DecideCommand {
  portierDecide(...args: (string | number)[]): Promise<number[]>;
}

interface Pending {
  readonly checks: readonly LimitCheck[];
  readonly cost: number;
  readonly now: number;
  readonly ends: number[];
  resolve(decision: LimitDecision): void;
  reject(error: unknown): void;
}

/** Decisions sent in one script call at most; more wait for the next call. */
const maxBatch = 256;

/**
 * Counters shared by every gateway through Redis. The decisions of one event-loop turn go to Redis
 * together, as one script call that takes them in order (each still atomic), so concurrent requests
 * share one round trip and one command's overhead. Keys carry a hash tag of their subject, so counters of
 * one subject (a base's minute and day) live in one Redis Cluster slot. Fails fast (no offline queue, a
 * command timeout) so the failure policy can act.
 */
export class RedisCounters {
  private readonly redis: Redis & DecideCommand;
  private queue: Pending[] = [];
  private flushScheduled = false;

  constructor(private readonly config: RedisLimitsConfig) {
    this.redis = new Redis(config.url, {
      enableOfflineQueue: false,
      commandTimeout: config.timeoutMs,
      maxRetriesPerRequest: 0,
      connectTimeout: Math.max(1000, config.timeoutMs),
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
      lazyConnect: false,
    }) as Redis & DecideCommand;
    this.redis.defineCommand('portierDecide', { lua: redisDecideScript });
    // Errors are handled per decision; without a listener ioredis would report them as unhandled.
    this.redis.on('error', () => undefined);
  }

  decide(checks: readonly LimitCheck[], cost: number, now: number): Promise<LimitDecision> {
    return new Promise((resolve, reject) => {
      this.queue.push({ checks, cost, now, ends: [], resolve, reject });
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
    if (this.redis.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        resolve(false);
      }, waitMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.redis.once('ready', onReady);
    });
  }

  close(): void {
    this.redis.disconnect();
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, maxBatch);
      this.send(batch);
    }
  }

  private send(batch: Pending[]): void {
    const keys: string[] = [];
    const args: (string | number)[] = [batch.length];
    for (const pending of batch) {
      args.push(pending.cost, pending.now, pending.checks.length);
      for (const check of pending.checks) {
        const bounds = check.limit.window.boundsAt(pending.now);
        keys.push(this.keyOf(check.counterKey));
        args.push(check.limit.limit, bounds.start, bounds.end, check.limit.sliding ? 1 : 0);
        pending.ends.push(bounds.end);
      }
    }
    this.redis.portierDecide(keys.length, ...keys, ...args).then(
      (reply) => {
        let at = 0;
        for (const pending of batch) {
          const refused = Number(reply[at]);
          const waitMs = Number(reply[at + 1]);
          const states: LimitState[] = pending.checks.map((check, i) => ({
            limit: check.limit,
            remaining: Number(reply[at + 2 + i]),
            resetAt: pending.ends[i] as number,
          }));
          at += 2 + pending.checks.length;
          pending.resolve(
            refused === 0
              ? { admitted: true, states }
              : { admitted: false, states, rejectedBy: (pending.checks[refused - 1] as LimitCheck).limit, retryAfterMs: waitMs },
          );
        }
      },
      (error: unknown) => {
        for (const pending of batch) pending.reject(error);
      },
    );
  }

  /** `prefix{subject}:namespace:name`: the hash tag keeps one subject's counters in one slot. */
  private keyOf(counterKey: string): string {
    const bar = counterKey.indexOf('|');
    const scope = bar === -1 ? counterKey : counterKey.slice(0, bar);
    const subject = bar === -1 ? '' : counterKey.slice(bar + 1);
    return `${this.config.keyPrefix}{${subject}}:${scope}`;
  }
}
