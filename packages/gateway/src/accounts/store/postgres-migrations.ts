/**
 * Versioned schema of the PostgreSQL account store (the shared backend of the `auth` section). Append
 * only: a migration, once released, never changes; each runs once, in one transaction, under an
 * advisory lock so that gateways starting together do not race.
 */
export const postgresMigrations: readonly { readonly version: number; readonly sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        plan TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
        created_at BIGINT NOT NULL,
        plan_since BIGINT NOT NULL
      );
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        name TEXT NOT NULL,
        scopes JSONB NOT NULL,
        bindings JSONB NOT NULL,
        hash BYTEA NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
        created_at BIGINT NOT NULL,
        last_used_at BIGINT,
        expires_at BIGINT,
        revoked_at BIGINT,
        rotated_at BIGINT,
        grace_until BIGINT,
        replaced_by TEXT
      );
      CREATE INDEX api_keys_account ON api_keys(account_id);
      CREATE TABLE audit_log (
        id BIGSERIAL PRIMARY KEY,
        at BIGINT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        details JSONB NOT NULL
      );
      CREATE TABLE entity_counts (
        account_id TEXT NOT NULL REFERENCES accounts(id),
        entity TEXT NOT NULL,
        count INTEGER NOT NULL CHECK (count >= 0),
        PRIMARY KEY (account_id, entity)
      );
      -- Bumped by every write that changes what a gateway caches (not by last-used times): gateways
      -- poll it and empty their key cache when it moves.
      CREATE TABLE store_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version BIGINT NOT NULL
      );
      INSERT INTO store_version (id, version) VALUES (1, 0);
    `,
  },
];
