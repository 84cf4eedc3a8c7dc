import { latencyBucketsMs } from '../../usage/usage-types.js';

/** Percentiles of one set of bucket counts, ms; `null` while nothing was counted. */
export interface LatencyPercentiles {
  readonly count: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
}

/**
 * Reads percentiles off fixed latency buckets: each is the upper bound of the bucket the quantile falls
 * in (so "p99 ≤ 200 ms"), the honest reading of a histogram. A quantile in the last, open bucket is
 * reported as that bucket's lower bound, the largest bound there is.
 */
export function latencyPercentiles(buckets: readonly number[]): LatencyPercentiles {
  const count = buckets.reduce((sum, value) => sum + value, 0);
  if (count === 0) return { count, p50: null, p90: null, p99: null };
  return { count, p50: quantile(buckets, count, 0.5), p90: quantile(buckets, count, 0.9), p99: quantile(buckets, count, 0.99) };
}

function quantile(buckets: readonly number[], count: number, q: number): number {
  // The rank of the q-th request, 1-based: the median of 4 requests is the 2nd.
  const rank = Math.max(1, Math.ceil(q * count));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i] ?? 0;
    if (seen >= rank) return latencyBucketsMs[Math.min(i, latencyBucketsMs.length - 1)] as number;
  }
  return latencyBucketsMs[latencyBucketsMs.length - 1] as number;
}

/** Adds bucket counts together (several routes, or several minutes). */
export function addBuckets(into: number[], more: readonly number[]): number[] {
  for (let i = 0; i < more.length; i++) into[i] = (into[i] ?? 0) + (more[i] ?? 0);
  return into;
}
