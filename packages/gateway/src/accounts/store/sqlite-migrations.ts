/**
 * Versioned schema of the SQLite store. Append only: a migration, once released, never changes;
 * each runs once, in its own transaction, at start.
 */
export const sqliteMigrations: readonly { readonly version: number; readonly sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        plan TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
        created_at INTEGER NOT NULL,
        plan_since INTEGER NOT NULL
      );
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        name TEXT NOT NULL,
        scopes TEXT NOT NULL,
        bindings TEXT NOT NULL,
        hash BLOB NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        expires_at INTEGER,
        revoked_at INTEGER,
        rotated_at INTEGER,
        grace_until INTEGER,
        replaced_by TEXT
      );
      CREATE INDEX api_keys_account ON api_keys(account_id);
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        details TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE entity_counts (
        account_id TEXT NOT NULL REFERENCES accounts(id),
        entity TEXT NOT NULL,
        count INTEGER NOT NULL CHECK (count >= 0),
        PRIMARY KEY (account_id, entity)
      );
    `,
  },
  {
    version: 3,
    sql: `
      CREATE TABLE rate_counters (
        key TEXT PRIMARY KEY,
        window_start INTEGER NOT NULL,
        window_end INTEGER NOT NULL,
        current INTEGER NOT NULL,
        previous INTEGER NOT NULL
      );
      CREATE INDEX rate_counters_end ON rate_counters(window_end);
    `,
  },
];
