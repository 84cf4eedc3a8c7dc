import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/clock.js';
import { PostgresUsageStore } from '../src/usage/postgres-usage-store.js';
import { SqliteUsageStore } from '../src/usage/sqlite-usage-store.js';
import type { UsageStore } from '../src/usage/usage-store.js';
import type { RecentError, UsageRow } from '../src/usage/usage-types.js';
import { tempDbPath } from './helpers/accounts.js';
import { dropSchema, requireSharedPostgres, testPostgresConfig, uniqueSchema } from './helpers/postgres.js';

const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

const backends = [
  { name: 'SQLite', open: (): UsageStore => new SqliteUsageStore(tempDbPath(), systemClock) },
  {
    name: 'PostgreSQL',
    open: (): UsageStore => {
      const schema = uniqueSchema();
      schemas.push(schema);
      return new PostgresUsageStore(testPostgresConfig(schema), systemClock);
    },
  },
];

function errorOf(account: string, correlationId: string, at: number): RecentError {
  return { at, correlationId, account, keyId: `key-${account}`, route: 'things', method: 'GET', path: '/v1/things', status: 429, code: 'rate_limited' };
}

describe.each(backends)('usage store in $name', (backend) => {
  it(`${backend.name}: an account's error by correlation ID is found however many errors another account sent with that same ID`, async () => {
    if (backend.name === 'PostgreSQL') await requireSharedPostgres();
    const store = backend.open();
    try {
      // Correlation IDs come from the client: another account can reuse one it saw, as often as it likes.
      const others = Array.from({ length: 30 }, (_, index) => errorOf('acc_other', 'shared-id', 2_000 + index));
      await store.write({ rows: [], latency: [], errors: [errorOf('acc_mine', 'shared-id', 1_000), ...others] }, 100);
      const found = await store.recentErrors({ account: 'acc_mine', correlationId: 'shared-id', limit: 20 });
      expect(found.map((error) => error.account)).toEqual(['acc_mine']);
    } finally {
      store.close();
    }
  });

  it(`${backend.name}: a flush of more rows than one statement writes (151 rows, 70 latency rows) keeps every row's values, and a second flush adds to them`, async () => {
    if (backend.name === 'PostgreSQL') await requireSharedPostgres();
    const store = backend.open();
    try {
      const rows: UsageRow[] = Array.from({ length: 151 }, (_, index) => ({ minute: 120_000, account: `acc_${index}`, keyId: `key_${index}`, route: 'things', status: index % 2 === 0 ? 200 : 429, code: index % 2 === 0 ? '' : 'rate_limited', owner: index % 2 === 0 ? '' : 'client', count: index + 1, totalMs: index / 4 }));
      const latency = Array.from({ length: 70 }, (_, index) => ({ minute: 120_000, route: `r${index}`, buckets: [index, 0, 1] }));
      await store.write({ rows, latency, errors: [] }, 10);
      await store.write({ rows: rows.slice(0, 3), latency: latency.slice(0, 2), errors: [] }, 10);
      const stored = await store.rows({ from: 120_000, to: 180_000 });
      expect(stored).toHaveLength(151);
      const byAccount = new Map(stored.map((row) => [row.account, row]));
      for (const [index, row] of rows.entries()) {
        const twice = index < 3 ? 2 : 1;
        expect(byAccount.get(row.account)).toEqual({ ...row, count: row.count * twice, totalMs: row.totalMs * twice });
      }
      const buckets = await store.latency({ from: 120_000, to: 180_000 });
      expect(buckets).toHaveLength(70);
      for (const row of buckets) {
        const index = Number(row.route.slice(1));
        const twice = index < 2 ? 2 : 1;
        expect(row.buckets.slice(0, 3)).toEqual([index * twice, 0, twice]);
      }
    } finally {
      store.close();
    }
  });
});

describe('usage store in PostgreSQL, several gateways', () => {
  it('PostgreSQL: two gateways flushing the same rows at once, in opposite orders, both succeed and add up (no deadlock)', async () => {
    await requireSharedPostgres();
    const schema = uniqueSchema();
    schemas.push(schema);
    const one = new PostgresUsageStore(testPostgresConfig(schema), systemClock);
    const two = new PostgresUsageStore(testPostgresConfig(schema), systemClock);
    try {
      await one.write({ rows: [], latency: [], errors: [] }, 10);
      await two.write({ rows: [], latency: [], errors: [] }, 10);
      // Each gateway's meter lists its rows in the order it first saw them: here exactly reversed.
      const rows: UsageRow[] = Array.from({ length: 400 }, (_, index) => ({ minute: 60_000, account: `acc_${index}`, keyId: 'k', route: 'things', status: 200, code: '', owner: '', count: 1, totalMs: 1 }));
      const latency = rows.slice(0, 50).map((_, index) => ({ minute: 60_000, route: `r${index}`, buckets: [1, 1, 1] }));
      const rounds = 6;
      for (let round = 0; round < rounds; round++) {
        await Promise.all([one.write({ rows, latency, errors: [] }, 10), two.write({ rows: [...rows].reverse(), latency: [...latency].reverse(), errors: [] }, 10)]);
      }
      const stored = await one.rows({ from: 0, to: 120_000 });
      expect(stored).toHaveLength(rows.length);
      expect(new Set(stored.map((row) => row.count))).toEqual(new Set([2 * rounds]));
    } finally {
      one.close();
      two.close();
    }
  });
});
