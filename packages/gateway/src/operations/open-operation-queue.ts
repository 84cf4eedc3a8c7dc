import type { Clock } from '../clock.js';
import type { PortierConfig } from '../config/config-types.js';
import type { OperationQueue } from './operation-queue.js';
import { PostgresOperationQueue } from './postgres-operation-queue.js';
import { SqliteOperationQueue } from './sqlite-operation-queue.js';

/** The operation queue the config names: PostgreSQL, `operations.sqlitePath`, else the `auth` section's database. */
export function openOperationQueue(config: PortierConfig, clock: Clock): OperationQueue {
  if (config.operations.postgres !== undefined) return new PostgresOperationQueue(config.operations.postgres, clock);
  const path = config.operations.sqlitePath ?? config.auth?.store.sqlitePath;
  if (path === undefined) throw new Error('async routes need operations.sqlitePath or auth.store.sqlitePath: config check should prevent it');
  return new SqliteOperationQueue(path, clock);
}
