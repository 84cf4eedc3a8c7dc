import type { Clock } from '../clock.js';
import type { PortierConfig } from '../config/config-types.js';
import { parseDuration } from '../config/duration.js';
import type { Logger } from '../log/create-logger.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { UsageMeter } from './usage-meter.js';
import { mergeLatency, mergeRows } from './usage-rows.js';
import type { UsageStore } from './usage-store.js';
import type { LatencyRow, RecentError, UsageRange, UsageReader, UsageRow } from './usage-types.js';
import { openUsageStore } from './open-usage-store.js';

/** How often rows older than `usage.retention` are deleted. */
const sweepEveryMs = 10 * 60_000;

/**
 * Usage metering of one gateway: the meter the pipeline records into, the timer that flushes it to the
 * store in batches, the retention sweep, and the reader that adds what is not flushed yet to the
 * store's rows. A failed flush gives its batch back to the meter (bounded by `usage.maxPendingRows`)
 * and is retried at the next interval.
 */
export class UsageMetering implements UsageReader {
  readonly meter: UsageMeter;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly retentionMs: number;
  private readonly keepErrors: number;
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly store: UsageStore,
    settings: PortierConfig['usage'],
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.keepErrors = settings.recentErrors;
    this.meter = new UsageMeter(clock, settings.maxPendingRows, settings.recentErrors);
    this.retentionMs = parseDuration(settings.retention);
    this.flushTimer = setInterval(() => void this.flush(), parseDuration(settings.flushInterval)).unref();
    this.sweepTimer = setInterval(() => void this.sweep(), sweepEveryMs).unref();
  }

  /** Counts one finished request: the pipeline's hot path, in memory only. */
  record(ctx: RequestContext): void {
    this.meter.record(ctx);
  }

  /**
   * Writes what the meter holds in one batch. One flush at a time: a call during a flush waits for it and
   * then flushes again, so that what was counted before the call is written when it resolves. Resolves
   * false when the store refused (the counts are kept for the next try).
   */
  async flush(): Promise<boolean> {
    while (this.flushing !== undefined) await this.flushing;
    if (this.meter.empty) return true;
    const dropped = this.meter.dropped;
    const batch = this.meter.take();
    let ok = true;
    this.flushing = this.store
      .write(batch, this.keepErrors)
      .then(() => this.meter.written())
      .catch((error: unknown) => {
        ok = false;
        this.meter.restore(batch);
        this.meter.dropped += dropped;
        this.logger.warn({ err: errorSummary(error), rows: batch.rows.length }, 'usage flush failed: the counts stay in memory and are written at the next flush');
      })
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
    if (ok && dropped > 0) this.logger.warn({ dropped }, 'usage: requests not counted while the store could not be written (usage.maxPendingRows reached)');
    return ok;
  }

  /** Deletes what is older than `usage.retention`. */
  async sweep(): Promise<void> {
    try {
      await this.store.sweep(this.clock.now() - this.retentionMs);
    } catch (error) {
      this.logger.warn({ err: errorSummary(error) }, 'usage retention sweep failed');
    }
  }

  async rows(range: UsageRange & { readonly account?: string }): Promise<readonly UsageRow[]> {
    const stored = await this.store.rows(range);
    const held = this.meter.snapshot().rows.filter((row) => row.minute >= range.from && row.minute < range.to && (range.account === undefined || row.account === range.account));
    return mergeRows(stored, held);
  }

  async latency(range: UsageRange & { readonly route?: string }): Promise<readonly LatencyRow[]> {
    const stored = await this.store.latency(range);
    const held = this.meter.snapshot().latency.filter((row) => row.minute >= range.from && row.minute < range.to && (range.route === undefined || row.route === range.route));
    return mergeLatency(stored, held);
  }

  async recentErrors(query: { readonly account?: string; readonly limit: number; readonly correlationId?: string }): Promise<readonly RecentError[]> {
    const stored = await this.store.recentErrors(query);
    const held = this.meter
      .snapshot()
      .errors.filter((error) => (query.account === undefined || error.account === query.account) && (query.correlationId === undefined || error.correlationId === query.correlationId));
    if (held.length === 0) return stored;
    return [...held.reverse(), ...stored].sort((a, b) => b.at - a.at).slice(0, query.limit);
  }

  /** Graceful stop: the last flush, then the store closes. Counts a dead store refused are lost here (logged). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.flushTimer);
    clearInterval(this.sweepTimer);
    if (!(await this.flush())) this.logger.error({ rows: this.meter.snapshot().rows.length }, 'usage: the last flush at shutdown failed, these counts are lost');
    this.store.close();
  }
}

/** The metering the config asks for, or undefined when it is off or there is no store to write to. */
export function createUsageMetering(config: PortierConfig, clock: Clock, logger: Logger): UsageMetering | undefined {
  if (!config.usage.enabled) return undefined;
  const store = openUsageStore(config, clock);
  return store === undefined ? undefined : new UsageMetering(store, config.usage, clock, logger);
}

/** An error as logged: its class and message only (a connection string never is). */
function errorSummary(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}
