import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { sqliteMigrations } from './sqlite-migrations.js';

/** A store file that cannot be opened: the deployment's to fix, said in one line, with no stack. */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
}

/**
 * Opens (or creates) the gateway's SQLite file in WAL mode and brings its schema up to date. Every
 * user of the file (accounts and keys, rate-limit counters) opens it through here, so the schema has one
 * owner whichever feature touches the file first. Its folder is created too (`/var/lib/portier/` on a
 * new host): SQLite creates a missing file but not a missing folder. A file that cannot be opened is
 * an error naming it.
 */
export function openDatabase(path: string, clock: Clock): Database.Database {
  let db: Database.Database;
  try {
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
  } catch (error) {
    throw new StoreOpenError(`cannot open the SQLite file ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((row) => row.version));
  for (const migration of sqliteMigrations) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(migration.version, clock.now());
    }).immediate();
  }
  return db;
}
