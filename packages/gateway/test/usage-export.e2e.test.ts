import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { systemClock } from '../src/clock.js';
import { SqliteUsageStore } from '../src/usage/sqlite-usage-store.js';
import { PostgresUsageStore } from '../src/usage/postgres-usage-store.js';
import { UsageMetering } from '../src/usage/usage-metering.js';
import type { UsageStore } from '../src/usage/usage-store.js';
import { latencyBucketsMs, type UsageRow } from '../src/usage/usage-types.js';
import { createLogging } from '../src/log/create-logger.js';
import { storeBackends } from './helpers/store-backends.js';
import { runCli } from './helpers/cli.js';
import { tempDbPath } from './helpers/accounts.js';
import { Writable } from 'node:stream';

const day = 86_400_000;
const at = (iso: string): number => Date.parse(iso);

function row(minute: number, account: string, count: number, extra: Partial<UsageRow> = {}): UsageRow {
  return { minute, account, keyId: `${account}-key`, route: 'rows', status: 200, code: '', owner: '', count, totalMs: count * 2.5, ...extra };
}

const silent = createLogging('error', new Writable({ write: (_chunk, _encoding, callback) => callback() })).logger;

describe.each(storeBackends<UsageStore>((path) => new SqliteUsageStore(path, systemClock), (config) => new PostgresUsageStore(config, systemClock)))('usage store in $name', (backend) => {
  beforeAll(() => backend.setUp());
  afterAll(() => backend.tearDown());

  it(`${backend.name}: writes add up, the newest errors per account are kept, and the retention sweep removes old rows`, async () => {
    const store = backend.open();
    const other = backend.open();
    const now = systemClock.now();
    const recent = now - (now % 60_000);
    const old = recent - 100 * day;
    try {
      const buckets = new Array<number>(latencyBucketsMs.length + 1).fill(0);
      buckets[3] = 2;
      await store.write({ rows: [row(old, 'acc-old', 1), row(recent, 'acc-1', 2)], latency: [{ minute: recent, route: '', buckets }], errors: [] }, 2);
      // A second gateway on the same store: its counts add to the same row.
      await other.write({ rows: [row(recent, 'acc-1', 3)], latency: [{ minute: recent, route: '', buckets }], errors: [] }, 2);
      const errors = [1, 2, 3].map((n) => ({ at: recent + n, correlationId: `c${n}`, account: 'acc-1', keyId: 'k', route: 'rows', method: 'GET', path: '/rows', status: 500, code: 'internal_error' }));
      await store.write({ rows: [], latency: [], errors }, 2);
      expect((await store.rows({ from: recent, to: recent + 60_000 })).map((r) => [r.account, r.count, r.totalMs])).toEqual([['acc-1', 5, 12.5]]);
      expect((await store.latency({ from: recent, to: recent + 60_000, route: '' }))[0]?.buckets[3]).toBe(4);
      expect((await store.recentErrors({ account: 'acc-1', limit: 10 })).map((error) => error.correlationId)).toEqual(['c3', 'c2']);
      expect((await store.recentErrors({ correlationId: 'c2', limit: 10 })).map((error) => error.correlationId)).toEqual(['c2']);
      const metering = new UsageMetering(store, { enabled: true, flushInterval: '1h', retention: '90d', recentErrors: 2, maxPendingRows: 1000 }, systemClock, silent);
      expect((await metering.rows({ from: 0, to: now + day })).map((r) => r.account)).toEqual(['acc-old', 'acc-1']);
      await metering.sweep();
      expect((await metering.rows({ from: 0, to: now + day })).map((r) => r.account)).toEqual(['acc-1']);
      await metering.close();
    } finally {
      other.close();
    }
  });
});

describe('portier usage export', () => {
  let config: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portier-usage-export-'));
    const path = tempDbPath();
    config = join(dir, 'portier.yaml');
    writeFileSync(config, stringify({ usage: { sqlitePath: path }, upstreams: { app: { url: 'http://127.0.0.1:9' } }, routes: [{ id: 'rows', path: '/rows', upstream: 'app' }] }));
    const store = new SqliteUsageStore(path, systemClock);
    await store.write(
      {
        rows: [
          row(at('2026-10-31T23:59:00Z'), 'acc-1', 7),
          row(at('2026-11-01T00:00:00Z'), 'acc-1', 1),
          row(at('2026-11-01T00:01:00Z'), 'acc-1', 2),
          row(at('2026-11-01T05:00:00Z'), 'acc-2', 4, { status: 429, code: 'rate_limited', owner: 'capacity', route: 'a,"b"' }),
          row(at('2026-11-02T00:00:00Z'), 'acc-1', 9),
        ],
        latency: [],
        errors: [],
      },
      200,
    );
    store.close();
  });

  it('CSV: a header row, then one row per minute and combination in the range, from included and to excluded', async () => {
    const result = await runCli(['usage', 'export', '--from', '2026-11-01T00:00:00Z', '--to', '2026-11-02', '--format', 'csv', '--config', config]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\r\n')).toEqual([
      'period,account,keyId,route,status,code,owner,count,totalMs',
      '2026-11-01T00:00:00.000Z,acc-1,acc-1-key,rows,200,,,1,2.5',
      '2026-11-01T00:01:00.000Z,acc-1,acc-1-key,rows,200,,,2,5',
      '2026-11-01T05:00:00.000Z,acc-2,acc-2-key,"a,""b""",429,rate_limited,capacity,4,10',
      '',
    ]);
  });

  it('JSON: one array, summed per day and narrowed to one account', async () => {
    const result = await runCli(['usage', 'export', '--from', '2026-10-01', '--to', '2026-12-01', '--format', 'json', '--per', 'day', '--account', 'acc-1', '--config', config]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { period: '2026-10-31T00:00:00.000Z', account: 'acc-1', keyId: 'acc-1-key', route: 'rows', status: 200, code: '', owner: '', count: 7, totalMs: 17.5 },
      { period: '2026-11-01T00:00:00.000Z', account: 'acc-1', keyId: 'acc-1-key', route: 'rows', status: 200, code: '', owner: '', count: 3, totalMs: 7.5 },
      { period: '2026-11-02T00:00:00.000Z', account: 'acc-1', keyId: 'acc-1-key', route: 'rows', status: 200, code: '', owner: '', count: 9, totalMs: 22.5 },
    ]);
  });

  it('JSON Lines: one object per line; a duration for --from counts back from now', async () => {
    const lines = await runCli(['usage', 'export', '--from', '2026-11-01T05:00:00Z', '--to', '2026-11-01T06:00:00Z', '--format', 'jsonl', '--config', config]);
    expect(lines.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { count: number }).count)).toEqual([4]);
    const recent = await runCli(['usage', 'export', '--from', '1d', '--format', 'json', '--config', config]);
    expect(recent.code).toBe(0);
    expect(JSON.parse(recent.stdout)).toEqual([]);
  });

  it('refuses a --from that is neither a date nor a duration, and an unknown format, with exit code 2', async () => {
    const from = await runCli(['usage', 'export', '--from', 'yesterday', '--config', config]);
    expect([from.code, from.stderr.trim()]).toEqual([2, '--from: "yesterday" is neither an ISO 8601 date nor a duration such as 7d']);
    const format = await runCli(['usage', 'export', '--from', '7d', '--format', 'xml', '--config', config]);
    expect([format.code, format.stderr.trim()]).toEqual([2, '--format: "xml" is not csv, json or jsonl']);
  });
});
