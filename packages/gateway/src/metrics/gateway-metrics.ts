import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Operations } from '../operations/operations.js';
import type { RequestContext } from '../pipeline/request-context.js';
import type { CircuitState } from '../policies/proxy/circuit-breaker.js';
import type { UpstreamClient } from '../policies/proxy/upstream-client.js';
import type { CounterBackend } from '../policies/rate-limit/shared-counters.js';
import type { KeyDirectory } from '../accounts/key-directory.js';
import type { LocalCounters } from '../policies/rate-limit/local-counters.js';
import type { RecentLogLines } from '../log/recent-log-lines.js';
import { RouteDurationHistogram } from './route-duration-histogram.js';

export interface MetricSources {
  readonly counters: CounterBackend;
  readonly upstreams: ReadonlyMap<string, UpstreamClient>;
  readonly operations: Operations | undefined;
  readonly clock: Clock;
  /** Per-caller memory whose bounds are reported (see `registerMemoryBounds`). */
  readonly keys?: KeyDirectory | undefined;
  readonly localCounters?: LocalCounters | undefined;
  /** The dashboard's ring of recent log lines, when there is an admin listener. */
  readonly recentLines?: RecentLogLines | undefined;
}

const circuitStateValues: Readonly<Record<CircuitState, number>> = { closed: 0, open: 1, 'half-open': 2 };

/** Seconds: from a cache hit (well under a millisecond) to an upstream at its timeout. */
const durationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Requests of one route, method and status counted since the last scrape. */
interface RequestTally {
  readonly labels: { readonly route: string; readonly method: string; readonly status: string };
  pending: number;
}

/**
 * Prometheus metrics of one gateway, in its own registry (never prom-client's global one). Per request:
 * a tally in a Map (prom-client's `inc` validates and hashes the labels on every call: the tallies
 * are handed to it at scrape time instead), the same for an error's code, and one observation of the
 * duration histogram, which keeps its buckets in a typed array per route and is exported in
 * prom-client's format. The rate-limit store, circuit breakers and the operation queue are read at
 * scrape time.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly duration: RouteDurationHistogram;
  /** Every tally, in the order first counted (the order prom-client shows them in). */
  private readonly requestTallies: RequestTally[] = [];
  /** The same tallies by route, method and status: no key string to build and hash per request. */
  private readonly tallyIndex = new Map<string, Map<string, Map<number, RequestTally>>>();
  /** Errors answered since the last scrape, by catalog code. */
  private readonly errorTallies = new Map<string, number>();

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    const tallies = this.requestTallies;
    new Counter({
      name: 'portier_requests_total',
      help: 'Requests answered, by route, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
      collect() {
        for (const tally of tallies) {
          if (tally.pending === 0) continue;
          this.inc(tally.labels, tally.pending);
          tally.pending = 0;
        }
      },
    });
    const errorTallies = this.errorTallies;
    new Counter({
      name: 'portier_errors_total',
      help: 'Catalogued errors answered, by code.',
      labelNames: ['code'],
      registers,
      collect() {
        for (const [code, pending] of errorTallies) this.inc({ code }, pending);
        errorTallies.clear();
      },
    });
    this.duration = new RouteDurationHistogram('portier_request_duration_seconds', 'Time from request to the end of the answer, by route.', durationBuckets, this.registry);
    new Gauge({
      name: 'portier_rate_limit_store_up',
      help: '1 when the rate-limit store answers (always 1 for in-process counters), 0 while limits follow their whenStoreDown policy.',
      registers,
      collect() {
        this.set(sources.counters.status().available ? 1 : 0);
      },
    });
    new Gauge({
      name: 'portier_rate_limit_fallback_decisions',
      help: 'Rate-limit decisions taken without the shared store since start (its failure policy applied).',
      registers,
      collect() {
        this.set(sources.counters.status().fallbackDecisions);
      },
    });
    new Gauge({
      name: 'portier_circuit_open',
      help: '1 while the circuit breaker of an upstream is open.',
      labelNames: ['upstream'],
      registers,
      collect() {
        for (const [name, upstream] of sources.upstreams) this.set({ upstream: name }, upstream.breaker.isOpen ? 1 : 0);
      },
    });
    new Gauge({
      name: 'portier_circuit_state',
      help: 'State of the circuit breaker of an upstream: 0 closed, 1 open, 2 half-open (the open time is over, one trial may go).',
      labelNames: ['upstream'],
      registers,
      collect() {
        for (const [name, upstream] of sources.upstreams) this.set({ upstream: name }, circuitStateValues[upstream.breaker.state]);
      },
    });
    new Counter({
      name: 'portier_circuit_opens_total',
      help: 'Times the circuit breaker of an upstream opened (a failed trial reopening it counts).',
      labelNames: ['upstream'],
      registers,
      collect() {
        // The breaker keeps the count; the counter shows it at scrape time.
        this.reset();
        for (const [name, upstream] of sources.upstreams) this.inc({ upstream: name }, upstream.breaker.opens);
      },
    });
    const operations = sources.operations;
    if (operations !== undefined) {
      // Both queue gauges read the same stats: one query per scrape, not one per gauge.
      let last: { at: number; stats: ReturnType<typeof operations.store.stats> } | undefined;
      const stats = (): ReturnType<typeof operations.store.stats> => {
        const now = sources.clock.now();
        if (last === undefined || now - last.at > 1000) last = { at: now, stats: operations.store.stats(now) };
        return last.stats;
      };
      new Gauge({
        name: 'portier_operations',
        help: 'Asynchronous operations in the queue, by status.',
        labelNames: ['status'],
        registers,
        async collect() {
          for (const [status, count] of Object.entries((await stats()).byStatus)) this.set({ status }, count);
        },
      });
      new Gauge({
        name: 'portier_operations_oldest_pending_seconds',
        help: 'Age of the oldest pending operation (0 when none).',
        registers,
        async collect() {
          this.set((await stats()).oldestPendingSeconds);
        },
      });
    }
    registerMemoryBounds(sources, registers);
    collectDefaultMetrics({ register: this.registry, prefix: 'portier_' });
  }

  /** Counts one finished request (its outcome fixed by `ctx.settle`). */
  observe(ctx: RequestContext): void {
    const route = ctx.route?.id ?? '(none)';
    const method = ctx.req.method ?? '';
    const status = ctx.status;
    let byMethod = this.tallyIndex.get(route);
    if (byMethod === undefined) this.tallyIndex.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    let tally = byStatus.get(status);
    if (tally === undefined) {
      tally = { labels: { route, method, status: String(status) }, pending: 0 };
      byStatus.set(status, tally);
      this.requestTallies.push(tally);
    }
    tally.pending++;
    this.duration.observe(route, ctx.totalMs / 1000);
    const code = ctx.errorCode;
    if (code !== undefined) this.errorTallies.set(code, (this.errorTallies.get(code) ?? 0) + 1);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * Every in-memory map that grows with callers, its size and what its bound evicted (read at scrape
 * time): the key cache, unknown keys, pending last-used times, in-process rate-limit counters.
 */
function registerMemoryBounds(sources: MetricSources, registers: Registry[]): void {
  const { keys, localCounters, recentLines } = sources;
  if (recentLines !== undefined) {
    new Gauge({
      name: 'portier_recent_log_lines',
      help: 'Log lines kept in memory for the dashboard\'s request search (at most admin.recentLogMaxLines).',
      registers,
      collect() {
        this.set(recentLines.usage().lines);
      },
    });
    new Gauge({
      name: 'portier_recent_log_bytes',
      help: 'Bytes of log text kept in memory for the dashboard\'s request search (at most admin.recentLogMaxBytes).',
      registers,
      collect() {
        this.set(recentLines.usage().bytes);
      },
    });
  }
  if (keys !== undefined) {
    new Gauge({
      name: 'portier_key_cache_entries',
      help: 'Entries in the key cache: `keys` (known keys with their account), `unknown` (ids the store did not know).',
      labelNames: ['cache'],
      registers,
      collect() {
        const stats = keys.stats();
        this.set({ cache: 'keys' }, stats.cachedKeys);
        this.set({ cache: 'unknown' }, stats.unknownKeys);
      },
    });
    new Gauge({
      name: 'portier_key_cache_evictions',
      help: 'Entries dropped from the key cache by its bound (auth.keyCache) since start, by cache.',
      labelNames: ['cache'],
      registers,
      collect() {
        const stats = keys.stats();
        this.set({ cache: 'keys' }, stats.evictedKeys);
        this.set({ cache: 'unknown' }, stats.evictedUnknownKeys);
      },
    });
    new Gauge({
      name: 'portier_key_lookups_running',
      help: 'Store lookups of uncached keys running now (at most auth.keyCache.maxConcurrentLookups).',
      registers,
      collect() {
        this.set(keys.stats().lookupsRunning);
      },
    });
    new Gauge({
      name: 'portier_key_lookups_refused',
      help: 'Requests answered 503 account_store_busy since start (too many store lookups at once).',
      registers,
      collect() {
        this.set(keys.stats().refusedLookups);
      },
    });
    new Gauge({
      name: 'portier_key_cache_stale_fills',
      help: 'Store answers not cached since start because keys changed while they were on their way.',
      registers,
      collect() {
        this.set(keys.stats().staleFills);
      },
    });
    new Gauge({
      name: 'portier_key_usage_pending',
      help: 'Last-used times waiting to be written (at most auth.keyCache.maxPendingUses).',
      registers,
      collect() {
        this.set(keys.stats().pendingUses);
      },
    });
    new Gauge({
      name: 'portier_key_usage_dropped',
      help: 'Last-used times dropped since start because the bound was reached while a write was running.',
      registers,
      collect() {
        this.set(keys.stats().droppedUses);
      },
    });
  }
  if (localCounters !== undefined) {
    new Gauge({
      name: 'portier_rate_limit_local_counters',
      help: 'In-process rate-limit counters held (at most rateLimits.maxTrackedCounters).',
      registers,
      collect() {
        this.set(localCounters.size);
      },
    });
    new Gauge({
      name: 'portier_rate_limit_local_counters_evicted',
      help: 'In-process counters dropped by rateLimits.maxTrackedCounters since start (their counts are forgotten).',
      registers,
      collect() {
        this.set(localCounters.evicted);
      },
    });
  }
}
