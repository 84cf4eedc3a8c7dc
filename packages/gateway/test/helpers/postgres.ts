import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The shared PostgreSQL of this machine and CI. Tests fail (never skip) when it is not there. */
export const sharedPostgresUrl = process.env['PORTIER_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function requireSharedPostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: sharedPostgresUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`these tests need PostgreSQL at ${sharedPostgresUrl} (start it, or set PORTIER_TEST_POSTGRES_URL): ${String(error)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A schema name no other test uses; drop it with `dropSchema` when done. */
export function uniqueSchema(): string {
  return `portier_test_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: sharedPostgresUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

/** The `auth.store.postgres` section for a test schema on the shared server. */
export function postgresStore(schema: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { url: sharedPostgresUrl, schema, ...overrides };
}

/** A store config for a test schema, with the defaults the config schema gives. */
export function testPostgresConfig(schema: string): { url: string; schema: string; poolSize: number; connectTimeoutMs: number; queryTimeoutMs: number } {
  return { url: sharedPostgresUrl, schema, poolSize: 8, connectTimeoutMs: 2000, queryTimeoutMs: 5000 };
}
