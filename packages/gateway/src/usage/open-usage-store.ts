import type { Clock } from '../clock.js';
import type { PortierConfig } from '../config/config-types.js';
import { PostgresUsageStore } from './postgres-usage-store.js';
import { SqliteUsageStore } from './sqlite-usage-store.js';
import type { UsageStore } from './usage-store.js';

/**
 * Where usage is written: `usage.sqlitePath`; else the account store (its PostgreSQL schema, or its
 * SQLite file); undefined without either (no `auth` section and no `usage.sqlitePath`).
 */
export function openUsageStore(config: PortierConfig, clock: Clock): UsageStore | undefined {
  if (config.usage.sqlitePath !== undefined) return new SqliteUsageStore(config.usage.sqlitePath, clock);
  const store = config.auth?.store;
  if (store === undefined) return undefined;
  if (store.postgres !== undefined) return new PostgresUsageStore(store.postgres, clock);
  return new SqliteUsageStore(store.sqlitePath, clock);
}
