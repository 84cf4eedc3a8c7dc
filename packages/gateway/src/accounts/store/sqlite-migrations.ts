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
  {
    version: 4,
    sql: `
      CREATE TABLE idempotency_records (
        scope TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        owner TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
        lock_until INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        status INTEGER,
        headers TEXT,
        body BLOB,
        correlation_id TEXT
      );
      CREATE INDEX idempotency_records_expiry ON idempotency_records(expires_at);
      CREATE TABLE operations (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        route_id TEXT NOT NULL,
        method TEXT NOT NULL,
        url TEXT NOT NULL,
        params TEXT NOT NULL,
        headers TEXT NOT NULL,
        body BLOB,
        correlation_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('Pending', 'Success', 'Failed', 'TimedOut')),
        attempts INTEGER NOT NULL DEFAULT 0,
        requested_at INTEGER NOT NULL,
        deadline_at INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        lease_until INTEGER NOT NULL DEFAULT 0,
        completed_at INTEGER,
        result_status INTEGER,
        result_headers TEXT,
        result_body BLOB,
        error TEXT,
        webhook_state TEXT CHECK (webhook_state IN ('pending', 'delivered', 'failed')),
        webhook_attempts INTEGER NOT NULL DEFAULT 0,
        webhook_next_at INTEGER
      );
      CREATE INDEX operations_due ON operations(status, next_attempt_at);
      CREATE INDEX operations_account ON operations(account_id, requested_at DESC, id DESC);
      CREATE INDEX operations_webhooks ON operations(webhook_state, webhook_next_at);
      CREATE INDEX operations_completed ON operations(completed_at);
    `,
  },
  {
    // What KeyDirectory watches to see other processes' account and key changes. Not data_version:
    // that moves with every write to the file (rate-limit snapshots, idempotency records, the operation
    // queue) and emptied the key cache every 5 s. last_used_at is left out: it is written every 10 s by
    // every gateway and is not what a cached key is checked against.
    version: 5,
    sql: `
      CREATE TABLE accounts_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
      );
      INSERT INTO accounts_version (id, version) VALUES (1, 0);
      CREATE TRIGGER accounts_version_account_insert AFTER INSERT ON accounts
        BEGIN UPDATE accounts_version SET version = version + 1; END;
      CREATE TRIGGER accounts_version_account_update AFTER UPDATE ON accounts
        BEGIN UPDATE accounts_version SET version = version + 1; END;
      CREATE TRIGGER accounts_version_account_delete AFTER DELETE ON accounts
        BEGIN UPDATE accounts_version SET version = version + 1; END;
      CREATE TRIGGER accounts_version_key_insert AFTER INSERT ON api_keys
        BEGIN UPDATE accounts_version SET version = version + 1; END;
      CREATE TRIGGER accounts_version_key_update
        AFTER UPDATE OF id, account_id, name, scopes, bindings, hash, status, created_at, expires_at, revoked_at, rotated_at, grace_until, replaced_by
        ON api_keys
        BEGIN UPDATE accounts_version SET version = version + 1; END;
      CREATE TRIGGER accounts_version_key_delete AFTER DELETE ON api_keys
        BEGIN UPDATE accounts_version SET version = version + 1; END;
    `,
  },
  {
    // Usage metering (src/usage): minute rows added to by every gateway, latency buckets, recent errors.
    version: 6,
    sql: `
      CREATE TABLE usage_minutes (
        minute INTEGER NOT NULL,
        account_id TEXT NOT NULL,
        key_id TEXT NOT NULL,
        route_id TEXT NOT NULL,
        status INTEGER NOT NULL,
        code TEXT NOT NULL,
        owner TEXT NOT NULL,
        count INTEGER NOT NULL,
        total_ms REAL NOT NULL,
        PRIMARY KEY (minute, account_id, key_id, route_id, status, code)
      ) WITHOUT ROWID;
      CREATE INDEX usage_minutes_account ON usage_minutes(account_id, minute);
      CREATE TABLE usage_latency (
        minute INTEGER NOT NULL,
        route_id TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (minute, route_id, bucket)
      ) WITHOUT ROWID;
      CREATE TABLE usage_errors (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
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
