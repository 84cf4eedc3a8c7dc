import type Database from 'better-sqlite3';
import type { Clock } from '../clock.js';
import { openDatabase } from '../accounts/store/open-database.js';
import { operationStatuses, type NewOperation, type Operation, type OperationStatus, type Outcome, type QueueStats } from './operation.js';
import { decodeCursor, encodeCursor, type NumberedOperationPage, type OperationPage, type OperationQueue } from './operation-queue.js';
import { parseRow, toOperation, type OperationRow } from './operation-row.js';

type SqliteRow = OperationRow<false>;


/**
 * The operation queue in the gateway's SQLite file (one host): claims are one IMMEDIATE transaction,
 * safe across the processes of that host.
 */
export class SqliteOperationQueue implements OperationQueue {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(path: string, clock: Clock) {
    this.db = openDatabase(path, clock);
    const db = this.db;
    this.statements = {
      insert: db.prepare(
        `INSERT INTO operations (id, account_id, route_id, method, url, params, headers, body, correlation_id, status, requested_at, deadline_at, next_attempt_at)
         VALUES (@id, @accountId, @routeId, @method, @url, @params, @headers, @body, @correlationId, 'Pending', @requestedAt, @deadlineAt, @requestedAt)`,
      ),
      pendingCount: db.prepare("SELECT COUNT(*) AS n FROM operations WHERE status = 'Pending'"),
      get: db.prepare('SELECT * FROM operations WHERE id = ?'),
      claim: db.prepare(
        `UPDATE operations SET lease_until = @leaseUntil, attempts = attempts + 1
         WHERE id IN (SELECT id FROM operations WHERE status = 'Pending' AND next_attempt_at <= @now AND lease_until <= @now
                      ORDER BY next_attempt_at LIMIT @limit)
         RETURNING *`,
      ),
      finish: db.prepare(
        `UPDATE operations SET status = @status, completed_at = @now, result_status = @resultStatus, result_headers = @resultHeaders,
           result_body = @resultBody, error = @error, lease_until = 0, webhook_state = @webhookState, webhook_next_at = @now
         WHERE id = @id AND lease_until = @lease AND status = 'Pending'`,
      ),
      retry: db.prepare("UPDATE operations SET next_attempt_at = @at, lease_until = 0 WHERE id = @id AND lease_until = @lease AND status = 'Pending'"),
      claimWebhooks: db.prepare(
        `UPDATE operations SET webhook_next_at = @leaseUntil, webhook_attempts = webhook_attempts + 1
         WHERE id IN (SELECT id FROM operations WHERE webhook_state = 'pending' AND webhook_next_at <= @now ORDER BY webhook_next_at LIMIT @limit)
         RETURNING *`,
      ),
      webhookDone: db.prepare('UPDATE operations SET webhook_state = @state, webhook_next_at = @next WHERE id = @id'),
      counts: db.prepare('SELECT status, COUNT(*) AS n FROM operations GROUP BY status'),
      running: db.prepare("SELECT COUNT(*) AS n FROM operations WHERE status = 'Pending' AND lease_until > ?"),
      oldest: db.prepare("SELECT MIN(requested_at) AS at FROM operations WHERE status = 'Pending'"),
      webhooks: db.prepare("SELECT COUNT(*) AS n FROM operations WHERE webhook_state = 'pending'"),
      sweep: db.prepare('DELETE FROM operations WHERE rowid IN (SELECT rowid FROM operations WHERE completed_at < ? AND (webhook_state IS NULL OR webhook_state != ?) LIMIT 1000)'),
    };
  }

  /** Queues an operation unless `maxPending` are already waiting; returns false when the queue is full. */
  async enqueue(operation: NewOperation, maxPending: number): Promise<boolean> {
    return this.db
      .transaction(() => {
        if ((this.statements.pendingCount.get() as { n: number }).n >= maxPending) return false;
        this.statements.insert.run({
          ...operation,
          params: JSON.stringify(operation.params),
          headers: JSON.stringify(operation.headers),
          body: operation.body ?? null,
        });
        return true;
      })
      .immediate();
  }

  async get(id: string): Promise<Operation | undefined> {
    const row = this.statements.get.get(id) as SqliteRow | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  /** Takes up to `limit` due operations for `leaseMs`; each attempt counts when claimed. */
  async claim(now: number, leaseMs: number, limit: number): Promise<Operation[]> {
    const rows = this.db.transaction(() => this.statements.claim.all({ now, leaseUntil: now + leaseMs, limit }) as SqliteRow[]).immediate();
    return rows.map(fromRow);
  }

  /** Records how an attempt ended; returns false when the lease was lost (another worker owns it now). */
  async settle(operation: Operation, outcome: Outcome, now: number): Promise<boolean> {
    const lease = operation.leaseUntil;
    if (outcome.kind === 'retry') return this.statements.retry.run({ id: operation.id, lease, at: outcome.at }).changes === 1;
    const result = outcome.result;
    return (
      this.statements.finish.run({
        id: operation.id,
        lease,
        now,
        status: outcome.status,
        resultStatus: result?.status ?? null,
        resultHeaders: result === undefined ? null : JSON.stringify(result.headers),
        resultBody: result?.body ?? null,
        error: outcome.error === undefined ? null : JSON.stringify(outcome.error),
        webhookState: outcome.webhook ? 'pending' : null,
      }).changes === 1
    );
  }

  async claimWebhooks(now: number, leaseMs: number, limit: number): Promise<Operation[]> {
    const rows = this.db.transaction(() => this.statements.claimWebhooks.all({ now, leaseUntil: now + leaseMs, limit }) as SqliteRow[]).immediate();
    return rows.map(fromRow);
  }

  async webhookSettled(id: string, state: 'pending' | 'delivered' | 'failed', next: number | null): Promise<void> {
    this.statements.webhookDone.run({ id, state, next });
  }

  /**
   * The account's operations, newest first, optionally only those created with the given route
   * parameters (`companyId`), `limit` at a time from `cursor`.
   */
  async list(accountId: string, params: Readonly<Record<string, string>>, limit: number, cursor: string | undefined): Promise<OperationPage> {
    const { where, values } = listFilter(accountId, params);
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (after !== undefined) {
      where.push('(requested_at < ? OR (requested_at = ? AND id < ?))');
      values.push(after.at, after.at, after.id);
    }
    const rows = this.db
      .prepare(`SELECT * FROM operations WHERE ${where.join(' AND ')} ORDER BY requested_at DESC, id DESC LIMIT ?`)
      .all(...values, limit + 1) as SqliteRow[];
    const items = rows.slice(0, limit).map(fromRow);
    const last = items.at(-1);
    return { items, cursor: rows.length > limit && last !== undefined ? encodeCursor(last.requestedAt, last.id) : undefined };
  }

  async listPage(accountId: string, params: Readonly<Record<string, string>>, pageSize: number, page: number): Promise<NumberedOperationPage> {
    const { where, values } = listFilter(accountId, params);
    const filter = where.join(' AND ');
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(`SELECT * FROM operations WHERE ${filter} ORDER BY requested_at DESC, id DESC LIMIT ? OFFSET ?`)
        .all(...values, pageSize, (page - 1) * pageSize) as SqliteRow[];
      const { total } = this.db.prepare(`SELECT count(*) AS total FROM operations WHERE ${filter}`).get(...values) as { total: number };
      return { items: rows.map(fromRow), total };
    })();
  }

  async stats(now: number): Promise<QueueStats> {
    const byStatus = Object.fromEntries(operationStatuses.map((status) => [status, 0])) as Record<OperationStatus, number>;
    for (const row of this.statements.counts.all() as { status: OperationStatus; n: number }[]) byStatus[row.status] = row.n;
    const oldest = (this.statements.oldest.get() as { at: number | null }).at;
    return {
      byStatus,
      running: (this.statements.running.get(now) as { n: number }).n,
      oldestPendingSeconds: oldest === null ? 0 : Math.max(0, Math.round((now - oldest) / 1000)),
      webhooksPending: (this.statements.webhooks.get() as { n: number }).n,
    };
  }

  /** Deletes finished operations completed before `before` (their webhook, if any, no longer pending). */
  async sweep(before: number): Promise<number> {
    return this.statements.sweep.run(before, 'pending').changes;
  }

  close(): void {
    this.db.close();
  }
}

function fromRow(row: SqliteRow): Operation {
  return toOperation(parseRow(row));
}

/** The WHERE terms of an account's operations, optionally only those created with `params` (`companyId`). */
function listFilter(accountId: string, params: Readonly<Record<string, string>>): { where: string[]; values: (string | number)[] } {
  const where = ['account_id = ?'];
  const values: (string | number)[] = [accountId];
  for (const [name, value] of Object.entries(params)) {
    where.push('json_extract(params, ?) = ?');
    values.push(`$."${name}"`, value);
  }
  return { where, values };
}
