import type Database from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { openDatabase } from '../../accounts/store/open-database.js';
import { RowBatches } from '../../accounts/store/row-batches.js';
import type { Logger } from '../../log/create-logger.js';
import type { CounterSnapshot, LocalCounters } from './local-counters.js';

/** How often changed long-window counters are written: at most this much counting is lost on a crash. */
export const snapshotIntervalMs = 5000;

/**
 * Keeps the in-process counters of long windows (an hour and more) in SQLite, so a restart does not hand
 * every account a fresh day. Changed counters are written in one transaction every 5 seconds and at
 * shutdown; at start, those whose window is not over are loaded back.
 */
export class CounterSnapshots {
  private readonly db: Database.Database;
  private readonly timer: NodeJS.Timeout;
  private readonly upserts: RowBatches;

  constructor(
    path: string,
    private readonly counters: LocalCounters,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.db = openDatabase(path, clock);
    this.upserts = new RowBatches(
      this.db,
      5,
      (tuples) => `INSERT INTO rate_counters (key, window_start, window_end, current, previous) VALUES ${tuples}
       ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start, window_end = excluded.window_end,
       current = excluded.current, previous = excluded.previous`,
    );
    const now = clock.now();
    this.db.prepare('DELETE FROM rate_counters WHERE window_end + (window_end - window_start) <= ?').run(now);
    const rows = this.db.prepare('SELECT key, window_start AS start, window_end AS end, current, previous FROM rate_counters').all() as CounterSnapshot[];
    counters.restore(rows);
    this.timer = setInterval(() => this.save(), snapshotIntervalMs).unref();
  }

  /** Writes what changed; never throws (a failed write is logged and retried with the next batch). */
  save(): void {
    // With nothing changed the transaction below is empty: it takes no lock and writes nothing.
    const changed = this.counters.takeChanged();
    const values: unknown[] = [];
    for (const row of changed) values.push(row.key, row.start, row.end, row.current, row.previous);
    try {
      this.db.transaction(() => this.upserts.run(values))();
    } catch (error) {
      this.logger.error({ err: error, counters: changed.length }, 'could not save rate-limit counters');
      this.counters.requeue(changed.map((row) => row.key));
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.save();
    this.db.close();
  }
}
