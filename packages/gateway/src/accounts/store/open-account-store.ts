import type { Clock } from '../../clock.js';
import type { AuthConfig } from '../../config/config-types.js';
import type { AccountStore } from './account-store.js';
import { PostgresAccountStore } from './postgres-account-store.js';
import { SqliteAccountStore } from './sqlite-account-store.js';

/** The account store the `auth.store` section names: PostgreSQL when configured, else the SQLite file. */
export function openAccountStore(store: AuthConfig['store'], clock: Clock): AccountStore {
  return store.postgres === undefined ? new SqliteAccountStore(store.sqlitePath, clock) : new PostgresAccountStore(store.postgres, clock);
}
