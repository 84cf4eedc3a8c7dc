import pg from 'pg';
import type { Clock } from '../clock.js';
import type { PostgresStoreConfig } from '../config/config-types.js';
import { PortierError } from '../errors/portier-error.js';

export type Client = pg.PoolClient;

export interface Migration {
  readonly version: number;
  readonly sql: string;
}

export interface PostgresDatabaseOptions {
  /** Versioned, append-only schema of this store. */
  readonly migrations: readonly Migration[];
  /** Names the advisory lock and the migrations table, so that two stores may share one schema. */
  readonly name: string;
  /** The catalog error a caller gets when the server cannot be reached or answers "not now". */
  readonly unavailable: (cause: unknown) => PortierError;
}

const int8 = 20;

/**
 * One PostgreSQL schema used by one of Portier's stores: a connection pool (epoch-millisecond BIGINTs
 * read as numbers, the schema on the search path, client-side timeouts), migrations run once under an
 * advisory lock so that gateways starting together do not race (retried by the next call when the server
 * was down), and failures of the server turned into the store's catalog error instead of a crash.
 */
export class PostgresDatabase {
  private readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly config: PostgresStoreConfig,
    private readonly clock: Clock,
    private readonly options: PostgresDatabaseOptions,
  ) {
    this.pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolSize,
      connectionTimeoutMillis: config.connectTimeoutMs,
      query_timeout: config.queryTimeoutMs,
      options: `-c search_path=${config.schema}`,
      // Epoch milliseconds are BIGINT: read them as numbers (they stay far below 2^53).
      types: { getTypeParser: (oid: number, format?: string) => (oid === int8 ? Number : pg.types.getTypeParser(oid, format as 'text')) } as pg.CustomTypesConfig,
    });
    // An idle connection the server drops must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  /** Work on a pooled connection, outside a transaction. */
  read<T>(work: (client: Client) => Promise<T>): Promise<T> {
    return this.withClient(work);
  }

  /** Work in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(work: (client: Client) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  close(): void {
    void this.pool.end().catch(() => undefined);
  }

  private async withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
    let client: Client | undefined;
    try {
      await this.migrated();
      client = await this.pool.connect();
      return await work(client);
    } catch (error) {
      throw this.mapped(error);
    } finally {
      client?.release();
    }
  }

  /**
   * Catalog errors pass; a server that cannot be reached or answers "not now" (connection, resource and
   * operator classes 08, 53, 57, or a client-side timeout) is the store's unavailable error; anything
   * else (a bug in a query) stays an unexpected error.
   */
  private mapped(error: unknown): unknown {
    if (error instanceof PortierError) return error;
    const code = error instanceof pg.DatabaseError ? (error.code ?? '') : undefined;
    if (code !== undefined && !/^(08|53|57)/.test(code)) return error;
    return this.options.unavailable(error);
  }

  private migrated(): Promise<void> {
    this.ready ??= this.migrate().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async migrate(): Promise<void> {
    const { name, migrations } = this.options;
    const table = pg.escapeIdentifier(`${name}_migrations`);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Every store on this schema creates it: a lock per schema, taken first by all of them, keeps two
      // stores (accounts and the queue, on two gateways starting together) from racing on CREATE SCHEMA.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`portier-schema-${this.config.schema}`]);
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`portier-${name}-migrations`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(this.config.schema)}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`);
      const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${table}`);
      const applied = new Set(rows.map((row) => row.version));
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${table} (version, applied_at) VALUES ($1, $2)`, [migration.version, this.clock.now()]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
