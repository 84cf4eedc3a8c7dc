import type Database from 'better-sqlite3';

/** Rows per statement, largest first: a batch is written 64 rows a step, its rest 16, 4 and 1 at a time. */
const stepSizes = [64, 16, 4, 1] as const;

/**
 * One SQL statement run for many rows at once (`VALUES (?, ?), (?, ?), ...`), for the background
 * writes that follow the traffic (usage minutes, counter snapshots, last-used times). A usage row
 * written alone cost about 39,600 instructions with named parameters and 28,200 with positional ones;
 * 64 to a statement, 20,200 (callgrind): better-sqlite3's call, reset and result object are paid once
 * a statement, and what is left is SQLite's B-tree work. Values are bound by position and passed as
 * arguments: an array argument is read back through V8's slow element access, value by value.
 */
export class RowBatches {
  private readonly statements = new Map<number, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    /** Values per row. */
    private readonly width: number,
    /** The statement for `rows` rows, given its `(?, ...), (?, ...)` list. */
    private readonly sqlFor: (tuples: string) => string,
  ) {}

  /** Writes every row of `values` (`width` values a row, row after row); call it inside a transaction. */
  run(values: readonly unknown[]): void {
    const { width } = this;
    if (values.length % width !== 0) throw new Error(`${values.length} values are not rows of ${width}`);
    let offset = 0;
    for (const rows of stepSizes) {
      const step = rows * width;
      while (values.length - offset >= step) {
        this.statement(rows).run(...values.slice(offset, offset + step));
        offset += step;
      }
    }
  }

  private statement(rows: number): Database.Statement {
    let statement = this.statements.get(rows);
    if (statement === undefined) {
      const tuple = `(${Array.from({ length: this.width }, () => '?').join(', ')})`;
      statement = this.db.prepare(this.sqlFor(Array.from({ length: rows }, () => tuple).join(', ')));
      this.statements.set(rows, statement);
    }
    return statement;
  }
}
