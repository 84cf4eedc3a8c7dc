import type { Clock } from '../clock.js';
import type { PostgresStoreConfig } from '../config/config-types.js';
import { portierError } from '../errors/portier-error.js';
import { PostgresDatabase, type Migration } from '../postgres/postgres-database.js';
import type { UsageBatch } from './usage-meter.js';
import type { UsageStore } from './usage-store.js';
import { toLatencyRows, toRecentError, toUsageRow, type StoredBucketRow, type StoredErrorRow, type StoredUsageRow } from './usage-rows.js';
import type { LatencyRow, RecentError, UsageRange, UsageRow } from './usage-types.js';

const migrations: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE usage_minutes (
        minute BIGINT NOT NULL,
        account_id TEXT NOT NULL,
        key_id TEXT NOT NULL,
        route_id TEXT NOT NULL,
        status INTEGER NOT NULL,
        code TEXT NOT NULL,
        owner TEXT NOT NULL,
        count BIGINT NOT NULL,
        total_ms DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (minute, account_id, key_id, route_id, status, code)
      );
      CREATE INDEX usage_minutes_account ON usage_minutes(account_id, minute);
      CREATE TABLE usage_latency (
        minute BIGINT NOT NULL,
        route_id TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (minute, route_id, bucket)
      );
      CREATE TABLE usage_errors (
        id BIGSERIAL PRIMARY KEY,
        at BIGINT NOT NULL,
        correlation_id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        key_id TEXT NOT NULL,
        route_id TEXT NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        status INTEGER NOT NULL,
        code TEXT NOT NULL
      );
      CREATE INDEX usage_errors_account ON usage_errors(account_id, at DESC);
      CREATE INDEX usage_errors_correlation ON usage_errors(correlation_id);
      CREATE INDEX usage_errors_at ON usage_errors(at);
    `,
  },
];

/**
 * Usage in the account store's PostgreSQL schema, shared by every gateway on it: each flush is one
 * transaction of three array inserts (`unnest`), counts added with ON CONFLICT so gateways add up.
 */
export class PostgresUsageStore implements UsageStore {
  private readonly db: PostgresDatabase;

  constructor(config: PostgresStoreConfig, clock: Clock) {
    this.db = new PostgresDatabase(config, clock, {
      name: 'usage',
      migrations,
      unavailable: (cause) => portierError('service_unavailable', { service: 'usage-store' }, { cause }),
    });
  }

  write(batch: UsageBatch, keepErrors: number): Promise<void> {
    // Rows in one agreed order (the conflict key's): gateways flushing the same minute's rows at once then
    // lock them in the same order, where each meter's own order would let two of them deadlock.
    const rows = [...batch.rows].sort(byUsageKey);
    const latency = [...batch.latency].sort((a, b) => a.minute - b.minute || compareText(a.route, b.route));
    const { errors } = batch;
    return this.db.transaction(async (client) => {
      if (rows.length > 0) {
        await client.query(
          `INSERT INTO usage_minutes (minute, account_id, key_id, route_id, status, code, owner, count, total_ms)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::bigint[], $9::float8[])
           ON CONFLICT (minute, account_id, key_id, route_id, status, code)
           DO UPDATE SET count = usage_minutes.count + excluded.count, total_ms = usage_minutes.total_ms + excluded.total_ms`,
          columnsOf(rows, ['minute', 'account', 'keyId', 'route', 'status', 'code', 'owner', 'count', 'totalMs']),
        );
      }
      const buckets = latency.flatMap((row) => row.buckets.flatMap((count, bucket) => (count > 0 ? [{ minute: row.minute, route: row.route, bucket, count }] : [])));
      if (buckets.length > 0) {
        await client.query(
          `INSERT INTO usage_latency (minute, route_id, bucket, count)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::bigint[])
           ON CONFLICT (minute, route_id, bucket) DO UPDATE SET count = usage_latency.count + excluded.count`,
          columnsOf(buckets, ['minute', 'route', 'bucket', 'count']),
        );
      }
      if (errors.length > 0) {
        await client.query(
          `INSERT INTO usage_errors (at, correlation_id, account_id, key_id, route_id, method, path, status, code)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[])`,
          columnsOf(errors, ['at', 'correlationId', 'account', 'keyId', 'route', 'method', 'path', 'status', 'code']),
        );
        await client.query(
          `DELETE FROM usage_errors e USING (
             SELECT id, row_number() OVER (PARTITION BY account_id ORDER BY at DESC, id DESC) AS n
             FROM usage_errors WHERE account_id = ANY($1::text[])
           ) ranked
           WHERE e.id = ranked.id AND ranked.n > $2`,
          [[...new Set(errors.map((error) => error.account))], keepErrors],
        );
      }
    });
  }

  rows(range: UsageRange & { readonly account?: string }): Promise<readonly UsageRow[]> {
    return this.db.read(async (client) => {
      const { rows } =
        range.account === undefined
          ? await client.query<StoredUsageRow>('SELECT * FROM usage_minutes WHERE minute >= $1 AND minute < $2 ORDER BY minute', [range.from, range.to])
          : await client.query<StoredUsageRow>('SELECT * FROM usage_minutes WHERE account_id = $3 AND minute >= $1 AND minute < $2 ORDER BY minute', [range.from, range.to, range.account]);
      return rows.map(toUsageRow);
    });
  }

  latency(range: UsageRange & { readonly route?: string }): Promise<readonly LatencyRow[]> {
    return this.db.read(async (client) => {
      const { rows } =
        range.route === undefined
          ? await client.query<StoredBucketRow>('SELECT * FROM usage_latency WHERE minute >= $1 AND minute < $2 ORDER BY minute, route_id, bucket', [range.from, range.to])
          : await client.query<StoredBucketRow>('SELECT * FROM usage_latency WHERE route_id = $3 AND minute >= $1 AND minute < $2 ORDER BY minute, route_id, bucket', [range.from, range.to, range.route]);
      return toLatencyRows(rows);
    });
  }

  recentErrors(query: { readonly account?: string; readonly limit: number; readonly correlationId?: string }): Promise<readonly RecentError[]> {
    return this.db.read(async (client) => {
      const { rows } = await client.query<StoredErrorRow>(
        `SELECT * FROM usage_errors WHERE ($1::text IS NULL OR account_id = $1) AND ($2::text IS NULL OR correlation_id = $2)
         ORDER BY at DESC, id DESC LIMIT $3`,
        [query.account ?? null, query.correlationId ?? null, query.limit],
      );
      return rows.map(toRecentError);
    });
  }

  sweep(before: number): Promise<void> {
    return this.db.transaction(async (client) => {
      await client.query('DELETE FROM usage_minutes WHERE minute < $1', [before]);
      await client.query('DELETE FROM usage_latency WHERE minute < $1', [before]);
      await client.query('DELETE FROM usage_errors WHERE at < $1', [before]);
    });
  }

  close(): void {
    this.db.close();
  }
}

/** One array per field, in the order given: what `unnest($1::…[], $2::…[], …)` takes for a batch of rows. */
function columnsOf<T>(items: readonly T[], fields: readonly (keyof T)[]): unknown[][] {
  return fields.map((field) => items.map((item) => item[field]));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The order of usage_minutes' primary key (minute, account, key, route, status, code). */
function byUsageKey(a: UsageRow, b: UsageRow): number {
  return a.minute - b.minute || compareText(a.account, b.account) || compareText(a.keyId, b.keyId) || compareText(a.route, b.route) || a.status - b.status || compareText(a.code, b.code);
}
