import Database from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { sqliteMigrations } from './sqlite-migrations.js';

/**
 * Opens (or creates) the gateway's SQLite file in WAL mode and brings its schema up to date. Every
 * user of the file (accounts and keys, rate-limit counters) opens it through here, so the schema has one
 * owner whichever feature touches the file first.
 */
export function openDatabase(path: string, clock: Clock): Database.Database {
  const db = new Database(path);
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
