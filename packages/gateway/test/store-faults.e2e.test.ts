import { afterEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream } from './helpers/upstream.js';
import { PrivateRedis, requireSharedRedis, sharedRedisUrl, uniquePrefix } from './helpers/redis.js';
import { PrivatePostgres } from './helpers/private-postgres.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';
import { waitFor } from './helpers/wait-for.js';

// Issue 14 fault cases over real sockets, each on private servers (never the shared Redis/PostgreSQL
// processes): Redis paused under load, the gateway's own event loop stalled, PostgreSQL stopped and
// restarted under load, idempotency records on Redis during an outage.

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const adminToken = 'store-faults-admin-token-0123456789abcdef';

async function adminStatus(portier: TestGateway): Promise<{ rateLimits: { available: boolean; fallbackDecisions: number } }> {
  const response = await request(`${portier.gateway.adminUrl as string}/admin/status`, { headers: { authorization: `Bearer ${adminToken}` } });
  return (await response.body.json()) as { rateLimits: { available: boolean; fallbackDecisions: number } };
}

/** Requests in `workers` parallel loops until stopped; counts answers by status and code. */
function load(send: () => Promise<{ status: number; code?: string }>, workers = 8): { stop(): Promise<Record<string, number>> } {
  let running = true;
  const counts: Record<string, number> = {};
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const answer = await send();
      const name = answer.code === undefined ? String(answer.status) : `${answer.status} ${answer.code}`;
      counts[name] = (counts[name] ?? 0) + 1;
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return counts;
    },
  };
}

async function answer(url: string, headers: Record<string, string> = {}, method: 'GET' | 'POST' = 'GET'): Promise<{ status: number; code?: string }> {
  const response = await request(url, { method, headers });
  const text = await response.body.text();
  if (response.statusCode < 400) return { status: response.statusCode };
  return { status: response.statusCode, code: (JSON.parse(text) as { code: string }).code };
}

describe('store faults', () => {
  it('redis fault: paused (SIGSTOP) under load, limits fall back to local counting, nothing crashes, and counting returns to Redis after SIGCONT', async () => {
    const upstream = await startUpstream((_req, res) => json(res, 200, {}));
    cleanups.push(() => upstream.close());
    const redis = await PrivateRedis.create();
    cleanups.push(() => redis.kill());
    const prefix = uniquePrefix();
    const portier = await startGateway({
      admin: { port: 0, token: adminToken },
      rateLimits: { redis: { url: redis.url, keyPrefix: prefix, timeoutMs: 200, replicas: 4 } },
      upstreams: { app: { url: upstream.url } },
      routes: [{ id: 'busy', path: '/busy', upstream: 'app', limits: [{ name: 'minute', limit: 100_000, per: 'minute', by: ['route'], whenStoreDown: 'local' }] }],
    });
    cleanups.push(() => portier.close());
    await waitFor(async () => (await adminStatus(portier)).rateLimits, { what: 'Redis up at start', until: (limits) => limits.available });

    const traffic = load(() => answer(`${portier.url}/busy`));
    await upstream.received(21);
    expect((await adminStatus(portier)).rateLimits.fallbackDecisions).toBe(0);
    redis.pause();
    try {
      await waitFor(async () => (await adminStatus(portier)).rateLimits, { what: 'fallback engaged', until: (limits) => !limits.available });
      const during = (await adminStatus(portier)).rateLimits.fallbackDecisions;
      await waitFor(async () => (await adminStatus(portier)).rateLimits, {
        what: `more than ${during + 20} requests decided locally`,
        until: (limits) => limits.fallbackDecisions > during + 20,
      });
    } finally {
      redis.resume();
    }
    await waitFor(async () => (await adminStatus(portier)).rateLimits, { what: 'Redis back', until: (limits) => limits.available });
    const counts = await traffic.stop();
    // `local`: every request was answered by the upstream, none refused or failed.
    expect(Object.keys(counts)).toEqual(['200']);
    expect(portier.logs.some((line) => line['msg'] === 'rate-limit store unavailable: limits follow their whenStoreDown policy')).toBe(true);
    expect(portier.logs.some((line) => line['msg'] === 'rate-limit store recovered: counting in Redis again')).toBe(true);

    // Counting is in Redis again, exactly: 10 requests move the shared counter by 10.
    const client = new Redis(redis.url);
    cleanups.push(() => client.disconnect());
    const keys = await client.keys(`${prefix}*`);
    expect(keys).toHaveLength(1);
    const before = Number(await client.hget(keys[0] as string, 'c'));
    const fallbackBefore = (await adminStatus(portier)).rateLimits.fallbackDecisions;
    for (let i = 0; i < 10; i++) expect((await answer(`${portier.url}/busy`)).status).toBe(200);
    const after = Number(await client.hget(keys[0] as string, 'c'));
    const fallbackAfter = (await adminStatus(portier)).rateLimits.fallbackDecisions;
    // A window may turn meanwhile (the counter restarts); otherwise it moved by exactly 10.
    expect(after === before + 10 || after <= 10).toBe(true);
    expect(fallbackAfter).toBe(fallbackBefore);
    console.log(`redis paused under load: answers ${JSON.stringify(counts)}, decided without Redis ${fallbackBefore}`);
  }, 30_000);

  it('redis fault: the gateway\'s own event loop stalled far past timeoutMs on a healthy Redis gives no 503 under `closed` and no fallback decision', async () => {
    await requireSharedRedis();
    const upstream = await startUpstream((_req, res) => json(res, 200, {}));
    cleanups.push(() => upstream.close());
    const portier = await startGateway({
      admin: { port: 0, token: adminToken },
      rateLimits: { redis: { url: sharedRedisUrl, keyPrefix: uniquePrefix(), timeoutMs: 100 } },
      upstreams: { app: { url: upstream.url } },
      routes: [{ id: 'strict', path: '/strict', upstream: 'app', limits: [{ name: 'minute', limit: 100_000, per: 'minute', by: ['route'], whenStoreDown: 'closed' }] }],
    });
    cleanups.push(() => portier.close());
    await waitFor(async () => (await adminStatus(portier)).rateLimits, { what: 'Redis up at start', until: (limits) => limits.available });
    const dispatcher = new Agent({ connections: 100 });
    cleanups.push(() => dispatcher.close());
    // The gateway runs in this process: blocking it here is the gateway being busy, 5 x timeoutMs at a
    // time, while the requests and their Redis calls are in flight.
    const pending = Promise.all(
      Array.from({ length: 200 }, async () => {
        const response = await request(`${portier.url}/strict`, { dispatcher });
        await response.body.dump();
        return response.statusCode;
      }),
    );
    // The stalls are the behaviour under test: 20 ms of free loop between them lets requests and Redis
    // replies arrive, then 500 ms of blocking (5 x timeoutMs) holds them unread.
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const end = Date.now() + 500;
      while (Date.now() < end) {
        // busy: no I/O is read, no timer runs
      }
    }
    const statuses = await pending;
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect((await adminStatus(portier)).rateLimits).toMatchObject({ available: true, fallbackDecisions: 0 });
  }, 30_000);

  it('postgres fault: stopped and restarted under load, cached keys keep working, an uncached key is 503 account_store_unavailable, and it recovers', async () => {
    const postgres = await PrivatePostgres.create();
    cleanups.push(() => postgres.destroy());
    const upstream = await startUpstream((_req, res) => json(res, 200, {}));
    cleanups.push(() => upstream.close());
    const config = {
      auth: { instance: 'eu1', store: { sqlitePath: tempDbPath(), postgres: { url: postgres.url, schema: 'portier', connectTimeoutMs: 500, queryTimeoutMs: 1000 } } },
      plans: { free: {} },
      upstreams: { app: { url: upstream.url } },
      routes: [{ id: 'rows', path: '/rows', upstream: 'app', auth: {} }],
    };
    const portier = await startGateway(config);
    cleanups.push(() => portier.close());
    const admin = adminOf(portier, config);
    const account = await admin.createAccount('Acme', 'free');
    const cached = (await admin.createKey({ accountId: account.id, name: 'cached' })).secret;
    const later = (await admin.createKey({ accountId: account.id, name: 'later' })).secret;
    expect((await answer(`${portier.url}/rows`, { authorization: `Bearer ${cached}` })).status).toBe(200);

    const traffic = load(() => answer(`${portier.url}/rows`, { authorization: `Bearer ${cached}` }));
    await postgres.stop();
    const refused = await request(`${portier.url}/rows`, { headers: { authorization: `Bearer ${later}` } });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(((await refused.body.json()) as { code: string }).code).toBe('account_store_unavailable');
    const downLine = 'the account store does not answer: keys not in the cache get 503 account_store_unavailable';
    await portier.logged((line) => line['msg'] === downLine, downLine, 30_000);

    await postgres.start();
    await waitFor(() => answer(`${portier.url}/rows`, { authorization: `Bearer ${later}` }), {
      what: 'the uncached key accepted again',
      until: (again) => again.status === 200,
      timeoutMs: 30_000,
    });
    const counts = await traffic.stop();
    expect(Object.keys(counts)).toEqual(['200']);
    await portier.logged((line) => line['msg'] === 'the account store answers again', 'the account store answers again', 30_000);
    console.log(`postgres stopped under load: cached-key answers ${JSON.stringify(counts)}`);
  }, 120_000);

  it('redis fault: idempotency records on Redis during an outage: 503 service_unavailable (never a second run), then the recorded answer replays after recovery', async () => {
    let runs = 0;
    const upstream = await startUpstream((_req, res) => {
      runs++;
      json(res, 201, { run: runs });
    });
    cleanups.push(() => upstream.close());
    const redis = await PrivateRedis.create();
    cleanups.push(() => redis.kill());
    // Idempotency records are kept per account, so the route needs a key (config check refuses it otherwise).
    const config = {
      auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
      plans: { free: {} },
      idempotency: { redis: { url: redis.url, keyPrefix: uniquePrefix(), timeoutMs: 200 } },
      upstreams: { app: { url: upstream.url } },
      routes: [{ id: 'orders', path: '/orders', methods: ['POST'], upstream: 'app', auth: {}, idempotency: {} }],
    };
    const portier = await startGateway(config);
    cleanups.push(() => portier.close());
    const admin = adminOf(portier, config);
    const account = await admin.createAccount('idempotent', 'free');
    const authorization = `Bearer ${(await admin.createKey({ accountId: account.id, name: 'k' })).secret}`;
    const post = (key: string): Promise<{ status: number; code?: string }> =>
      answer(`${portier.url}/orders`, { authorization, 'idempotency-key': key, 'content-type': 'application/json' }, 'POST');
    await waitFor(() => post('first'), { what: 'the idempotency store up', until: (first) => first.status === 201 });
    expect(runs).toBe(1);

    redis.pause();
    try {
      expect(await post('first')).toEqual({ status: 503, code: 'service_unavailable' });
      expect(await post('second')).toEqual({ status: 503, code: 'service_unavailable' });
      expect(runs).toBe(1);
    } finally {
      redis.resume();
    }
    // After recovery: the first key replays its recorded answer; the second runs once.
    await waitFor(() => post('first'), { what: 'the replay after recovery', until: (first) => first.status === 201 });
    expect(runs).toBe(1);
    expect((await post('second')).status).toBe(201);
    expect((await post('second')).status).toBe(201);
    expect(runs).toBe(2);
  }, 30_000);

  it('redis fault: idempotency records on Redis killed and restarted: 503 service_unavailable at once (never a run), then keys work again; a restart without persistence forgets them (documented)', async () => {
    let runs = 0;
    const upstream = await startUpstream((_req, res) => {
      runs++;
      json(res, 201, { run: runs });
    });
    cleanups.push(() => upstream.close());
    const redis = await PrivateRedis.create();
    cleanups.push(() => redis.kill());
    const config = {
      auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
      plans: { free: {} },
      idempotency: { redis: { url: redis.url, keyPrefix: uniquePrefix() } },
      upstreams: { app: { url: upstream.url } },
      routes: [{ id: 'orders', path: '/orders', methods: ['POST'], upstream: 'app', auth: {}, idempotency: {} }],
    };
    const portier = await startGateway(config);
    cleanups.push(() => portier.close());
    const admin = adminOf(portier, config);
    const account = await admin.createAccount('idempotent', 'free');
    const authorization = `Bearer ${(await admin.createKey({ accountId: account.id, name: 'k' })).secret}`;
    const post = (key: string): Promise<{ status: number; code?: string }> =>
      answer(`${portier.url}/orders`, { authorization, 'idempotency-key': key, 'content-type': 'application/json' }, 'POST');
    await waitFor(() => post('first'), { what: 'the idempotency store up', until: (first) => first.status === 201 });
    expect(await post('first')).toEqual({ status: 201 });
    expect(runs).toBe(1);

    await redis.kill();
    const started = performance.now();
    expect(await post('first')).toEqual({ status: 503, code: 'service_unavailable' });
    expect(await post('second')).toEqual({ status: 503, code: 'service_unavailable' });
    // A closed connection fails at once, not after the timeout.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(runs).toBe(1);

    await redis.restart();
    await waitFor(() => post('second'), { what: 'a key accepted after the restart', until: (second) => second.status === 201 });
    expect(runs).toBe(2);
    expect(await post('second')).toEqual({ status: 201 });
    expect(runs).toBe(2);
    // The restarted Redis kept nothing: the first key runs once more, then replays.
    expect(await post('first')).toEqual({ status: 201 });
    expect(await post('first')).toEqual({ status: 201 });
    expect(runs).toBe(3);
  }, 30_000);
});
