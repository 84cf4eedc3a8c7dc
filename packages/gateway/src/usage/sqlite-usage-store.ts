import type Database from 'better-sqlite3';
import type { Clock } from '../clock.js';
import { openDatabase } from '../accounts/store/open-database.js';
import { RowBatches } from '../accounts/store/row-batches.js';
import type { UsageBatch } from './usage-meter.js';
import type { UsageStore } from './usage-store.js';
import { toLatencyRows, toRecentError, toUsageRow, type StoredBucketRow, type StoredErrorRow, type StoredUsageRow } from './usage-rows.js';
import type { LatencyRow, RecentError, UsageRange, UsageRow } from './usage-types.js';

/** Usage in the deployment's SQLite file (tables from migration 6): one IMMEDIATE transaction per flush, its rows written many to a statement. */
export class SqliteUsageStore implements UsageStore {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(path: string, clock: Clock) {
    this.db = openDatabase(path, clock);
    const db = this.db;
    this.statements = {
      addRows: new RowBatches(
        db,
        9,
        (tuples) => `INSERT INTO usage_minutes (minute, account_id, key_id, route_id, status, code, owner, count, total_ms) VALUES ${tuples}
         ON CONFLICT (minute, account_id, key_id, route_id, status, code) DO UPDATE SET count = count + excluded.count, total_ms = total_ms + excluded.total_ms`,
      ),
      addBuckets: new RowBatches(
        db,
        4,
        (tuples) => `INSERT INTO usage_latency (minute, route_id, bucket, count) VALUES ${tuples}
         ON CONFLICT (minute, route_id, bucket) DO UPDATE SET count = count + excluded.count`,
      ),
      addError: db.prepare(
        `INSERT INTO usage_errors (at, correlation_id, account_id, key_id, route_id, method, path, status, code)
         VALUES (@at, @correlationId, @account, @keyId, @route, @method, @path, @status, @code)`,
      ),
      trimErrors: db.prepare(
        'DELETE FROM usage_errors WHERE account_id = ? AND id NOT IN (SELECT id FROM usage_errors WHERE account_id = ? ORDER BY at DESC, id DESC LIMIT ?)',
      ),
      rows: db.prepare('SELECT * FROM usage_minutes WHERE minute >= ? AND minute < ? ORDER BY minute'),
      accountRows: db.prepare('SELECT * FROM usage_minutes WHERE account_id = ? AND minute >= ? AND minute < ? ORDER BY minute'),
      latency: db.prepare('SELECT * FROM usage_latency WHERE minute >= ? AND minute < ? ORDER BY minute, route_id, bucket'),
      routeLatency: db.prepare('SELECT * FROM usage_latency WHERE route_id = ? AND minute >= ? AND minute < ? ORDER BY minute, route_id, bucket'),
      errors: db.prepare('SELECT * FROM usage_errors ORDER BY at DESC, id DESC LIMIT ?'),
      accountErrors: db.prepare('SELECT * FROM usage_errors WHERE account_id = ? ORDER BY at DESC, id DESC LIMIT ?'),
      correlationErrors: db.prepare('SELECT * FROM usage_errors WHERE correlation_id = ? ORDER BY at DESC, id DESC LIMIT ?'),
      // The account in the query, not after the LIMIT: correlation IDs come from clients, so another account can flood one.
      accountCorrelationErrors: db.prepare('SELECT * FROM usage_errors WHERE account_id = ? AND correlation_id = ? ORDER BY at DESC, id DESC LIMIT ?'),
      sweepRows: db.prepare('DELETE FROM usage_minutes WHERE minute < ?'),
      sweepLatency: db.prepare('DELETE FROM usage_latency WHERE minute < ?'),
      sweepErrors: db.prepare('DELETE FROM usage_errors WHERE at < ?'),
    };
  }

  async write(batch: UsageBatch, keepErrors: number): Promise<void> {
    const { statements } = this;
    this.db
      .transaction(() => {
        const rows: unknown[] = [];
        for (const row of batch.rows) rows.push(row.minute, row.account, row.keyId, row.route, row.status, row.code, row.owner, row.count, row.totalMs);
        statements.addRows.run(rows);
        const buckets: unknown[] = [];
        for (const row of batch.latency) {
          row.buckets.forEach((count, bucket) => {
            if (count > 0) buckets.push(row.minute, row.route, bucket, count);
          });
        }
        statements.addBuckets.run(buckets);
        const accounts = new Set<string>();
        for (const error of batch.errors) {
          statements.addError.run(error);
          accounts.add(error.account);
        }
        for (const account of accounts) statements.trimErrors.run(account, account, keepErrors);
      })
      .immediate();
  }

  async rows(range: UsageRange & { readonly account?: string }): Promise<readonly UsageRow[]> {
    const rows = (range.account === undefined ? this.statements.rows.all(range.from, range.to) : this.statements.accountRows.all(range.account, range.from, range.to)) as StoredUsageRow[];
    return rows.map(toUsageRow);
  }

  async latency(range: UsageRange & { readonly route?: string }): Promise<readonly LatencyRow[]> {
    const rows = (range.route === undefined ? this.statements.latency.all(range.from, range.to) : this.statements.routeLatency.all(range.route, range.from, range.to)) as StoredBucketRow[];
    return toLatencyRows(rows);
  }

  async recentErrors(query: { readonly account?: string; readonly limit: number; readonly correlationId?: string }): Promise<readonly RecentError[]> {
    const { statements } = this;
    let rows: StoredErrorRow[];
    if (query.correlationId !== undefined) {
      rows = (
        query.account === undefined ? statements.correlationErrors.all(query.correlationId, query.limit) : statements.accountCorrelationErrors.all(query.account, query.correlationId, query.limit)
      ) as StoredErrorRow[];
    } else if (query.account !== undefined) rows = statements.accountErrors.all(query.account, query.limit) as StoredErrorRow[];
    else rows = statements.errors.all(query.limit) as StoredErrorRow[];
    return rows.map(toRecentError);
  }

  async sweep(before: number): Promise<void> {
    this.db
      .transaction(() => {
        this.statements.sweepRows.run(before);
        this.statements.sweepLatency.run(before);
        this.statements.sweepErrors.run(before);
      })
      .immediate();
  }

  close(): void {
    this.db.close();
  }
}
