import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { PrivateRedis, requireSharedRedis, sharedRedisUrl, uniquePrefix } from '../../../test/helpers/redis.js';
import { compileLimit } from './compile-limits.js';
import { LocalCounters, type CompiledLimit, type LimitCheck, type LimitDecision } from './local-counters.js';
import { RedisCounters, type StoreHealthListener } from './redis-counters.js';
import { RedisBackend } from './shared-counters.js';
import { pino } from 'pino';

/**
 * RedisCounters against the shared Redis (real scripts, real counts), each run under its own key
 * prefix; the store-down cases use a port of ours that drops every connection, and a private
 * redis-server paused with SIGSTOP for a stall.
 */
const prefix = uniquePrefix();
/** Keys expire by Redis's own clock (PEXPIREAT), so every window of these tests lies ahead of it. */
const t0 = Math.ceil(Date.now() / 86_400_000) * 86_400_000 + 10 * 3_600_000;
const minuteMs = 60_000;
const dayMs = 86_400_000;

let admin: Redis;
const opened: RedisCounters[] = [];

beforeAll(async () => {
  await requireSharedRedis();
  admin = new Redis(sharedRedisUrl, { maxRetriesPerRequest: 0 });
});

afterAll(async () => {
  for (const counters of opened) void counters.close();
  // Only this run's keys (SCAN, not KEYS, on a shared server): the shared Redis is never flushed.
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  admin.disconnect();
});

function limitOf(limit: number, per: string, algorithm: 'fixed' | 'sliding', name = per): CompiledLimit {
  return compileLimit({ name, limit, per, algorithm, timeZone: 'UTC', whenStoreDown: 'open', by: ['ip'] });
}

async function countersAt(url: string, timeoutMs = 1000, keyPrefix = prefix): Promise<RedisCounters> {
  const counters = new RedisCounters({ url, timeoutMs, keyPrefix, cluster: false, replicas: 1, retryAfterSeconds: 5 });
  opened.push(counters);
  if (!(await counters.ready(5000))) throw new Error(`RedisCounters did not get ready at ${url}`);
  return counters;
}

/** Records the health events, and resolves the next one of a kind. */
function healthOf(counters: RedisCounters): { events: string[]; reasons: unknown[]; next(kind: 'down' | 'up'): Promise<void> } {
  const events: string[] = [];
  const reasons: unknown[] = [];
  const waiting: { kind: string; resolve(): void }[] = [];
  const tell = (kind: string): void => {
    events.push(kind);
    for (const waiter of waiting.splice(0)) {
      if (waiter.kind === kind) waiter.resolve();
      else waiting.push(waiter);
    }
  };
  const listener: StoreHealthListener = { down: (reason) => (reasons.push(reason), tell('down')), up: () => tell('up') };
  counters.onHealth(listener);
  return { events, reasons, next: (kind) => new Promise((resolve) => waiting.push({ kind, resolve })) };
}

/** A port of ours that closes every connection at once: a Redis that is never there, and no other process can take the port. */
async function droppingServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}/0` };
}

describe('redis counters', () => {
  let counters: RedisCounters;
  beforeAll(async () => {
    counters = await countersAt(sharedRedisUrl);
  });

  it('redis counters: a fixed window admits the limit, refuses the limit + 1 with the wait until its end, and a refusal counts nothing', async () => {
    const minute = limitOf(3, 'minute', 'fixed');
    const check = { limit: minute, counterKey: 'r:fixed|10.0.0.1' };
    const now = t0 + 15_000;
    const end = t0 + minuteMs;
    expect(counters.available).toBe(true);
    for (const remaining of [2, 1, 0]) {
      expect(await counters.decide([check], 1, now)).toEqual({ admitted: true, states: [{ limit: minute, remaining, resetAt: end }] });
    }
    expect(await counters.decide([check], 1, now + 0.4)).toEqual({ admitted: false, states: [{ limit: minute, remaining: 0, resetAt: end }], rejectedBy: minute, retryAfterMs: 45_000 });
    // The counter: one hash per subject and scope, with the window's start, kept through the next window.
    const key = `${prefix}{10.0.0.1}:r:fixed`;
    expect(await admin.hgetall(key)).toEqual({ s: String(t0), c: '3', p: '0' });
    expect(await admin.pexpiretime(key)).toBe(end + minuteMs);
    // Another subject has its own counter; a key without a subject is stored under an empty tag.
    expect(await counters.decide([{ limit: minute, counterKey: 'r:fixed|10.0.0.2' }], 1, now)).toMatchObject({ admitted: true });
    expect(await counters.decide([{ limit: minute, counterKey: 'bare' }], 1, now)).toMatchObject({ admitted: true });
    expect(await admin.hget(`${prefix}{}:bare`, 'c')).toBe('1');
    // The next window starts from zero.
    expect(await counters.decide([check], 1, end)).toEqual({ admitted: true, states: [{ limit: minute, remaining: 2, resetAt: end + minuteMs }] });
  });

  it('redis counters: a request costs its cost, and is refused when the cost does not fit though a smaller one would', async () => {
    const minute = limitOf(5, 'minute', 'fixed');
    const check = { limit: minute, counterKey: 'r:cost|a' };
    expect(await counters.decide([check], 3, t0)).toEqual({ admitted: true, states: [{ limit: minute, remaining: 2, resetAt: t0 + minuteMs }] });
    expect(await counters.decide([check], 3, t0)).toMatchObject({ admitted: false, states: [{ remaining: 2 }], retryAfterMs: minuteMs });
    expect(await counters.decide([check], 2, t0)).toMatchObject({ admitted: true, states: [{ remaining: 0 }] });
  });

  it('redis counters: with two windows, each counts, the one that is full refuses, and the other is not counted then', async () => {
    const minute = limitOf(2, 'minute', 'fixed');
    const day = limitOf(3, 'day', 'fixed');
    const both: LimitCheck[] = [
      { limit: minute, counterKey: 'r:two-m|s' },
      { limit: day, counterKey: 'r:two-d|s' },
    ];
    const dayStart = Math.floor(t0 / dayMs) * dayMs;
    expect(await counters.decide(both, 1, t0)).toEqual({
      admitted: true,
      states: [
        { limit: minute, remaining: 1, resetAt: t0 + minuteMs },
        { limit: day, remaining: 2, resetAt: dayStart + dayMs },
      ],
    });
    expect(await counters.decide(both, 1, t0)).toMatchObject({ admitted: true, states: [{ remaining: 0 }, { remaining: 1 }] });
    // The minute is full: refused by it, and the day keeps its 2.
    expect(await counters.decide(both, 1, t0 + 1000)).toEqual({
      admitted: false,
      states: [
        { limit: minute, remaining: 0, resetAt: t0 + minuteMs },
        { limit: day, remaining: 1, resetAt: dayStart + dayMs },
      ],
      rejectedBy: minute,
      retryAfterMs: 59_000,
    });
    expect(await admin.hget(`${prefix}{s}:r:two-d`, 'c')).toBe('2');
    expect(await counters.decide(both, 1, t0 + minuteMs)).toMatchObject({ admitted: true, states: [{ remaining: 1 }, { remaining: 0 }] });
    // Both full: the one that frees last refuses, in either order.
    const later = t0 + minuteMs + 1000;
    const dayWait = dayStart + dayMs - later;
    expect(await counters.decide(both, 1, later)).toMatchObject({ admitted: false, rejectedBy: day, retryAfterMs: dayWait });
    expect(await counters.decide([...both].reverse(), 1, later)).toMatchObject({ admitted: false, rejectedBy: day, retryAfterMs: dayWait });
    // Refused by the first of its limits (the day) while the second (the minute) fits.
    expect(await counters.decide([{ limit: day, counterKey: 'r:two-d|s' }, { limit: minute, counterKey: 'r:two-m|other' }], 1, later)).toMatchObject({
      admitted: false,
      states: [{ remaining: 0 }, { remaining: 2 }],
      rejectedBy: day,
    });
  });

  it('redis counters: a sliding window weighs the previous window as it fades, and waits as the local counters do', async () => {
    const sliding = limitOf(10, 'minute', 'sliding');
    const fixed = limitOf(10, 'minute', 'fixed', 'fixed-minute');
    const local = new LocalCounters();
    // The same requests on both stores, sliding and fixed, give the same decisions.
    const both = async (counterKey: string, limit: CompiledLimit, cost: number, now: number): Promise<LimitDecision> => {
      const check = { limit, counterKey };
      const shared = await counters.decide([check], cost, now);
      expect(shared).toEqual(local.decide([check], cost, now));
      return shared;
    };
    for (let i = 0; i < 10; i++) await both('r:slide|a', sliding, 1, t0 + 30_000);
    for (let i = 0; i < 10; i++) await both('r:slide-f|a', fixed, 1, t0 + 30_000);
    // A quarter into the next window, three quarters of the previous 10 still count: 7.5 used.
    const quarter = t0 + minuteMs + 15_000;
    expect(await both('r:slide|a', sliding, 1, quarter)).toEqual({ admitted: true, states: [{ limit: sliding, remaining: 1, resetAt: t0 + 2 * minuteMs }] });
    expect(await both('r:slide|a', sliding, 1, quarter)).toMatchObject({ admitted: true, states: [{ remaining: 0 }] });
    // 9.5 used: the next fits once the previous weighs 7 (30% into the window), 3 s from now.
    expect(await both('r:slide|a', sliding, 1, quarter)).toMatchObject({ admitted: false, retryAfterMs: 3000 });
    expect(await both('r:slide|a', sliding, 1, t0 + minuteMs + 18_000)).toMatchObject({ admitted: true });
    // The fixed window forgets the previous one.
    expect(await both('r:slide-f|a', fixed, 1, quarter)).toMatchObject({ admitted: true, states: [{ remaining: 9 }] });
    // A full window with nothing before it: only in the next window, as its count fades, 6 s into it.
    for (let i = 0; i < 10; i++) await both('r:slide|b', sliding, 1, t0 + 50_000);
    expect(await both('r:slide|b', sliding, 1, t0 + 50_000)).toMatchObject({ admitted: false, retryAfterMs: 16_000 });
    // A window after a gap: nothing of the one two windows back counts.
    expect(await both('r:slide|b', sliding, 1, t0 + 2 * minuteMs + 1000)).toMatchObject({ admitted: true, states: [{ remaining: 9 }] });
    // A wait that rounds up to whole ms: 59 999.4 ms left is 60 000.
    expect(await counters.decide([{ limit: fixed, counterKey: 'r:slide|b' }], 11, t0 + 0.6)).toMatchObject({ admitted: false, retryAfterMs: 60_000 });
  });

  it('redis counters: the decisions of one turn go together, in order, each with its own answer, beyond one batch', async () => {
    const minute = limitOf(299, 'minute', 'fixed');
    const other = limitOf(1, 'minute', 'fixed', 'other');
    const many = Array.from({ length: 300 }, () => counters.decide([{ limit: minute, counterKey: 'r:batch|s' }], 1, t0));
    const mixed = [
      counters.decide([{ limit: other, counterKey: 'r:batch-o|s' }, { limit: minute, counterKey: 'r:batch-m|s' }], 1, t0),
      counters.decide([], 1, t0),
      counters.decide([{ limit: other, counterKey: 'r:batch-o|s' }], 1, t0),
      counters.decide([{ limit: minute, counterKey: 'r:batch-m|s' }], 2, t0),
    ];
    const decisions = await Promise.all(many);
    expect(decisions.slice(0, 299).every((decision) => decision.admitted)).toBe(true);
    expect(decisions.map((decision) => (decision.admitted ? decision.states[0]?.remaining : -1)).slice(296)).toEqual([2, 1, 0, -1]);
    expect(decisions[299]).toMatchObject({ admitted: false, rejectedBy: minute });
    expect(await Promise.all(mixed)).toEqual([
      { admitted: true, states: [{ limit: other, remaining: 0, resetAt: t0 + minuteMs }, { limit: minute, remaining: 298, resetAt: t0 + minuteMs }] },
      { admitted: true, states: [] },
      { admitted: false, states: [{ limit: other, remaining: 0, resetAt: t0 + minuteMs }], rejectedBy: other, retryAfterMs: minuteMs },
      { admitted: true, states: [{ limit: minute, remaining: 296, resetAt: t0 + minuteMs }] },
    ]);
    expect(await counters.ping()).toBe('PONG');
  });

  it('redis counters: a failed call rejects its decisions and marks the store down until a PING answers', async () => {
    const own = await countersAt(sharedRedisUrl, 50);
    const health = healthOf(own);
    const minute = limitOf(5, 'minute', 'fixed');
    // A counter key holding a string: the script fails with WRONGTYPE.
    await admin.set(`${prefix}{s}:r:broken`, 'not a hash');
    const up = health.next('up');
    const failed = own.decide([{ limit: minute, counterKey: 'r:broken|s' }], 1, t0);
    await expect(failed).rejects.toThrow(/WRONGTYPE/);
    expect(own.available).toBe(false);
    expect(health.events).toEqual(['down']);
    expect(String(health.reasons[0])).toMatch(/WRONGTYPE/);
    // Asked while down: rejected without being sent.
    await expect(own.decide([{ limit: minute, counterKey: 'r:fine|s' }], 1, t0)).rejects.toThrow('Redis is unavailable');
    await up;
    expect(own.available).toBe(true);
    expect(health.events).toEqual(['down', 'up']);
    expect(await own.decide([{ limit: minute, counterKey: 'r:fine|s' }], 1, t0)).toMatchObject({ admitted: true, states: [{ remaining: 4 }] });
    expect(await admin.hget(`${prefix}{s}:r:fine`, 'c')).toBe('1');
  });

  it('redis counters: closing is no outage: no down is told, and close resolves once the connection has ended', async () => {
    const closing = await countersAt(sharedRedisUrl);
    const health = healthOf(closing);
    await closing.close();
    expect(health.events).toEqual([]);
    await expect(closing.ping()).rejects.toThrow();
    // Closed twice (as afterAll does): resolves, though no second end will come.
    await closing.close();
  });

  it('redis counters: a store that is never there is not available, and its decisions are rejected', async () => {
    const { server, url } = await droppingServer();
    const dead = new RedisCounters({ url, timeoutMs: 50, keyPrefix: prefix, cluster: false, replicas: 1, retryAfterSeconds: 5 });
    opened.push(dead);
    try {
      expect(await dead.ready(100)).toBe(false);
      expect(dead.available).toBe(false);
      await expect(dead.decide([{ limit: limitOf(5, 'minute', 'fixed'), counterKey: 'r:dead|s' }], 1, t0)).rejects.toThrow('Redis is unavailable');
      await expect(dead.ping()).rejects.toThrow();
    } finally {
      void dead.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('redis counters: a call unanswered for timeoutMs is given up, the store is down, and back once it answers', async () => {
    const redis = await PrivateRedis.create();
    try {
      const own = await countersAt(redis.url, 100);
      const health = healthOf(own);
      const minute = limitOf(5, 'minute', 'fixed');
      expect(await own.decide([{ limit: minute, counterKey: 'r:stall|s' }], 1, t0)).toMatchObject({ admitted: true });
      redis.pause();
      const down = health.next('down');
      await expect(own.decide([{ limit: minute, counterKey: 'r:stall|s' }], 1, t0)).rejects.toThrow('Redis did not answer within timeoutMs (100 ms, time the gateway was busy not counted)');
      await down;
      expect(own.available).toBe(false);
      const up = health.next('up');
      redis.resume();
      await up;
      expect(health.events).toEqual(['down', 'up']);
      // The stalled call reached Redis and counted there when it woke: the store's own count is what it says.
      expect(await own.decide([{ limit: minute, counterKey: 'r:stall|s' }], 1, t0)).toMatchObject({ admitted: true, states: [{ remaining: 2 }] });
      void own.close();
    } finally {
      redis.resume();
      await redis.kill();
    }
  });
});

describe('redis counters in a cluster', () => {
  /** What a cluster client sends its seed node first (its AUTH, or its request for the slot map), which gets no answer. */
  async function firstCommandsTo(auth: string): Promise<string> {
    let received = '';
    let asked: () => void = () => undefined;
    const firstSent = new Promise<void>((resolve) => (asked = resolve));
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString();
        asked();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const counters = new RedisCounters({ url: `redis://${auth}127.0.0.1:${port}`, timeoutMs: 1000, keyPrefix: prefix, cluster: true, replicas: 1, retryAfterSeconds: 5 });
    try {
      await firstSent;
      expect(counters.available).toBe(false);
      return received;
    } finally {
      void counters.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('redis counters: a cluster seed is reached at its URL\'s port with its user and password decoded, and without them when the URL has none', async () => {
    expect(await firstCommandsTo('us%3Aer:p%40ss@')).toMatch(/^\*3\r\n\$4\r\nauth\r\n\$5\r\nus:er\r\n\$4\r\np@ss\r\n/i);
    expect(await firstCommandsTo(':p%40ss@')).toMatch(/^\*2\r\n\$4\r\nauth\r\n\$4\r\np@ss\r\n/i);
    expect(await firstCommandsTo('')).not.toMatch(/auth/i);
  });
});

describe('redis backend', () => {
  it('redis backend: counts in Redis while it answers; a failed call and the time after it are decided locally, logged once each way', async () => {
    const own = await countersAt(sharedRedisUrl, 50);
    const lines: { level: number; msg: string; fallbackDecisions?: number; err?: { message: string } }[] = [];
    let recovered: () => void = () => undefined;
    const up = new Promise<void>((resolve) => (recovered = resolve));
    const write = (line: string): void => {
      const entry = JSON.parse(line) as (typeof lines)[number];
      lines.push(entry);
      if (entry.level === 40) recovered();
    };
    // The backend is the store's health listener: its log lines tell when the store went down and came back.
    const backend = new RedisBackend(own, new LocalCounters(), pino({ level: 'warn' }, { write }));
    const day = compileLimit({ name: 'day', limit: 4, per: 'day', algorithm: 'fixed', timeZone: 'UTC', whenStoreDown: 'local', by: ['ip'] }, 2);
    const shared = { limit: day, counterKey: 'r:backend|s' };
    expect(await backend.decide([shared], 1, t0)).toMatchObject({ admitted: true, states: [{ limit: day, remaining: 3 }] });
    expect(await admin.hget(`${prefix}{s}:r:backend`, 'c')).toBe('1');
    expect(backend.status()).toEqual({ store: 'redis', available: true, fallbackDecisions: 0, trackedLocalCounters: 0 });
    // A counter key holding a string fails the script: decided locally, with the share of the limit (4 over 2).
    await admin.set(`${prefix}{s}:r:backend-broken`, 'not a hash');
    const broken = { limit: day, counterKey: 'r:backend-broken|s' };
    expect(await backend.decide([broken], 1, t0)).toEqual({ admitted: true, states: [{ limit: day.localFallback, remaining: 1, resetAt: day.window.boundsAt(t0).end }] });
    expect(lines).toMatchObject([{ level: 50, msg: 'rate-limit store unavailable: limits follow their whenStoreDown policy', err: { message: expect.stringMatching(/WRONGTYPE/) as unknown } }]);
    // While down, decided at once, without a call.
    const meanwhile = backend.decide([shared], 1, t0);
    expect(meanwhile).not.toBeInstanceOf(Promise);
    expect(meanwhile).toMatchObject({ admitted: true, states: [{ remaining: 1 }] });
    expect(backend.status()).toEqual({ store: 'redis', available: false, fallbackDecisions: 2, trackedLocalCounters: 2 });
    await up;
    expect(lines.slice(1)).toEqual([expect.objectContaining({ level: 40, msg: 'rate-limit store recovered: counting in Redis again', fallbackDecisions: 2 })]);
    expect(await backend.decide([shared], 1, t0)).toMatchObject({ admitted: true, states: [{ limit: day, remaining: 2 }] });
  });
});
