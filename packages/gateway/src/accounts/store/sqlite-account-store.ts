import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { portierError } from '../../errors/portier-error.js';
import { generateKey } from '../keys/key-format.js';
import { hashKey } from '../keys/hash-key.js';
import type { Account, AccountStatus, AccountStore, ApiKey, AuditEntry, IssuedKey, KeyPolicy, NewKey } from './account-store.js';
import { openDatabase } from './open-database.js';
import { RowBatches } from './row-batches.js';
import { toAccount, toKey, type AccountRow, type KeyRow } from './store-rows.js';

/** SQLite keeps scopes and bindings as JSON text. */
type SqliteKeyRow = KeyRow<string>;

/** The embedded store: one SQLite file in WAL mode, schema migrated at open. */
export class SqliteAccountStore implements AccountStore {
  private readonly db: Database.Database;
  /** Prepared once per SQL text: preparing is most of the cost of a small query. */
  private readonly statements = new Map<string, Database.Statement>();
  /** How far this store's own writes have moved the accounts version (see `changeMarker`). */
  private ownVersionMoves = 0;
  /** Last-used times, many keys to a statement (an UPDATE joined to the list of ids and times). */
  private readonly keyUses: RowBatches;

  constructor(
    path: string,
    private readonly clock: Clock,
  ) {
    this.db = openDatabase(path, clock);
    // The accounts version does not move: its trigger on api_keys leaves last_used_at out.
    this.keyUses = new RowBatches(
      this.db,
      2,
      (tuples) => `UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), uses.column2) FROM (VALUES ${tuples}) AS uses WHERE api_keys.id = uses.column1`,
    );
  }

  async createAccount(input: { name: string; plan: string }, actor: string): Promise<Account> {
    const now = this.clock.now();
    const id = `acc_${randomBytes(8).toString('hex')}`;
    this.transaction(() => {
      this.sql('INSERT INTO accounts (id, name, plan, status, created_at, plan_since) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, input.name, input.plan, 'active', now, now);
      this.audit(actor, 'account.create', id, { name: input.name, plan: input.plan });
    });
    return this.requireAccount(id);
  }

  async getAccount(id: string): Promise<Account | undefined> {
    return this.findAccount(id);
  }

  async listAccounts(): Promise<Account[]> {
    const rows = this.sql('SELECT * FROM accounts ORDER BY created_at, id').all() as AccountRow[];
    return rows.map(toAccount);
  }

  async updateAccount(id: string, changes: { status?: AccountStatus; plan?: string }, actor: string): Promise<Account> {
    this.transaction(() => {
      const current = this.requireAccount(id);
      const plan = changes.plan ?? current.plan;
      const planSince = plan === current.plan ? current.planSince : this.clock.now();
      this.sql('UPDATE accounts SET status = ?, plan = ?, plan_since = ? WHERE id = ?')
        .run(changes.status ?? current.status, plan, planSince, id);
      this.audit(actor, 'account.update', id, { ...changes });
    });
    return this.requireAccount(id);
  }

  async createKey(input: NewKey, policy: KeyPolicy, actor: string): Promise<IssuedKey> {
    return this.transaction(() => {
        this.requireAccount(input.accountId);
        // Counted inside the write transaction, so two concurrent creates cannot both pass the limit.
        const { count } = this.sql("SELECT COUNT(*) AS count FROM api_keys WHERE account_id = ? AND status = 'active' AND rotated_at IS NULL")
          .get(input.accountId) as { count: number };
        if (count >= policy.maxKeysPerAccount) throw portierError('key_limit_reached', { limit: policy.maxKeysPerAccount });
        const issued = this.insertKey(input, policy);
        this.audit(actor, 'key.create', issued.key.id, { accountId: input.accountId, name: input.name, scopes: input.scopes });
        return issued;
      });
  }

  async getKey(id: string): Promise<ApiKey | undefined> {
    return this.findKey(id);
  }

  async listKeys(accountId: string): Promise<ApiKey[]> {
    this.requireAccount(accountId);
    const rows = this.sql('SELECT * FROM api_keys WHERE account_id = ? ORDER BY created_at, id').all(accountId) as SqliteKeyRow[];
    return rows.map(fromSqlite);
  }

  async revokeKey(id: string, actor: string): Promise<ApiKey> {
    this.transaction(() => {
      this.requireKey(id);
      this.sql("UPDATE api_keys SET status = 'revoked', revoked_at = ? WHERE id = ? AND status = 'active'").run(this.clock.now(), id);
      this.audit(actor, 'key.revoke', id, {});
    });
    return this.requireKey(id);
  }

  async rotateKey(id: string, policy: KeyPolicy, actor: string): Promise<IssuedKey> {
    return this.transaction(() => {
        const old = this.requireKey(id);
        if (old.status === 'revoked' || old.rotatedAt !== undefined) throw portierError('key_not_found', { keyId: id });
        const issued = this.insertKey(
          { accountId: old.accountId, name: old.name, scopes: old.scopes, bindings: old.bindings, expiresAt: old.expiresAt },
          policy,
        );
        const now = this.clock.now();
        this.sql('UPDATE api_keys SET rotated_at = ?, grace_until = ?, replaced_by = ? WHERE id = ?')
          .run(now, now + policy.rotationGraceMs, issued.key.id, id);
        this.audit(actor, 'key.rotate', id, { replacedBy: issued.key.id, graceMs: policy.rotationGraceMs });
        return issued;
      });
  }

  async recordKeyUse(uses: ReadonlyMap<string, number>): Promise<void> {
    const values: unknown[] = [];
    for (const [id, at] of uses) values.push(id, at);
    this.transaction(() => this.keyUses.run(values));
  }

  async listAudit(limit: number): Promise<AuditEntry[]> {
    const rows = this.sql('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit) as (Omit<AuditEntry, 'details'> & { details: string })[];
    return rows.map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> }));
  }

  async reserveEntity(accountId: string, entity: string, limit: number): Promise<{ taken: boolean; usage: number }> {
    return this.transaction(() => {
      const usage = this.countOf(accountId, entity);
      if (usage >= limit) return { taken: false, usage };
      this.sql('INSERT INTO entity_counts (account_id, entity, count) VALUES (?, ?, 1) ON CONFLICT (account_id, entity) DO UPDATE SET count = count + 1')
        .run(accountId, entity);
      return { taken: true, usage: usage + 1 };
    });
  }

  async releaseEntity(accountId: string, entity: string): Promise<void> {
    this.sql('UPDATE entity_counts SET count = MAX(count - 1, 0) WHERE account_id = ? AND entity = ?').run(accountId, entity);
  }

  async setEntityCount(accountId: string, entity: string, count: number, actor: string): Promise<void> {
    this.transaction(() => {
      this.requireAccount(accountId);
      this.sql('INSERT INTO entity_counts (account_id, entity, count) VALUES (?, ?, ?) ON CONFLICT (account_id, entity) DO UPDATE SET count = excluded.count')
        .run(accountId, entity, count);
      this.audit(actor, 'entity.set', accountId, { entity, count });
    });
  }

  async entityCounts(accountId: string): Promise<Record<string, number>> {
    const rows = this.sql('SELECT entity, count FROM entity_counts WHERE account_id = ? ORDER BY entity').all(accountId) as { entity: string; count: number }[];
    return Object.fromEntries(rows.map((row) => [row.entity, row.count]));
  }

  /**
   * The accounts version (moved by triggers on every write to accounts and keys, last-used times aside)
   * less the moves of this store's own writes: like data_version, it changes only when another connection
   * has written, but not for writes to the other tables of the file.
   */
  changeMarker(): number {
    return this.accountsVersion() - this.ownVersionMoves;
  }

  close(): void {
    this.db.close();
  }

  private insertKey(input: NewKey, policy: KeyPolicy): IssuedKey {
    const generated = generateKey(policy);
    this.sql(
        `INSERT INTO api_keys (id, account_id, name, scopes, bindings, hash, status, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)`,
      )
      .run(
        generated.id,
        input.accountId,
        input.name,
        JSON.stringify(input.scopes),
        JSON.stringify(input.bindings),
        hashKey(generated.secret),
        this.clock.now(),
        input.expiresAt ?? null,
      );
    return { key: this.requireKey(generated.id), secret: generated.secret };
  }

  private countOf(accountId: string, entity: string): number {
    const row = this.sql('SELECT count FROM entity_counts WHERE account_id = ? AND entity = ?').get(accountId, entity) as { count: number } | undefined;
    return row?.count ?? 0;
  }

  private findAccount(id: string): Account | undefined {
    const row = this.sql('SELECT * FROM accounts WHERE id = ?').get(id) as AccountRow | undefined;
    return row === undefined ? undefined : toAccount(row);
  }

  private requireAccount(id: string): Account {
    const account = this.findAccount(id);
    if (account === undefined) throw portierError('account_not_found', { accountId: id });
    return account;
  }

  private findKey(id: string): ApiKey | undefined {
    const row = this.sql('SELECT * FROM api_keys WHERE id = ?').get(id) as SqliteKeyRow | undefined;
    return row === undefined ? undefined : fromSqlite(row);
  }

  private requireKey(id: string): ApiKey {
    const key = this.findKey(id);
    if (key === undefined) throw portierError('key_not_found', { keyId: id });
    return key;
  }

  private audit(actor: string, action: string, subject: string, details: Record<string, unknown>): void {
    this.sql('INSERT INTO audit_log (at, actor, action, subject, details) VALUES (?, ?, ?, ?, ?)')
      .run(this.clock.now(), actor, action, subject, JSON.stringify(details));
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /**
   * Runs `work` in an IMMEDIATE transaction: the write lock is taken first, so checks and writes agree.
   * Holding that lock, nobody else can move the accounts version, so what it moved by is this store's own.
   */
  private transaction<T>(work: () => T): T {
    let moves = 0;
    const result = this.db
      .transaction(() => {
        const before = this.accountsVersion();
        const value = work();
        moves = this.accountsVersion() - before;
        return value;
      })
      .immediate();
    // Counted once committed: a rolled-back transaction moved nothing.
    this.ownVersionMoves += moves;
    return result;
  }

  private accountsVersion(): number {
    return (this.sql('SELECT version FROM accounts_version').get() as { version: number }).version;
  }
}

function fromSqlite(row: SqliteKeyRow): ApiKey {
  return toKey({ ...row, scopes: JSON.parse(row.scopes) as string[], bindings: JSON.parse(row.bindings) as string[] });
}
