import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { PostgresStoreConfig } from '../../config/config-types.js';
import { portierError } from '../../errors/portier-error.js';
import { PostgresDatabase, type Client } from '../../postgres/postgres-database.js';
import { generateKey } from '../keys/key-format.js';
import { hashKey } from '../keys/hash-key.js';
import type { Account, AccountStatus, AccountStore, ApiKey, AuditEntry, IssuedKey, KeyPolicy, NewKey } from './account-store.js';
import { toAccount, toKey, type AccountRow, type KeyRow } from './store-rows.js';
import { postgresMigrations } from './postgres-migrations.js';

/** Seconds a caller is asked to wait when the store is unreachable. */
const unavailableRetryAfterSeconds = 5;

/**
 * The shared store: accounts, keys, entity counts and the audit trail in PostgreSQL, so that gateways on
 * several hosts see the same keys. Same contract as the SQLite store (one transaction per write, every
 * write audited); a per-account row lock serializes key creation so the key limit holds across gateways.
 * An unreachable server is 503 `account_store_unavailable`, never a crash.
 */
export class PostgresAccountStore implements AccountStore {
  private readonly db: PostgresDatabase;
  /** How far this store's own committed writes have moved the store version (see `changeMarker`). */
  private ownVersionMoves = 0;

  constructor(
    config: PostgresStoreConfig,
    private readonly clock: Clock,
  ) {
    this.db = new PostgresDatabase(config, clock, {
      name: 'account_store',
      migrations: postgresMigrations,
      unavailable: (cause) => portierError('account_store_unavailable', {}, { headers: { 'Retry-After': String(unavailableRetryAfterSeconds) }, cause }),
    });
  }

  createAccount(input: { name: string; plan: string }, actor: string): Promise<Account> {
    const now = this.clock.now();
    const id = `acc_${randomBytes(8).toString('hex')}`;
    return this.write(async (client) => {
      await client.query('INSERT INTO accounts (id, name, plan, status, created_at, plan_since) VALUES ($1, $2, $3, $4, $5, $6)', [id, input.name, input.plan, 'active', now, now]);
      await audit(client, now, actor, 'account.create', id, { name: input.name, plan: input.plan });
      return requireAccount(client, id);
    });
  }

  getAccount(id: string): Promise<Account | undefined> {
    return this.read((client) => findAccount(client, id));
  }

  listAccounts(): Promise<Account[]> {
    return this.read(async (client) => (await client.query<AccountRow>('SELECT * FROM accounts ORDER BY created_at, id COLLATE "C"')).rows.map(toAccount));
  }

  updateAccount(id: string, changes: { status?: AccountStatus; plan?: string }, actor: string): Promise<Account> {
    return this.write(async (client) => {
      const current = await requireAccount(client, id, 'FOR UPDATE');
      const plan = changes.plan ?? current.plan;
      const planSince = plan === current.plan ? current.planSince : this.clock.now();
      await client.query('UPDATE accounts SET status = $1, plan = $2, plan_since = $3 WHERE id = $4', [changes.status ?? current.status, plan, planSince, id]);
      await audit(client, this.clock.now(), actor, 'account.update', id, { ...changes });
      return requireAccount(client, id);
    });
  }

  createKey(input: NewKey, policy: KeyPolicy, actor: string): Promise<IssuedKey> {
    return this.write(async (client) => {
      // The account's row lock serializes key creation: two gateways cannot both pass the limit.
      await requireAccount(client, input.accountId, 'FOR UPDATE');
      const { rows } = await client.query<{ count: number }>(
        "SELECT COUNT(*)::int AS count FROM api_keys WHERE account_id = $1 AND status = 'active' AND rotated_at IS NULL",
        [input.accountId],
      );
      const limit = policy.maxKeysPerAccount;
      if ((rows[0]?.count ?? 0) >= limit) throw portierError('key_limit_reached', { limit });
      const issued = await this.insertKey(client, input, policy);
      await audit(client, this.clock.now(), actor, 'key.create', issued.key.id, { accountId: input.accountId, name: input.name, scopes: input.scopes });
      return issued;
    });
  }

  getKey(id: string): Promise<ApiKey | undefined> {
    return this.read((client) => findKey(client, id));
  }

  listKeys(accountId: string): Promise<ApiKey[]> {
    return this.read(async (client) => {
      await requireAccount(client, accountId);
      return (await client.query<KeyRow>('SELECT * FROM api_keys WHERE account_id = $1 ORDER BY created_at, id COLLATE "C"', [accountId])).rows.map(toKey);
    });
  }

  revokeKey(id: string, actor: string): Promise<ApiKey> {
    return this.write(async (client) => {
      await requireKey(client, id);
      await client.query("UPDATE api_keys SET status = 'revoked', revoked_at = $1 WHERE id = $2 AND status = 'active'", [this.clock.now(), id]);
      await audit(client, this.clock.now(), actor, 'key.revoke', id, {});
      return requireKey(client, id);
    });
  }

  rotateKey(id: string, policy: KeyPolicy, actor: string): Promise<IssuedKey> {
    return this.write(async (client) => {
      const old = await requireKey(client, id, 'FOR UPDATE');
      if (old.status === 'revoked' || old.rotatedAt !== undefined) throw portierError('key_not_found', { keyId: id });
      const issued = await this.insertKey(client, { accountId: old.accountId, name: old.name, scopes: old.scopes, bindings: old.bindings, expiresAt: old.expiresAt }, policy);
      const now = this.clock.now();
      await client.query('UPDATE api_keys SET rotated_at = $1, grace_until = $2, replaced_by = $3 WHERE id = $4', [now, now + policy.rotationGraceMs, issued.key.id, id]);
      await audit(client, now, actor, 'key.rotate', id, { replacedBy: issued.key.id, graceMs: policy.rotationGraceMs });
      return issued;
    });
  }

  async recordKeyUse(uses: ReadonlyMap<string, number>): Promise<void> {
    if (uses.size === 0) return;
    await this.read((client) =>
      client.query(
        `UPDATE api_keys AS k SET last_used_at = GREATEST(COALESCE(k.last_used_at, 0), u.at)
         FROM unnest($1::text[], $2::bigint[]) AS u(id, at) WHERE k.id = u.id`,
        [[...uses.keys()], [...uses.values()]],
      ),
    );
  }

  listAudit(limit: number): Promise<AuditEntry[]> {
    return this.read(async (client) => {
      const { rows } = await client.query<AuditEntry>('SELECT id, at, actor, action, subject, details FROM audit_log ORDER BY id DESC LIMIT $1', [limit]);
      return rows;
    });
  }

  reserveEntity(accountId: string, entity: string, limit: number): Promise<{ taken: boolean; usage: number }> {
    return this.read(async (client) => {
      if (limit >= 1) {
        // One statement: the row lock of the upsert makes "check and take" atomic across gateways.
        const { rows } = await client.query<{ count: number }>(
          `INSERT INTO entity_counts (account_id, entity, count) VALUES ($1, $2, 1)
           ON CONFLICT (account_id, entity) DO UPDATE SET count = entity_counts.count + 1 WHERE entity_counts.count < $3
           RETURNING count`,
          [accountId, entity, limit],
        );
        if (rows[0] !== undefined) return { taken: true, usage: rows[0].count };
      }
      return { taken: false, usage: await countOf(client, accountId, entity) };
    });
  }

  async releaseEntity(accountId: string, entity: string): Promise<void> {
    await this.read((client) => client.query('UPDATE entity_counts SET count = GREATEST(count - 1, 0) WHERE account_id = $1 AND entity = $2', [accountId, entity]));
  }

  setEntityCount(accountId: string, entity: string, count: number, actor: string): Promise<void> {
    return this.write(async (client) => {
      await requireAccount(client, accountId);
      await client.query(
        'INSERT INTO entity_counts (account_id, entity, count) VALUES ($1, $2, $3) ON CONFLICT (account_id, entity) DO UPDATE SET count = excluded.count',
        [accountId, entity, count],
      );
      await audit(client, this.clock.now(), actor, 'entity.set', accountId, { entity, count });
    });
  }

  entityCounts(accountId: string): Promise<Record<string, number>> {
    return this.read(async (client) => {
      const { rows } = await client.query<{ entity: string; count: number }>('SELECT entity, count FROM entity_counts WHERE account_id = $1 ORDER BY entity', [accountId]);
      return Object.fromEntries(rows.map((row) => [row.entity, row.count]));
    });
  }

  changeMarker(): Promise<number> {
    return this.read(async (client) => ((await client.query<{ version: number }>('SELECT version FROM store_version WHERE id = 1')).rows[0]?.version ?? 0) - this.ownVersionMoves);
  }

  close(): void {
    this.db.close();
  }

  private async insertKey(client: Client, input: NewKey, policy: KeyPolicy): Promise<IssuedKey> {
    const generated = generateKey(policy);
    await client.query(
      `INSERT INTO api_keys (id, account_id, name, scopes, bindings, hash, status, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8)`,
      [generated.id, input.accountId, input.name, JSON.stringify(input.scopes), JSON.stringify(input.bindings), hashKey(generated.secret), this.clock.now(), input.expiresAt ?? null],
    );
    return { key: await requireKey(client, generated.id), secret: generated.secret };
  }

  /** One statement (or a few that need no transaction) on a pooled connection. */
  private read<T>(work: (client: Client) => Promise<T>): Promise<T> {
    return this.db.read(work);
  }

  /** A transaction that also moves the store version, so every gateway empties its key cache. */
  private async write<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const result = await this.db.transaction(async (client) => {
      const value = await work(client);
      await client.query('UPDATE store_version SET version = version + 1 WHERE id = 1');
      return value;
    });
    // Counted once committed (a rolled-back transaction moved nothing): this store's own writes are not
    // "foreign", so the change poll does not empty the cache a second time after the writer already did.
    this.ownVersionMoves++;
    return result;
  }
}

async function audit(client: Client, at: number, actor: string, action: string, subject: string, details: Record<string, unknown>): Promise<void> {
  await client.query('INSERT INTO audit_log (at, actor, action, subject, details) VALUES ($1, $2, $3, $4, $5)', [at, actor, action, subject, JSON.stringify(details)]);
}

async function findAccount(client: Client, id: string, lock = ''): Promise<Account | undefined> {
  const row = (await client.query<AccountRow>(`SELECT * FROM accounts WHERE id = $1 ${lock}`, [id])).rows[0];
  return row === undefined ? undefined : toAccount(row);
}

async function requireAccount(client: Client, id: string, lock = ''): Promise<Account> {
  const account = await findAccount(client, id, lock);
  if (account === undefined) throw portierError('account_not_found', { accountId: id });
  return account;
}

async function findKey(client: Client, id: string, lock = ''): Promise<ApiKey | undefined> {
  const row = (await client.query<KeyRow>(`SELECT * FROM api_keys WHERE id = $1 ${lock}`, [id])).rows[0];
  return row === undefined ? undefined : toKey(row);
}

async function requireKey(client: Client, id: string, lock = ''): Promise<ApiKey> {
  const key = await findKey(client, id, lock);
  if (key === undefined) throw portierError('key_not_found', { keyId: id });
  return key;
}

async function countOf(client: Client, accountId: string, entity: string): Promise<number> {
  const { rows } = await client.query<{ count: number }>('SELECT count FROM entity_counts WHERE account_id = $1 AND entity = $2', [accountId, entity]);
  return rows[0]?.count ?? 0;
}
