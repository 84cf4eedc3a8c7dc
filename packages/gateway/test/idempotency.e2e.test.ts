import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { ManualClock, startGateway, type TestGateway } from './helpers/gateway.js';
import { within } from './helpers/wait-for.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';
import { requireSharedRedis, sharedRedisUrl, uniquePrefix } from './helpers/redis.js';

let upstream: TestUpstream;
let created = 0;
/** Answers the upstream gives, in order, before it goes back to 201s (per Idempotency-Key). */
const scripted = new Map<string, number[]>();
/** When set, the next upstream call waits for it (one call only): a request held in flight. */
let holdNext: Promise<void> | undefined;

/** Holds the next upstream call until the returned release is called. */
function holdNextCall(): () => void {
  let release!: () => void;
  holdNext = new Promise((resolve) => (release = resolve));
  return release;
}

beforeAll(async () => {
  upstream = await startUpstream(async (req, res, body) => {
    const hold = holdNext;
    holdNext = undefined;
    if (hold !== undefined) await hold;
    const key = String(req.headers['idempotency-key'] ?? '');
    const next = scripted.get(key)?.shift();
    if (next !== undefined) return json(res, next, { message: `scripted ${next}` });
    if (req.url?.startsWith('/big')) return json(res, 201, { blob: 'x'.repeat(5000) });
    created++;
    json(res, 201, { id: `pay_${created}`, received: JSON.parse(body.toString() || 'null') as unknown }, { location: `/payments/pay_${created}`, 'x-upstream': 'yes' });
  });
});
afterAll(async () => {
  await upstream.close();
});

function configWith(idempotency: Record<string, unknown>): Record<string, unknown> {
  return {
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    plans: { free: { limits: [{ name: 'minute', limit: 1000, per: 'minute', by: ['account'] }] } },
    idempotency: { ttl: '90m', maxStoredBodyBytes: 4096, ...idempotency },
    upstreams: { app: { url: upstream.url } },
    routes: [
      { id: 'payments', path: '/payments', methods: ['GET', 'POST', 'PATCH'], upstream: 'app', auth: {}, idempotency: {} },
      { id: 'strict', path: '/strict', methods: ['GET', 'POST'], upstream: 'app', auth: {}, idempotency: { required: true } },
      { id: 'big', path: '/big', methods: ['POST'], upstream: 'app', auth: {}, idempotency: {} },
    ],
  };
}

interface Setup {
  portier: TestGateway;
  admin: AccountAdmin;
  clock: ManualClock;
}

async function setup(idempotency: Record<string, unknown>): Promise<Setup> {
  const clock = new ManualClock(Date.now());
  const config = configWith(idempotency);
  const portier = await startGateway(config, { clock });
  return { portier, admin: adminOf(portier, config), clock };
}

async function keyOf(admin: AccountAdmin): Promise<string> {
  const account = await admin.createAccount(`acct-${Math.random()}`, 'free');
  return (await admin.createKey({ accountId: account.id, name: 'k' })).secret;
}

function post(portier: TestGateway, secret: string, key: string | undefined, body: unknown, path = '/payments') {
  return request(`${portier.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
    body: JSON.stringify(body),
  });
}

function unique(): string {
  return `"${crypto.randomUUID()}"`;
}

/** The same behaviour from both stores: SQLite (embedded default) and Redis (shared). */
const stores: [string, () => Promise<Record<string, unknown>>][] = [
  ['sqlite', () => Promise.resolve({})],
  [
    'redis',
    async () => {
      await requireSharedRedis();
      return { redis: { url: sharedRedisUrl, keyPrefix: uniquePrefix() } };
    },
  ],
];

describe.each(stores)('Idempotency-Key (%s store)', (_name, settings) => {
  let s: Setup;
  let secret: string;
  beforeAll(async () => {
    s = await setup(await settings());
    secret = await keyOf(s.admin);
  });
  afterAll(async () => {
    await s.portier.close();
  });

  it('replays the stored answer to a repeat: same status, headers and body, one upstream call', async () => {
    // An account of its own, whose minute counts only these two requests (the RateLimit header below).
    const own = await keyOf(s.admin);
    const key = unique();
    const before = created;
    const first = await post(s.portier, own, key, { amount: 10 });
    const firstBody = await first.body.text();
    const second = await post(s.portier, own, key, { amount: 10 });
    const secondBody = await second.body.text();
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(secondBody).toBe(firstBody);
    expect(created - before).toBe(1);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.headers['location']).toBe(first.headers['location']);
    expect(second.headers['x-upstream']).toBe('yes');
    expect(second.headers['content-type']).toBe('application/json');
    // The replay has its own correlation ID and names the original one; fresh RateLimit headers.
    expect(second.headers['x-correlation-id']).not.toBe(first.headers['x-correlation-id']);
    expect(second.headers['x-portier-original-correlation-id']).toBe(first.headers['x-correlation-id']);
    expect(second.headers['ratelimit']).toMatch(/^"minute";r=998;t=\d+$/);
  });

  it('forwards the key to the upstream so it can recognise a repeat itself', async () => {
    const key = unique();
    await (await post(s.portier, secret, key, { amount: 1 })).body.dump();
    expect(upstream.seen.at(-1)?.headers['idempotency-key']).toBe(key);
  });

  it('answers 422 idempotency_key_mismatch to the same key with another body, without calling the upstream', async () => {
    const key = unique();
    await (await post(s.portier, secret, key, { amount: 10 })).body.dump();
    const calls = upstream.seen.length;
    const body = await expectProblem(await post(s.portier, secret, key, { amount: 11 }), 422, 'idempotency_key_mismatch');
    expect(body.detail).toContain(key.slice(1, -1));
    expect(upstream.seen.length).toBe(calls);
  });

  it('gives two concurrent requests with one key one upstream call, and the other a 409 with Retry-After or the replay', async () => {
    const key = unique();
    const before = created;
    const release = holdNextCall();
    try {
      const requests = [post(s.portier, secret, key, { amount: 5 }), post(s.portier, secret, key, { amount: 5 })] as const;
      // The one that reached the upstream is held there: the other is answered meanwhile, with the 409.
      const early = await within(Promise.race(requests), 'one of the two answered while the other is held at the upstream');
      expect(early.statusCode).toBe(409);
      release();
      const [a, b] = await Promise.all(requests);
      const statuses = [a.statusCode, b.statusCode].sort();
      const conflict = a.statusCode === 409 ? a : b;
      expect(statuses).toEqual([201, 409]);
      expect(conflict.headers['retry-after']).toBe('1');
      expect(((await conflict.body.json()) as { code: string }).code).toBe('idempotency_request_in_flight');
      await (a === conflict ? b : a).body.dump();
    } finally {
      release();
    }
    expect(created - before).toBe(1);
    const replay = await post(s.portier, secret, key, { amount: 5 });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    await replay.body.dump();
  });

  it('treats a quoted and a bare key as the same key', async () => {
    const bare = crypto.randomUUID();
    const before = created;
    await (await post(s.portier, secret, `"${bare}"`, { amount: 3 })).body.dump();
    const second = await post(s.portier, secret, bare, { amount: 3 });
    await second.body.dump();
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(created - before).toBe(1);
  });

  it('does not keep a 5xx: the retry runs again with the same key', async () => {
    const key = unique();
    scripted.set(key, [500]);
    const before = created;
    const failed = await post(s.portier, secret, key, { amount: 7 });
    expect(failed.statusCode).toBe(500);
    await failed.body.dump();
    const retried = await post(s.portier, secret, key, { amount: 7 });
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    await retried.body.dump();
    expect(created - before).toBe(1);
    expect(upstream.seen.filter((seen) => seen.headers['idempotency-key'] === key)).toHaveLength(2);
  });

  it('keeps a 4xx answer of the upstream and replays it', async () => {
    const key = unique();
    scripted.set(key, [400]);
    const first = await post(s.portier, secret, key, { amount: -1 });
    expect(first.statusCode).toBe(400);
    const text = await first.body.text();
    const second = await post(s.portier, secret, key, { amount: -1 });
    expect(second.statusCode).toBe(400);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await second.body.text()).toBe(text);
  });

  it('keeps keys per account: another account with the same key runs its own request', async () => {
    const other = await keyOf(s.admin);
    const key = unique();
    const before = created;
    await (await post(s.portier, secret, key, { amount: 2 })).body.dump();
    const theirs = await post(s.portier, other, key, { amount: 2 });
    await theirs.body.dump();
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(created - before).toBe(2);
  });

  it('answers 400 idempotency_key_required on a route that requires it, and ignores methods it does not cover', async () => {
    await expectProblem(await post(s.portier, secret, undefined, {}, '/strict'), 400, 'idempotency_key_required');
    const get = await request(`${s.portier.url}/strict`, { headers: { authorization: `Bearer ${secret}` } });
    expect(get.statusCode).toBe(201);
    await get.body.dump();
    const withKey = await post(s.portier, secret, unique(), {}, '/strict');
    expect(withKey.statusCode).toBe(201);
    await withKey.body.dump();
  });

  it('answers 400 idempotency_key_invalid to an unusable key', async () => {
    for (const [key, reason] of [
      ['"unterminated', 'not closed'],
      ['x'.repeat(256), 'longer than 255'],
      ['"a"b"', 'unescaped quote'],
    ] as const) {
      const body = await expectProblem(await post(s.portier, secret, key, {}), 400, 'idempotency_key_invalid');
      expect(body.detail).toContain(reason);
    }
  });

  it('stores an answer over maxStoredBodyBytes as its status and headers only', async () => {
    const key = unique();
    const first = await post(s.portier, secret, key, {}, '/big');
    expect((await first.body.text()).length).toBeGreaterThan(5000);
    const second = await post(s.portier, secret, key, {}, '/big');
    expect(second.statusCode).toBe(201);
    expect(second.headers['x-portier-replay-body']).toBe('omitted');
    expect(await second.body.text()).toBe('');
  });

  it('forgets a key after its ttl', async () => {
    const key = unique();
    const before = created;
    await (await post(s.portier, secret, key, { amount: 9 })).body.dump();
    s.clock.advance(91 * 60_000);
    const again = await post(s.portier, secret, key, { amount: 9 });
    await again.body.dump();
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(created - before).toBe(2);
  });
});

describe('Idempotency-Key settings', () => {
  it('lets a request take over a key whose first attempt was abandoned longer than lockTimeoutMs ago', async () => {
    const s = await setup({ ttl: '90m', lockTimeoutMs: 1000 });
    try {
      const secret = await keyOf(s.admin);
      const key = unique();
      const release = holdNextCall();
      const arrived = upstream.seen.length;
      const first = post(s.portier, secret, key, { amount: 4 });
      await upstream.received(arrived + 1);
      // Still running: refused. Past the lock timeout (its gateway presumed dead): taken over.
      const blocked = await post(s.portier, secret, key, { amount: 4 });
      expect(blocked.statusCode).toBe(409);
      await blocked.body.dump();
      s.clock.advance(1001);
      const takeover = await post(s.portier, secret, key, { amount: 4 });
      expect(takeover.statusCode).toBe(201);
      await takeover.body.dump();
      release();
      await (await first).body.dump();
    } finally {
      holdNext = undefined;
      await s.portier.close();
    }
  });
});
