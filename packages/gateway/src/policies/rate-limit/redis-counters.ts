import { Redis } from 'ioredis';
import type { RedisLimitsConfig } from '../../config/config-types.js';
import type { LimitCheck, LimitDecision, LimitState } from './local-counters.js';
import { redisDecideScript } from './redis-decide.lua.js';
import { boundsAt } from './window.js';

interface DecideCommand {
  portierDecide(...args: (string | number)[]): Promise<number[]>;
}

/**
 * Counters shared by every gateway through Redis: one script call per decision, pipelined with the
 * other requests of the same tick (ioredis auto-pipelining). Keys carry a hash tag of their subject, so
 * counters of one subject (a base's minute and day) live in one Redis Cluster slot. Fails fast (no
 * offline queue, a command timeout) so the failure policy can act.
 */
export class RedisCounters {
  private readonly redis: Redis & DecideCommand;

  constructor(private readonly config: RedisLimitsConfig) {
    this.redis = new Redis(config.url, {
      enableAutoPipelining: true,
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

  async decide(checks: readonly LimitCheck[], cost: number, now: number): Promise<LimitDecision> {
    const keys: string[] = [];
    const args: (string | number)[] = [cost, now];
    const ends: number[] = [];
    for (const check of checks) {
      const bounds = boundsAt(check.limit.spec, now);
      keys.push(this.keyOf(check.counterKey));
      args.push(check.limit.limit, bounds.start, bounds.end, check.limit.sliding ? 1 : 0);
      ends.push(bounds.end);
    }
    const reply = await this.redis.portierDecide(keys.length, ...keys, ...args);
    const states: LimitState[] = checks.map((check, i) => ({ limit: check.limit, remaining: Number(reply[i + 2]), resetAt: ends[i] as number }));
    const refused = Number(reply[0]);
    if (refused === 0) return { admitted: true, states };
    return { admitted: false, states, rejectedBy: (checks[refused - 1] as LimitCheck).limit, retryAfterMs: Number(reply[1]) };
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

  /** `prefix{subject}:namespace:name`: the hash tag keeps one subject's counters in one slot. */
  private keyOf(counterKey: string): string {
    const bar = counterKey.indexOf('|');
    const scope = bar === -1 ? counterKey : counterKey.slice(0, bar);
    const subject = bar === -1 ? '' : counterKey.slice(bar + 1);
    return `${this.config.keyPrefix}{${subject}}:${scope}`;
  }
}
