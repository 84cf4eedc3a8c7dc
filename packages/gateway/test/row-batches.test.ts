import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RowBatches } from '../src/accounts/store/row-batches.js';

describe('row batches', () => {
  it('row batches: writes nothing for no rows, and refuses values that are not whole rows', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE pairs (a INTEGER, b TEXT)');
    const batches = new RowBatches(db, 2, (tuples) => `INSERT INTO pairs (a, b) VALUES ${tuples}`);
    batches.run([]);
    expect(() => batches.run([1, 'one', 2])).toThrow('3 values are not rows of 2');
    batches.run([1, 'one', 2, 'two', 3, 'three', 4, 'four', 5, 'five']);
    expect(db.prepare('SELECT a, b FROM pairs ORDER BY a').all()).toEqual([
      { a: 1, b: 'one' },
      { a: 2, b: 'two' },
      { a: 3, b: 'three' },
      { a: 4, b: 'four' },
      { a: 5, b: 'five' },
    ]);
    db.close();
  });
});
