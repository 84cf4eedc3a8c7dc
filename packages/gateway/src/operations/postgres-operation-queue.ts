import type { Clock } from '../clock.js';
import type { PostgresStoreConfig } from '../config/config-types.js';
import { portierError } from '../errors/portier-error.js';
import { PostgresDatabase, type Migration } from '../postgres/postgres-database.js';
import { operationStatuses, type NewOperation, type Operation, type OperationStatus, type Outcome, type QueueStats } from './operation.js';
import { decodeCursor, encodeCursor, type NumberedOperationPage, type OperationPage, type OperationQueue } from './operation-queue.js';
import { toOperation, type OperationRow } from './operation-row.js';

const migrations: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE operations (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        route_id TEXT NOT NULL,
        method TEXT NOT NULL,
        url TEXT NOT NULL,
        params JSONB NOT NULL,
        headers JSONB NOT NULL,
        body BYTEA,
        correlation_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('Pending', 'Success', 'Failed', 'TimedOut')),
        attempts INTEGER NOT NULL DEFAULT 0,
        requested_at BIGINT NOT NULL,
        deadline_at BIGINT NOT NULL,
        next_attempt_at BIGINT NOT NULL,
        lease_until BIGINT NOT NULL DEFAULT 0,
        completed_at BIGINT,
        result_status INTEGER,
        result_headers JSONB,
        result_body BYTEA,
        error JSONB,
        webhook_state TEXT CHECK (webhook_state IN ('pending', 'delivered', 'failed')),
        webhook_attempts INTEGER NOT NULL DEFAULT 0,
        webhook_next_at BIGINT
      );
      CREATE INDEX operations_due ON operations(status, next_attempt_at);
      CREATE INDEX operations_account ON operations(account_id, requested_at DESC, id DESC);
      CREATE INDEX operations_webhooks ON operations(webhook_state, webhook_next_at);
      CREATE INDEX operations_completed ON operations(completed_at);
    `,
  },
];


const unavailableRetryAfterSeconds = 5;

/**
 * The operation queue in PostgreSQL, shared by gateways on several hosts: each claims due operations
 * with `FOR UPDATE SKIP LOCKED`, so two workers never take the same one and none waits for another;
 * leases and the lease-as-token completion work as in SQLite. Enqueues take a transaction-scoped
 * advisory lock so that `maxPending` holds across gateways. An unreachable server is 503
 * `service_unavailable` (the operation queue) for the caller; the worker logs it and polls again.
 */
export class PostgresOperationQueue implements OperationQueue {
  private readonly db: PostgresDatabase;

  constructor(config: PostgresStoreConfig, clock: Clock) {
    this.db = new PostgresDatabase(config, clock, {
      name: 'operation_queue',
      migrations,
      unavailable: (cause) =>
        portierError('service_unavailable', { service: 'operation-queue' }, { headers: { 'Retry-After': String(unavailableRetryAfterSeconds) }, cause }),
    });
  }

  enqueue(operation: NewOperation, maxPending: number): Promise<boolean> {
    return this.db.transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext('portier-operation-queue-enqueue'))");
      const { rows } = await client.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM operations WHERE status = 'Pending'");
      if ((rows[0]?.n ?? 0) >= maxPending) return false;
      await client.query(
        `INSERT INTO operations (id, account_id, route_id, method, url, params, headers, body, correlation_id, status, requested_at, deadline_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'Pending', $10, $11, $10)`,
        [
          operation.id,
          operation.accountId,
          operation.routeId,
          operation.method,
          operation.url,
          JSON.stringify(operation.params),
          JSON.stringify(operation.headers),
          operation.body ?? null,
          operation.correlationId,
          operation.requestedAt,
          operation.deadlineAt,
        ],
      );
      return true;
    });
  }

  get(id: string): Promise<Operation | undefined> {
    return this.db.read(async (client) => {
      const row = (await client.query<OperationRow>('SELECT * FROM operations WHERE id = $1', [id])).rows[0];
      return row === undefined ? undefined : toOperation(row);
    });
  }

  claim(now: number, leaseMs: number, limit: number): Promise<Operation[]> {
    return this.db.read(async (client) => {
      const { rows } = await client.query<OperationRow>(
        `UPDATE operations SET lease_until = $2, attempts = attempts + 1
         WHERE id IN (SELECT id FROM operations WHERE status = 'Pending' AND next_attempt_at <= $1 AND lease_until <= $1
                      ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [now, now + leaseMs, limit],
      );
      return rows.map(toOperation);
    });
  }

  settle(operation: Operation, outcome: Outcome, now: number): Promise<boolean> {
    const lease = operation.leaseUntil;
    return this.db.read(async (client) => {
      if (outcome.kind === 'retry') {
        const retried = await client.query("UPDATE operations SET next_attempt_at = $1, lease_until = 0 WHERE id = $2 AND lease_until = $3 AND status = 'Pending'", [outcome.at, operation.id, lease]);
        return retried.rowCount === 1;
      }
      const result = outcome.result;
      const finished = await client.query(
        `UPDATE operations SET status = $1, completed_at = $2, result_status = $3, result_headers = $4, result_body = $5, error = $6,
           lease_until = 0, webhook_state = $7, webhook_next_at = $2
         WHERE id = $8 AND lease_until = $9 AND status = 'Pending'`,
        [
          outcome.status,
          now,
          result?.status ?? null,
          result === undefined ? null : JSON.stringify(result.headers),
          result?.body ?? null,
          outcome.error === undefined ? null : JSON.stringify(outcome.error),
          outcome.webhook ? 'pending' : null,
          operation.id,
          lease,
        ],
      );
      return finished.rowCount === 1;
    });
  }

  claimWebhooks(now: number, leaseMs: number, limit: number): Promise<Operation[]> {
    return this.db.read(async (client) => {
      const { rows } = await client.query<OperationRow>(
        `UPDATE operations SET webhook_next_at = $2, webhook_attempts = webhook_attempts + 1
         WHERE id IN (SELECT id FROM operations WHERE webhook_state = 'pending' AND webhook_next_at <= $1
                      ORDER BY webhook_next_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [now, now + leaseMs, limit],
      );
      return rows.map(toOperation);
    });
  }

  async webhookSettled(id: string, state: 'pending' | 'delivered' | 'failed', next: number | null): Promise<void> {
    await this.db.read((client) => client.query('UPDATE operations SET webhook_state = $1, webhook_next_at = $2 WHERE id = $3', [state, next, id]));
  }

  list(accountId: string, params: Readonly<Record<string, string>>, limit: number, cursor: string | undefined): Promise<OperationPage> {
    const where = ['account_id = $1'];
    const values: (string | number)[] = [accountId];
    const next = (value: string | number): string => `$${values.push(value)}`;
    for (const [name, value] of Object.entries(params)) where.push(`params ->> ${next(name)} = ${next(value)}`);
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (after !== undefined) {
      const at = next(after.at);
      where.push(`(requested_at < ${at} OR (requested_at = ${at} AND id COLLATE "C" < ${next(after.id)}))`);
    }
    const sql = `SELECT * FROM operations WHERE ${where.join(' AND ')} ORDER BY requested_at DESC, id COLLATE "C" DESC LIMIT ${next(limit + 1)}`;
    return this.db.read(async (client) => {
      const { rows } = await client.query<OperationRow>(sql, values);
      const items = rows.slice(0, limit).map(toOperation);
      const last = items.at(-1);
      return { items, cursor: rows.length > limit && last !== undefined ? encodeCursor(last.requestedAt, last.id) : undefined };
    });
  }

  listPage(accountId: string, params: Readonly<Record<string, string>>, pageSize: number, page: number): Promise<NumberedOperationPage> {
    const where = ['account_id = $1'];
    const values: (string | number)[] = [accountId];
    const next = (value: string | number): string => `$${values.push(value)}`;
    for (const [name, value] of Object.entries(params)) where.push(`params ->> ${next(name)} = ${next(value)}`);
    const filter = where.join(' AND ');
    const filterValues = [...values];
    const sql = `SELECT * FROM operations WHERE ${filter} ORDER BY requested_at DESC, id COLLATE "C" DESC LIMIT ${next(pageSize)} OFFSET ${next((page - 1) * pageSize)}`;
    return this.db.read(async (client) => {
      const { rows } = await client.query<OperationRow>(sql, values);
      const counted = await client.query<{ total: string }>(`SELECT count(*) AS total FROM operations WHERE ${filter}`, filterValues);
      return { items: rows.map(toOperation), total: Number(counted.rows[0]?.total ?? 0) };
    });
  }

  stats(now: number): Promise<QueueStats> {
    return this.db.read(async (client) => {
      const byStatus = Object.fromEntries(operationStatuses.map((status) => [status, 0])) as Record<OperationStatus, number>;
      const counts = await client.query<{ status: OperationStatus; n: number }>('SELECT status, COUNT(*)::int AS n FROM operations GROUP BY status');
      for (const row of counts.rows) byStatus[row.status] = row.n;
      const { rows } = await client.query<{ running: number; oldest: number | null; webhooks: number }>(
        `SELECT COUNT(*) FILTER (WHERE status = 'Pending' AND lease_until > $1)::int AS running,
                MIN(requested_at) FILTER (WHERE status = 'Pending') AS oldest,
                COUNT(*) FILTER (WHERE webhook_state = 'pending')::int AS webhooks
         FROM operations`,
        [now],
      );
      const summary = rows[0] ?? { running: 0, oldest: null, webhooks: 0 };
      return {
        byStatus,
        running: summary.running,
        oldestPendingSeconds: summary.oldest === null ? 0 : Math.max(0, Math.round((now - summary.oldest) / 1000)),
        webhooksPending: summary.webhooks,
      };
    });
  }

  sweep(before: number): Promise<number> {
    return this.db.read(async (client) => {
      const deleted = await client.query(
        `DELETE FROM operations WHERE id IN (SELECT id FROM operations WHERE completed_at < $1 AND (webhook_state IS NULL OR webhook_state <> 'pending') LIMIT 1000)`,
        [before],
      );
      return deleted.rowCount ?? 0;
    });
  }

  close(): void {
    this.db.close();
  }
}
