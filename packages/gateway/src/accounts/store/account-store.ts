import type { KeyScope } from '../keys/key-format.js';

export type AccountStatus = 'active' | 'disabled';

export interface Account {
  readonly id: string;
  readonly name: string;
  readonly plan: string;
  readonly status: AccountStatus;
  /** Epoch ms. */
  readonly createdAt: number;
  /** When the account moved to its current plan (epoch ms): trials count from here. */
  readonly planSince: number;
}

export interface ApiKey {
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  /** Resource values the key is limited to (empty: any). */
  readonly bindings: readonly string[];
  /** SHA-256 of the whole key. */
  readonly hash: Buffer;
  readonly status: 'active' | 'revoked';
  readonly createdAt: number;
  readonly lastUsedAt: number | undefined;
  readonly expiresAt: number | undefined;
  readonly revokedAt: number | undefined;
  /** Set when the key was rotated: it works until `graceUntil`, then it is obsolete. */
  readonly rotatedAt: number | undefined;
  readonly graceUntil: number | undefined;
  readonly replacedBy: string | undefined;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface NewKey {
  readonly accountId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly bindings: readonly string[];
  readonly expiresAt: number | undefined;
}

export interface IssuedKey {
  readonly key: ApiKey;
  /** The whole key, to show once. */
  readonly secret: string;
}

/** Settings a store needs to issue keys. */
export interface KeyPolicy extends KeyScope {
  readonly maxKeysPerAccount: number;
  readonly rotationGraceMs: number;
}

/**
 * Accounts, keys and the audit trail. Asynchronous so that a networked backend (PostgreSQL) fits the
 * same contract; every write is one transaction, and every write is audited with its actor.
 * Errors are PortierErrors: `account_not_found`, `key_not_found`, `key_limit_reached`.
 */
export interface AccountStore {
  createAccount(input: { name: string; plan: string }, actor: string): Promise<Account>;
  getAccount(id: string): Promise<Account | undefined>;
  listAccounts(): Promise<Account[]>;
  updateAccount(id: string, changes: { status?: AccountStatus; plan?: string }, actor: string): Promise<Account>;
  createKey(input: NewKey, policy: KeyPolicy, actor: string): Promise<IssuedKey>;
  getKey(id: string): Promise<ApiKey | undefined>;
  listKeys(accountId: string): Promise<ApiKey[]>;
  revokeKey(id: string, actor: string): Promise<ApiKey>;
  /** Issues a replacement with the same settings; the old key works for `policy.rotationGraceMs`. */
  rotateKey(id: string, policy: KeyPolicy, actor: string): Promise<IssuedKey>;
  /** Stores last-used times collected in memory (epoch ms by key id). */
  recordKeyUse(uses: ReadonlyMap<string, number>): Promise<void>;
  listAudit(limit: number): Promise<AuditEntry[]>;
  /**
   * Takes one slot of an entity-count limit if one is free, atomically: two concurrent calls at
   * limit - 1 cannot both succeed. Returns the usage after the call and whether a slot was taken.
   */
  reserveEntity(accountId: string, entity: string, limit: number): Promise<{ readonly taken: boolean; readonly usage: number }>;
  /** Gives one slot back (a failed create, or a confirmed delete); never below zero. */
  releaseEntity(accountId: string, entity: string): Promise<void>;
  /** Sets a count by hand (reconciliation with the backend); audited. */
  setEntityCount(accountId: string, entity: string, count: number, actor: string): Promise<void>;
  entityCounts(accountId: string): Promise<Readonly<Record<string, number>>>;
  /**
   * A number that changes whenever another process (the CLI, another gateway) has written accounts or
   * keys. Writes of last-used times leave it, and so do the other tables sharing the store's database.
   */
  changeMarker(): number | Promise<number>;
  close(): void;
}
