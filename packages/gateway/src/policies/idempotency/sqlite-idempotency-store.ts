import type Database from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { openDatabase } from '../../accounts/store/open-database.js';
import type { BeginRequest, BeginResult, IdempotencyStore, StoredResponse } from './idempotency-store.js';

interface RecordRow {
  fingerprint: string;
  state: 'in_flight' | 'done';
  lock_until: number;
  expires_at: number;
  status: number | null;
  headers: string | null;
  body: Buffer | null;
  correlation_id: string | null;
}

/**
 * How often expired records are deleted, and how many at a time (short write transactions). A sweep
 * deletes batch after batch, yielding to requests in between, until no expired record is left: one
 * batch a minute would fall behind as soon as more than that many records expire in a minute, and the
 * table would then grow without bound.
 */
const sweepEveryMs = 60_000;
const sweepBatch = 1000;

/** Idempotency records in the gateway's SQLite file; `begin` is one IMMEDIATE transaction, safe across processes. */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly db: Database.Database;
  private readonly beginTx: (request: BeginRequest) => BeginResult;
  private readonly completeStmt: Database.Statement;
  private readonly releaseStmt: Database.Statement;
  private readonly sweeper: NodeJS.Timeout;
  private readonly sweepStmt: Database.Statement;
  private sweeping: Promise<number> | undefined;
  private closed = false;

  constructor(path: string, private readonly clock: Clock) {
    this.db = openDatabase(path, clock);
    const select = this.db.prepare('SELECT fingerprint, state, lock_until, expires_at, status, headers, body, correlation_id FROM idempotency_records WHERE scope = ?');
    const insert = this.db.prepare(
      "INSERT OR REPLACE INTO idempotency_records (scope, fingerprint, owner, state, lock_until, expires_at) VALUES (?, ?, ?, 'in_flight', ?, ?)",
    );
    const takeOver = this.db.prepare('UPDATE idempotency_records SET owner = ?, lock_until = ? WHERE scope = ?');
    const tx = this.db.transaction((request: BeginRequest): BeginResult => {
      const row = select.get(request.scope) as RecordRow | undefined;
      if (row === undefined || row.expires_at <= request.now) {
        insert.run(request.scope, request.fingerprint, request.owner, request.lockUntil, request.expiresAt);
        return { kind: 'started' };
      }
      if (row.fingerprint !== request.fingerprint) return { kind: 'mismatch' };
      if (row.state === 'done') {
        return {
          kind: 'replay',
          response: {
            status: row.status ?? 500,
            headers: JSON.parse(row.headers ?? '[]') as string[],
            body: row.body ?? undefined,
            correlationId: row.correlation_id ?? '',
          },
        };
      }
      if (row.lock_until > request.now) return { kind: 'in_flight' };
      // The first attempt's gateway died while it ran: this one takes the key over.
      takeOver.run(request.owner, request.lockUntil, request.scope);
      return { kind: 'started' };
    });
    this.beginTx = (request) => tx.immediate(request);
    this.completeStmt = this.db.prepare(
      "UPDATE idempotency_records SET state = 'done', status = ?, headers = ?, body = ?, correlation_id = ? WHERE scope = ? AND owner = ?",
    );
    this.releaseStmt = this.db.prepare('DELETE FROM idempotency_records WHERE scope = ? AND owner = ?');
    this.sweepStmt = this.db.prepare('DELETE FROM idempotency_records WHERE rowid IN (SELECT rowid FROM idempotency_records WHERE expires_at <= ? LIMIT ?)');
    this.sweeper = setInterval(() => void this.sweepExpired(), sweepEveryMs).unref();
  }

  /** Deletes every record expired by now, `sweepBatch` at a time; resolves to how many. One sweep runs at a time. */
  sweepExpired(): Promise<number> {
    this.sweeping ??= this.sweepBatches().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async sweepBatches(): Promise<number> {
    const until = this.clock.now();
    let total = 0;
    while (!this.closed) {
      const deleted = this.sweepStmt.run(until, sweepBatch).changes;
      total += deleted;
      if (deleted < sweepBatch) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }

  begin(request: BeginRequest): Promise<BeginResult> {
    return Promise.resolve(this.beginTx(request));
  }

  complete(scope: string, owner: string, response: StoredResponse): Promise<void> {
    this.completeStmt.run(response.status, JSON.stringify(response.headers), response.body ?? null, response.correlationId, scope, owner);
    return Promise.resolve();
  }

  release(scope: string, owner: string): Promise<void> {
    this.releaseStmt.run(scope, owner);
    return Promise.resolve();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    this.db.close();
  }
}
