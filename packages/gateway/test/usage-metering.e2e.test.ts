import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import Database from 'better-sqlite3';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';
import { dropSchema, postgresStore, requireSharedPostgres, uniqueSchema } from './helpers/postgres.js';
import type { UsageMetering } from '../src/usage/usage-metering.js';
import type { UsageRow } from '../src/usage/usage-types.js';

/** What a test sent, summed per (account, key, route, status, code, owner), whatever the minutes. */
function summed(rows: readonly UsageRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of rows) {
    const key = [row.account, row.keyId, row.route, row.status, row.code, row.owner].join('|');
    out[key] = (out[key] ?? 0) + row.count;
  }
  return out;
}

/** What each sum gained between two readings; the sums that did not move are left out. */
function addedSince(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, count] of Object.entries(after)) if (count !== (before[key] ?? 0)) out[key] = count - (before[key] ?? 0);
  return out;
}

/** Requests in a latency reading, every bucket of every row. */
function latencyCount(rows: readonly { buckets: readonly number[] }[]): number {
  return rows.reduce((sum, row) => sum + row.buckets.reduce((total, count) => total + count, 0), 0);
}

const everything = { from: 0, to: Date.now() + 3_600_000 };

function usageOf(portier: TestGateway): UsageMetering {
  const usage = portier.gateway.usage;
  if (usage === undefined) throw new Error('usage metering is off');
  return usage;
}

async function send(portier: TestGateway, path: string, secret?: string): Promise<number> {
  const response = await request(`${portier.url}${path}`, { headers: secret === undefined ? {} : { authorization: `Bearer ${secret}` } });
  await response.body.dump();
  return response.statusCode;
}

let upstream: TestUpstream;
beforeAll(async () => {
  upstream = await startUpstream((req, res) => (req.url?.startsWith('/teapot') === true ? json(res, 418, { short: 'and stout' }) : json(res, 200, { ok: true })));
});
afterAll(async () => {
  await upstream.close();
});

const backends = [
  { name: 'SQLite', store: (): { store: Record<string, unknown>; done: () => Promise<void> } => ({ store: { sqlitePath: tempDbPath() }, done: async () => undefined }) },
  {
    name: 'PostgreSQL',
    store: (): { store: Record<string, unknown>; done: () => Promise<void> } => {
      const schema = uniqueSchema();
      return { store: { postgres: postgresStore(schema) }, done: () => dropSchema(schema) };
    },
  },
];

describe.each(backends)('usage metering in $name', (backend) => {
  let config: Record<string, unknown>;
  let done: () => Promise<void>;
  let first: TestGateway;
  let second: TestGateway;
  let keys: { account: string; a: { id: string; secret: string }; b: { id: string; secret: string } };

  beforeAll(async () => {
    if (backend.name === 'PostgreSQL') await requireSharedPostgres();
    const made = backend.store();
    done = made.done;
    config = {
      auth: { instance: 'eu1', store: made.store },
      plans: { free: {} },
      upstreams: { app: { url: upstream.url } },
      routes: [
        { id: 'rows', path: '/rows', upstream: 'app', auth: {} },
        { id: 'teapot', path: '/teapot', upstream: 'app', auth: {} },
      ],
    };
    first = await startGateway(config);
    second = await startGateway(config);
    const admin = adminOf(first, config);
    const account = await admin.createAccount('Acme', 'free');
    const a = await admin.createKey({ accountId: account.id, name: 'a' });
    const b = await admin.createKey({ accountId: account.id, name: 'b' });
    keys = { account: account.id, a: { id: a.key.id, secret: a.secret }, b: { id: b.key.id, secret: b.secret } };
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await done();
  });

  it(`${backend.name}: counts in the store match what was sent, by account, key, route, code and owner, across two gateways`, async () => {
    const { account, a, b } = keys;
    // The other tests of this store send too, in any order: count what this one adds.
    expect(await usageOf(first).flush()).toBe(true);
    expect(await usageOf(second).flush()).toBe(true);
    const before = summed(await usageOf(first).store.rows(everything));
    const latencyBefore = latencyCount(await usageOf(second).latency({ ...everything, route: '' }));
    for (let i = 0; i < 3; i++) expect(await send(first, '/rows', a.secret)).toBe(200);
    for (let i = 0; i < 2; i++) expect(await send(second, '/rows', a.secret)).toBe(200);
    expect(await send(second, '/rows', b.secret)).toBe(200);
    expect(await send(first, '/teapot?secret=hidden', b.secret)).toBe(418);
    expect(await send(first, '/rows')).toBe(401);
    expect(await send(second, '/rows')).toBe(401);
    expect(await send(second, '/nowhere')).toBe(404);
    expect(await usageOf(first).flush()).toBe(true);
    expect(await usageOf(second).flush()).toBe(true);
    // Read through the store alone: both gateways have flushed everything.
    const stored = await usageOf(first).store.rows(everything);
    expect(addedSince(before, summed(stored))).toEqual({
      [`${account}|${a.id}|rows|200||`]: 5,
      [`${account}|${b.id}|rows|200||`]: 1,
      [`${account}|${b.id}|teapot|418||upstream`]: 1,
      ['||rows|401|authentication_required|client']: 2,
      ['|||404|not_found|client']: 1,
    });
    const errors = await usageOf(first).recentErrors({ account, limit: 10 });
    expect(errors.map((error) => [error.route, error.path, error.status, error.code])).toEqual([['teapot', '/teapot', 418, '']]);
    const latency = await usageOf(second).latency({ ...everything, route: '' });
    expect(latencyCount(latency) - latencyBefore).toBe(10);
  });

  it(`${backend.name}: the reader adds what a gateway holds unflushed to the store's rows`, async () => {
    const before = summed(await usageOf(second).rows({ ...everything, account: keys.account }));
    expect(await send(first, '/rows', keys.a.secret)).toBe(200);
    const after = summed(await usageOf(first).rows({ ...everything, account: keys.account }));
    const key = `${keys.account}|${keys.a.id}|rows|200||`;
    expect(after[key]).toBe((before[key] ?? 0) + 1);
  });

  it(`${backend.name}: a graceful restart loses no count`, async () => {
    const key = `${keys.account}|${keys.b.id}|rows|200||`;
    await usageOf(first).flush();
    const before = summed(await usageOf(first).store.rows(everything))[key] ?? 0;
    for (let i = 0; i < 4; i++) expect(await send(second, '/rows', keys.b.secret)).toBe(200);
    // No flush: shutdown writes them before the store closes.
    await second.close();
    second = await startGateway(config);
    const after = summed(await usageOf(second).store.rows(everything))[key];
    expect(after).toBe(before + 4);
  });
});

describe('usage metering: a dead SQLite store at flush', () => {
  it('SQLite: a flush the store refuses keeps the counts, and the next one writes them all', async () => {
    const path = tempDbPath();
    const config = { auth: { instance: 'eu1', store: { sqlitePath: path } }, upstreams: { app: { url: upstream.url } }, routes: [{ id: 'open', path: '/open', upstream: 'app' }] };
    const portier = await startGateway(config);
    try {
      for (let i = 0; i < 3; i++) expect(await send(portier, '/open')).toBe(200);
      // Another connection holds the file's write lock: the flush waits out the busy timeout and fails.
      const holder = new Database(path);
      holder.exec('BEGIN EXCLUSIVE');
      try {
        expect(await usageOf(portier).flush()).toBe(false);
      } finally {
        holder.exec('ROLLBACK');
        holder.close();
      }
      await portier.logged((line) => line['msg'] === 'usage flush failed: the counts stay in memory and are written at the next flush', 'the failed flush logged');
      for (let i = 0; i < 2; i++) expect(await send(portier, '/open')).toBe(200);
      expect(await usageOf(portier).flush()).toBe(true);
      expect(summed(await usageOf(portier).store.rows(everything))).toEqual({ '||open|200||': 5 });
    } finally {
      await portier.close();
    }
  }, 30_000);
});

describe('usage metering: shutdown with a request still running', () => {
  it('SQLite: a request cut off when the shutdown grace period ends is still counted in the last flush', async () => {
    const path = tempDbPath();
    // An upstream that answers only when the test lets it: the request outlives the grace period.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = await startUpstream((_req, res) => void released.then(() => json(res, 200, { late: true })));
    const config = { auth: { instance: 'eu1', store: { sqlitePath: path } }, upstreams: { app: { url: slow.url } }, routes: [{ id: 'slow', path: '/slow', upstream: 'app' }] };
    const portier = await startGateway(config);
    try {
      const pending = request(`${portier.url}/slow`).then(
        (response) => response.body.dump(),
        () => undefined,
      );
      await slow.received(1);
      await portier.gateway.shutdown(50);
      await pending;
    } finally {
      release();
      await portier.close();
      await slow.close();
    }
    const store = new Database(path, { readonly: true });
    try {
      const counted = store.prepare("SELECT COALESCE(SUM(count), 0) AS n FROM usage_minutes WHERE route_id = 'slow'").get() as { n: number };
      expect(counted.n).toBe(1);
    } finally {
      store.close();
    }
  }, 30_000);
});
