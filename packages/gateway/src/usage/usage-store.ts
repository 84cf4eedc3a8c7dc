import type { UsageBatch } from './usage-meter.js';
import type { LatencyRow, RecentError, UsageRange, UsageRow } from './usage-types.js';

/** Where flushed usage lives (SQLite or PostgreSQL): additive writes, so several gateways add up. */
export interface UsageStore {
  /** Adds a batch in one transaction (counts add to rows already there) and keeps the newest `keepErrors` errors per account it touched. */
  write(batch: UsageBatch, keepErrors: number): Promise<void>;
  rows(range: UsageRange & { readonly account?: string }): Promise<readonly UsageRow[]>;
  latency(range: UsageRange & { readonly route?: string }): Promise<readonly LatencyRow[]>;
  recentErrors(query: { readonly account?: string; readonly limit: number; readonly correlationId?: string }): Promise<readonly RecentError[]>;
  /** Deletes rows and errors older than `before` (epoch ms). */
  sweep(before: number): Promise<void>;
  close(): void;
}
