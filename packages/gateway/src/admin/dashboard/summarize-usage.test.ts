import { describe, expect, it } from 'vitest';
import type { LatencyRow, UsageRow } from '../../usage/usage-types.js';
import { latencyPercentiles } from './latency-percentiles.js';
import { minutesEndingAt, summarizeUsage } from './summarize-usage.js';
import { dashboardAssetName } from './dashboard-asset-name.js';

const t0 = Date.UTC(2026, 0, 1, 12, 0);
const row = (fields: Partial<UsageRow>): UsageRow => ({ minute: t0, account: '', keyId: '', route: 'rows', status: 200, code: '', owner: '', count: 1, totalMs: 10, ...fields });
/** Bucket counts with `count` requests in the bucket of index `index`. */
const buckets = (...pairs: [number, number][]): number[] => {
  const counts = new Array<number>(15).fill(0);
  for (const [index, count] of pairs) counts[index] = count;
  return counts;
};

describe('latency percentiles', () => {
  it('latency percentiles: reads each percentile as the upper bound of the bucket its rank falls in', () => {
    // 100 requests: 50 in ≤ 5 ms, 40 in ≤ 20 ms, 9 in ≤ 100 ms, 1 in ≤ 1000 ms.
    expect(latencyPercentiles(buckets([2, 50], [4, 40], [6, 9], [9, 1]))).toEqual({ count: 100, p50: 5, p90: 20, p99: 100 });
  });

  it('latency percentiles: the 51st of 100 moves the median to the next bucket', () => {
    expect(latencyPercentiles(buckets([2, 49], [4, 51])).p50).toBe(20);
    expect(latencyPercentiles(buckets([2, 50], [4, 50])).p50).toBe(5);
  });

  it('latency percentiles: is null with no request, and the largest bound for the open last bucket', () => {
    expect(latencyPercentiles(buckets())).toEqual({ count: 0, p50: null, p90: null, p99: null });
    expect(latencyPercentiles(buckets([14, 3]))).toMatchObject({ p50: 30000, p99: 30000 });
  });
});

describe('usage summary', () => {
  it('usage summary: lists the minutes ending with the one now is in', () => {
    expect(minutesEndingAt(t0 + 59_999, 3)).toEqual([t0 - 120_000, t0 - 60_000, t0]);
  });

  it('usage summary: sums requests and errors per minute, by class, code, owner, route and account', () => {
    const minutes = minutesEndingAt(t0 + 60_000, 2);
    const rows = [
      row({ count: 5, account: 'acc_a', totalMs: 50 }),
      row({ minute: t0 + 60_000, status: 429, code: 'rate_limited', owner: 'client', account: 'acc_a', count: 2, totalMs: 2 }),
      row({ minute: t0 + 60_000, status: 402, code: 'plan_excludes_route', owner: 'client', account: 'acc_b', count: 1 }),
      row({ minute: t0 + 60_000, status: 502, code: 'bad_gateway', owner: 'upstream', route: 'down', count: 3 }),
      row({ minute: t0 + 60_000, status: 500, code: '', owner: 'upstream', route: 'down', count: 1 }),
      row({ minute: t0 - 60_000, count: 99 }),
    ];
    const summary = summarizeUsage(minutes, rows, []);
    expect(summary.requests).toEqual({ total: 12, perMinute: [5, 7] });
    expect(summary.errors).toEqual({ total: 7, perMinute: [0, 7] });
    expect(summary.byClass['4xx'].perMinute).toEqual([0, 3]);
    expect(summary.byClass['5xx'].total).toBe(4);
    expect(summary.errorsByCode.map((code) => [code.code, code.total])).toEqual([['bad_gateway', 3], ['rate_limited', 2], ['HTTP 500', 1], ['plan_excludes_route', 1]]);
    expect(Object.fromEntries(summary.errorsByOwner.map((owner) => [owner.owner, owner.total]))).toEqual({ client: 3, gateway: 0, config: 0, upstream: 4, capacity: 0 });
    expect(summary.byRoute).toEqual([
      { route: 'rows', requests: 8, errors: 3, meanMs: 7.8, requestsPerMinute: [5, 3], errorsPerMinute: [0, 3] },
      { route: 'down', requests: 4, errors: 4, meanMs: 5, requestsPerMinute: [0, 4], errorsPerMinute: [0, 4] },
    ]);
    expect(summary.refusalsByAccount).toEqual([
      { account: 'acc_a', rateLimited: 2, paymentRequired: 0 },
      { account: 'acc_b', rateLimited: 0, paymentRequired: 1 },
    ]);
    expect(summary.topAccounts).toEqual([
      { account: 'acc_a', requests: 7, errors: 2 },
      { account: 'acc_b', requests: 1, errors: 1 },
    ]);
    expect(summary.byStatus).toEqual([{ status: 200, count: 5 }, { status: 402, count: 1 }, { status: 429, count: 2 }, { status: 500, count: 1 }, { status: 502, count: 3 }]);
  });

  it('usage summary: adds latency buckets per minute and over the range', () => {
    const minutes = minutesEndingAt(t0 + 60_000, 2);
    const latency: LatencyRow[] = [
      { minute: t0, route: '', buckets: buckets([2, 10]) },
      { minute: t0 + 60_000, route: '', buckets: buckets([6, 10]) },
    ];
    const summary = summarizeUsage(minutes, [], latency);
    expect(summary.latency.overall).toEqual({ count: 20, p50: 5, p90: 100, p99: 100 });
    expect(summary.latency.perMinute.map((minute) => minute.p50)).toEqual([5, 100]);
  });
});

describe('dashboard asset names', () => {
  it('dashboard assets: maps /dashboard and /dashboard/ to the page, a file name to itself, and nothing else', () => {
    expect(dashboardAssetName('/dashboard')).toBe('index.html');
    expect(dashboardAssetName('/dashboard/')).toBe('index.html');
    expect(dashboardAssetName('/dashboard/charts.js')).toBe('charts.js');
    expect(dashboardAssetName('/dashboard/../admin')).toBe('../admin');
    expect(dashboardAssetName('/dashboards')).toBeUndefined();
    expect(dashboardAssetName('/admin/dashboard/summary')).toBeUndefined();
  });
});
