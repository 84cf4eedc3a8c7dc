import type { Logger } from '../../log/create-logger.js';
import type { LimitCheck, LimitDecision, LocalCounters } from './local-counters.js';
import type { RedisCounters } from './redis-counters.js';

/** What the rate-limit stage gets back: a decision, or "the shared store is down and a limit says refuse". */
export type CounterAnswer = LimitDecision | { readonly unavailable: true };

/** Where counts are kept and, for Redis, whether it is answering; for the admin status. */
export interface CounterStatus {
  readonly store: 'local' | 'redis';
  readonly available: boolean;
  /** Requests decided without Redis (by each limit's `whenStoreDown`) since the start. */
  readonly fallbackDecisions: number;
  readonly trackedLocalCounters: number;
}

/** Counts a request, in the shared store when there is one. */
export interface CounterBackend {
  decide(checks: readonly LimitCheck[], cost: number, now: number): CounterAnswer | Promise<CounterAnswer>;
  status(): CounterStatus;
}

/** The embedded backend: in-process counters only. */
export function localBackend(local: LocalCounters): CounterBackend {
  return {
    decide: (checks, cost, now) => local.decide(checks, cost, now),
    status: () => ({ store: 'local', available: true, fallbackDecisions: 0, trackedLocalCounters: local.size }),
  };
}

/**
 * Redis first; while Redis is down (see RedisCounters for what "down" means: a closed connection, a
 * failed call, or a call stalled for `timeoutMs` of time the gateway was free), each limit does what
 * its config says: `open` is skipped, `closed` makes the request 503, `local` is counted in the process
 * with its limit divided by the replica count. Each request is decided once, by Redis or by the
 * fallback. The switch to fallback and the recovery are logged once each, with a count of the requests
 * decided without Redis.
 */
export class RedisBackend implements CounterBackend {
  private fallbackDecisions = 0;

  constructor(
    private readonly redis: RedisCounters,
    private readonly local: LocalCounters,
    private readonly logger: Logger,
  ) {
    redis.onHealth({
      down: (reason) => this.logger.error({ err: reason }, 'rate-limit store unavailable: limits follow their whenStoreDown policy'),
      up: () => this.logger.warn({ fallbackDecisions: this.fallbackDecisions }, 'rate-limit store recovered: counting in Redis again'),
    });
  }

  decide(checks: readonly LimitCheck[], cost: number, now: number): CounterAnswer | Promise<CounterAnswer> {
    if (!this.redis.available) return this.fallback(checks, cost, now);
    return this.redis.decide(checks, cost, now).catch(() => this.fallback(checks, cost, now));
  }

  status(): CounterStatus {
    return { store: 'redis', available: this.redis.available, fallbackDecisions: this.fallbackDecisions, trackedLocalCounters: this.local.size };
  }

  private fallback(checks: readonly LimitCheck[], cost: number, now: number): CounterAnswer {
    this.fallbackDecisions++;
    if (checks.some((check) => check.limit.whenStoreDown === 'closed')) return { unavailable: true };
    const localChecks: LimitCheck[] = [];
    for (const check of checks) {
      if (check.limit.whenStoreDown === 'local') localChecks.push({ limit: check.limit.localFallback ?? check.limit, counterKey: check.counterKey });
    }
    return this.local.decide(localChecks, cost, now);
  }
}
