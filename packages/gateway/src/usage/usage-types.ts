/**
 * Usage metering: what the gateway counts per minute and what the dashboard, the portal and
 * `portier usage export` read back. The gateway counts in memory and flushes in batches to the
 * deployment's store (SQLite or PostgreSQL), so several gateways on one store add up.
 */

/** Who an answer is about, as the catalog says for its code (an upstream's own answer is `upstream`). */
export type UsageOwner = 'client' | 'gateway' | 'config' | 'upstream' | 'capacity';

/** One minute of one (account, key, route, status, code) combination, summed over every gateway. */
export interface UsageRow {
  /** Start of the minute, epoch ms (a multiple of 60,000). */
  readonly minute: number;
  /** Account id, or '' when the request was not keyed (refused before, or an open route). */
  readonly account: string;
  /** Key id, or '' as for `account`. */
  readonly keyId: string;
  /** Route id, or '' when no route matched. */
  readonly route: string;
  /** The HTTP status answered (499 when the client left first). */
  readonly status: number;
  /** The catalog code of an error answer, or '' (a success, or an upstream's own answer). */
  readonly code: string;
  /** Set for an error answer (status >= 400); '' otherwise. */
  readonly owner: UsageOwner | '';
  /** Requests in this minute with these values. */
  readonly count: number;
  /** Sum of their total times, ms (for the mean). */
  readonly totalMs: number;
}

/** One error answer kept for the key holder's portal and the dashboard's search (the last ones per account). */
export interface RecentError {
  /** When it was answered, epoch ms. */
  readonly at: number;
  readonly correlationId: string;
  readonly account: string;
  readonly keyId: string;
  readonly route: string;
  readonly method: string;
  /** The path without its query string (where secrets travel). */
  readonly path: string;
  readonly status: number;
  readonly code: string;
}

/** Latency of one route (or all, route '') over one minute: fixed buckets, so gateways add up. */
export interface LatencyRow {
  readonly minute: number;
  readonly route: string;
  /** Counts per bucket; the bucket bounds are `latencyBucketsMs` (the last bucket is everything above). */
  readonly buckets: readonly number[];
}

/** Upper bounds of the latency buckets, ms. */
export const latencyBucketsMs: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000];

/** A time range, epoch ms, `from` included and `to` excluded. */
export interface UsageRange {
  readonly from: number;
  readonly to: number;
}

/** What the screens and the export read: flushed rows plus what this gateway has not flushed yet. */
export interface UsageReader {
  /** Every row in the range, ordered by minute; `account` narrows to one account (the portal). */
  rows(range: UsageRange & { readonly account?: string }): Promise<readonly UsageRow[]>;
  /** Latency rows in the range (route '' for all routes together), ordered by minute. */
  latency(range: UsageRange & { readonly route?: string }): Promise<readonly LatencyRow[]>;
  /** The newest error answers of one account (or of every account when `account` is undefined), newest first. */
  recentErrors(query: { readonly account?: string; readonly limit: number; readonly correlationId?: string }): Promise<readonly RecentError[]>;
}
