import { tempDbPath } from './accounts.js';
import { dropSchema, requireSharedPostgres, testPostgresConfig, uniqueSchema } from './postgres.js';
import type { PostgresStoreConfig } from '../../src/config/config-types.js';

/** One backend of a store contract suite: `open()` gives a store on the same data each time (two calls: two gateways). */
export interface StoreBackend<T> {
  readonly name: string;
  setUp(): Promise<void>;
  open(): T;
  tearDown(): Promise<void>;
}

/** The two backends every shared store has: a fresh SQLite file, and a fresh schema on the shared PostgreSQL. */
export function storeBackends<T>(openSqlite: (path: string) => T, openPostgres: (config: PostgresStoreConfig) => T): StoreBackend<T>[] {
  let path = '';
  const schema = uniqueSchema();
  return [
    {
      name: 'SQLite',
      setUp: async () => {
        path = tempDbPath();
      },
      open: () => openSqlite(path),
      tearDown: async () => undefined,
    },
    {
      name: 'PostgreSQL',
      setUp: () => requireSharedPostgres(),
      open: () => openPostgres(testPostgresConfig(schema)),
      tearDown: () => dropSchema(schema),
    },
  ];
}
