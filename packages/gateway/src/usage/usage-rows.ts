import { latencyBucketsMs, type LatencyRow, type RecentError, type UsageOwner, type UsageRow } from './usage-types.js';

/** A usage row as both stores return it (snake_case columns). */
export interface StoredUsageRow {
  minute: number;
  account_id: string;
  key_id: string;
  route_id: string;
  status: number;
  code: string;
  owner: string;
  count: number;
  total_ms: number;
}

export interface StoredBucketRow {
  minute: number;
  route_id: string;
  bucket: number;
  count: number;
}

export interface StoredErrorRow {
  at: number;
  correlation_id: string;
  account_id: string;
  key_id: string;
  route_id: string;
  method: string;
  path: string;
  status: number;
  code: string;
}

export function toUsageRow(row: StoredUsageRow): UsageRow {
  return {
    minute: Number(row.minute),
    account: row.account_id,
    keyId: row.key_id,
    route: row.route_id,
    status: Number(row.status),
    code: row.code,
    owner: row.owner as UsageOwner | '',
    count: Number(row.count),
    totalMs: Number(row.total_ms),
  };
}

export function toRecentError(row: StoredErrorRow): RecentError {
  return {
    at: Number(row.at),
    correlationId: row.correlation_id,
    account: row.account_id,
    keyId: row.key_id,
    route: row.route_id,
    method: row.method,
    path: row.path,
    status: Number(row.status),
    code: row.code,
  };
}

/** Bucket rows (one per non-empty bucket, ordered by minute and route) folded into latency rows. */
export function toLatencyRows(rows: readonly StoredBucketRow[]): LatencyRow[] {
  const out: { minute: number; route: string; buckets: number[] }[] = [];
  let last: { minute: number; route: string; buckets: number[] } | undefined;
  for (const row of rows) {
    const minute = Number(row.minute);
    if (last === undefined || last.minute !== minute || last.route !== row.route_id) {
      last = { minute, route: row.route_id, buckets: new Array<number>(latencyBucketsMs.length + 1).fill(0) };
      out.push(last);
    }
    const index = Number(row.bucket);
    if (index >= 0 && index < last.buckets.length) last.buckets[index] = (last.buckets[index] as number) + Number(row.count);
  }
  return out;
}

/** Key of a usage row's combination within its minute. */
export function usageKey(row: UsageRow): string {
  return `${row.minute}\n${row.account}\n${row.keyId}\n${row.route}\n${row.status}\n${row.code}`;
}

/** Store rows plus rows held in memory, summed per combination, ordered by minute. */
export function mergeRows(stored: readonly UsageRow[], held: readonly UsageRow[]): UsageRow[] {
  if (held.length === 0) return [...stored];
  const byKey = new Map<string, UsageRow>();
  for (const row of [...stored, ...held]) {
    const key = usageKey(row);
    const seen = byKey.get(key);
    byKey.set(key, seen === undefined ? row : { ...seen, count: seen.count + row.count, totalMs: seen.totalMs + row.totalMs });
  }
  return [...byKey.values()].sort((a, b) => a.minute - b.minute);
}

export function mergeLatency(stored: readonly LatencyRow[], held: readonly LatencyRow[]): LatencyRow[] {
  if (held.length === 0) return [...stored];
  const byKey = new Map<string, LatencyRow>();
  for (const row of [...stored, ...held]) {
    const key = `${row.minute}\n${row.route}`;
    const seen = byKey.get(key);
    byKey.set(key, seen === undefined ? row : { ...seen, buckets: seen.buckets.map((count, index) => count + (row.buckets[index] ?? 0)) });
  }
  return [...byKey.values()].sort((a, b) => a.minute - b.minute || (a.route < b.route ? -1 : a.route > b.route ? 1 : 0));
}
