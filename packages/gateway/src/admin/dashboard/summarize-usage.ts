import type { LatencyRow, UsageOwner, UsageRow } from '../../usage/usage-types.js';
import { addBuckets, latencyPercentiles, type LatencyPercentiles } from './latency-percentiles.js';

/** One minute, epoch ms. */
const minuteMs = 60_000;

/** How many accounts the "top accounts" and "refusals by account" lists show. */
export const topAccountCount = 10;

/** A count over the whole range and per minute (aligned with `UsageSummary.minutes`). */
export interface Series {
  readonly total: number;
  readonly perMinute: readonly number[];
}

/** What the dashboard's usage panels show, ready to draw: every list sorted, biggest first. */
export interface UsageSummary {
  /** Start of each minute shown, epoch ms, oldest first. */
  readonly minutes: readonly number[];
  readonly requests: Series;
  readonly errors: Series;
  /** Per status class: `2xx`, `3xx`, `4xx`, `5xx`. */
  readonly byClass: Readonly<Record<'2xx' | '3xx' | '4xx' | '5xx', Series>>;
  readonly byStatus: readonly { readonly status: number; readonly count: number }[];
  readonly errorsByCode: readonly (Series & { readonly code: string; readonly owner: UsageOwner | '' })[];
  readonly errorsByOwner: readonly (Series & { readonly owner: UsageOwner })[];
  readonly byRoute: readonly { readonly route: string; readonly requests: number; readonly errors: number; readonly meanMs: number; readonly requestsPerMinute: readonly number[]; readonly errorsPerMinute: readonly number[] }[];
  /** 429 (rate limited) and 402 (plan) answers by account, the accounts with most of them first. */
  readonly refusalsByAccount: readonly { readonly account: string; readonly rateLimited: number; readonly paymentRequired: number }[];
  readonly topAccounts: readonly { readonly account: string; readonly requests: number; readonly errors: number }[];
  readonly latency: { readonly overall: LatencyPercentiles; readonly perMinute: readonly (LatencyPercentiles & { readonly minute: number })[] };
}

export const owners: readonly UsageOwner[] = ['client', 'gateway', 'config', 'upstream', 'capacity'];

/** The minute starts of the last `minutes` minutes up to the one `now` is in. */
export function minutesEndingAt(now: number, minutes: number): number[] {
  const last = Math.floor(now / minuteMs) * minuteMs;
  return Array.from({ length: minutes }, (_, i) => last - (minutes - 1 - i) * minuteMs);
}

/** Sums usage and latency rows into the dashboard's panels, over `minutes` (as `minutesEndingAt` gives). */
export function summarizeUsage(minutes: readonly number[], rows: readonly UsageRow[], latency: readonly LatencyRow[]): UsageSummary {
  const first = minutes[0] ?? 0;
  const slot = (minute: number): number => Math.floor((minute - first) / minuteMs);
  const inRange = (minute: number): boolean => slot(minute) >= 0 && slot(minute) < minutes.length;
  const series = (): { total: number; perMinute: number[] } => ({ total: 0, perMinute: minutes.map(() => 0) });
  const bump = (target: { total: number; perMinute: number[] }, minute: number, count: number): void => {
    target.total += count;
    target.perMinute[slot(minute)] = (target.perMinute[slot(minute)] ?? 0) + count;
  };
  const requests = series();
  const errors = series();
  const byClass = { '2xx': series(), '3xx': series(), '4xx': series(), '5xx': series() };
  const byStatus = new Map<number, number>();
  const byCode = new Map<string, ReturnType<typeof series> & { code: string; owner: UsageOwner | '' }>();
  const byOwner = new Map<UsageOwner, ReturnType<typeof series>>(owners.map((owner) => [owner, series()]));
  const byRoute = new Map<string, { route: string; requests: number; errors: number; totalMs: number; requestsPerMinute: number[]; errorsPerMinute: number[] }>();
  const byAccount = new Map<string, { account: string; requests: number; errors: number; rateLimited: number; paymentRequired: number }>();
  for (const row of rows) {
    if (!inRange(row.minute)) continue;
    const isError = row.status >= 400;
    bump(requests, row.minute, row.count);
    const statusClass = `${Math.min(5, Math.max(2, Math.floor(row.status / 100)))}xx` as keyof typeof byClass;
    bump(byClass[statusClass], row.minute, row.count);
    byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + row.count);
    const route = byRoute.get(row.route) ?? { route: row.route, requests: 0, errors: 0, totalMs: 0, requestsPerMinute: minutes.map(() => 0), errorsPerMinute: minutes.map(() => 0) };
    byRoute.set(row.route, route);
    route.requests += row.count;
    route.totalMs += row.totalMs;
    route.requestsPerMinute[slot(row.minute)] = (route.requestsPerMinute[slot(row.minute)] ?? 0) + row.count;
    if (row.account !== '') {
      const account = byAccount.get(row.account) ?? { account: row.account, requests: 0, errors: 0, rateLimited: 0, paymentRequired: 0 };
      byAccount.set(row.account, account);
      account.requests += row.count;
      if (isError) account.errors += row.count;
      if (row.status === 429) account.rateLimited += row.count;
      if (row.status === 402) account.paymentRequired += row.count;
    }
    if (!isError) continue;
    bump(errors, row.minute, row.count);
    route.errors += row.count;
    route.errorsPerMinute[slot(row.minute)] = (route.errorsPerMinute[slot(row.minute)] ?? 0) + row.count;
    // An upstream's own error answer has no catalog code: it shows as its status.
    const code = row.code === '' ? `HTTP ${row.status}` : row.code;
    const entry = byCode.get(code) ?? { ...series(), code, owner: row.owner };
    byCode.set(code, entry);
    bump(entry, row.minute, row.count);
    const owner = byOwner.get(row.owner === '' ? 'upstream' : row.owner);
    if (owner !== undefined) bump(owner, row.minute, row.count);
  }
  const accounts = [...byAccount.values()];
  const overall: number[] = [];
  const perMinuteBuckets = minutes.map((): number[] => []);
  for (const row of latency) {
    if (!inRange(row.minute)) continue;
    addBuckets(overall, row.buckets);
    addBuckets(perMinuteBuckets[slot(row.minute)] as number[], row.buckets);
  }
  return {
    minutes,
    requests,
    errors,
    byClass,
    byStatus: [...byStatus].map(([status, count]) => ({ status, count })).sort((a, b) => a.status - b.status),
    errorsByCode: [...byCode.values()].sort((a, b) => b.total - a.total || a.code.localeCompare(b.code)),
    errorsByOwner: owners.map((owner) => ({ owner, ...(byOwner.get(owner) as ReturnType<typeof series>) })),
    byRoute: [...byRoute.values()]
      .sort((a, b) => b.requests - a.requests || a.route.localeCompare(b.route))
      .map((route) => ({
        route: route.route,
        requests: route.requests,
        errors: route.errors,
        meanMs: route.requests === 0 ? 0 : Math.round((route.totalMs / route.requests) * 10) / 10,
        requestsPerMinute: route.requestsPerMinute,
        errorsPerMinute: route.errorsPerMinute,
      })),
    refusalsByAccount: accounts
      .filter((account) => account.rateLimited + account.paymentRequired > 0)
      .sort((a, b) => b.rateLimited + b.paymentRequired - (a.rateLimited + a.paymentRequired) || a.account.localeCompare(b.account))
      .slice(0, topAccountCount)
      .map(({ account, rateLimited, paymentRequired }) => ({ account, rateLimited, paymentRequired })),
    topAccounts: accounts
      .sort((a, b) => b.requests - a.requests || a.account.localeCompare(b.account))
      .slice(0, topAccountCount)
      .map(({ account, requests: count, errors: failed }) => ({ account, requests: count, errors: failed })),
    latency: { overall: latencyPercentiles(overall), perMinute: perMinuteBuckets.map((buckets, i) => ({ minute: minutes[i] as number, ...latencyPercentiles(buckets) })) },
  };
}
