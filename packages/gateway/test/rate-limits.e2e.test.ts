import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { ManualClock, startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';

const clock = new ManualClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let upstream: TestUpstream;
let portier: TestGateway;
let admin: AccountAdmin;

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, { rows: [] }));
  const config = {
    auth: { instance: 'cloud', schemes: ['token', 'bearer'], store: { sqlitePath: tempDbPath() } },
    rateLimits: { headers: ['ietf', 'x-ratelimit'] },
    plans: {
      free: {
        limits: [
          { name: 'minute', limit: 300, per: 'minute', by: ['param:base'] },
          { name: 'day', limit: 5000, per: 'day', algorithm: 'fixed', by: ['param:base'] },
        ],
      },
    },
    upstreams: { app: { url: upstream.url } },
    routes: [
      { id: 'rows', path: '/dtables/:base/rows', upstream: 'app', auth: {} },
      { id: 'bulk', path: '/dtables/:base/bulk', methods: ['POST'], upstream: 'app', auth: {}, cost: 100 },
      { id: 'search', path: '/search', upstream: 'app', limits: [{ name: 'burst', limit: 2, per: '10s', algorithm: 'fixed', by: ['ip'] }] },
    ],
  };
  portier = await startGateway(config, { clock });
  admin = adminOf(portier, config);
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

async function token(): Promise<string> {
  const account = await admin.createAccount(`a-${Math.random()}`, 'free');
  return `Token ${(await admin.createKey({ accountId: account.id, name: 'k' })).secret}`;
}

/** Sends `count` requests, 50 at a time, and returns their statuses. */
async function burst(path: string, authorization: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let sent = 0; sent < count; sent += 50) {
    const batch = Array.from({ length: Math.min(50, count - sent) }, async () => {
      const response = await request(`${portier.url}${path}`, { headers: { authorization } });
      await response.body.dump();
      return response.statusCode;
    });
    statuses.push(...(await Promise.all(batch)));
  }
  return statuses;
}

describe('rate limits, SeaTable style (300 per minute and 5,000 per day per base)', () => {
  it('rate-limit: rejects the 301st request in a minute on a base with 429, Retry-After and the window named', async () => {
    const auth = await token();
    const statuses = await burst('/dtables/base-a/rows', auth, 300);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const response = await request(`${portier.url}/dtables/base-a/rows`, { headers: { authorization: auth } });
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(response.headers['x-ratelimit-remaining']).toBe('0');
    const body = await expectProblem(response, 429, 'rate_limited');
    expect(body.detail).toMatch(/^The limit of 300 requests per minute \("minute"\) is used up; it frees up in \d+ s\.$/);
    const otherBase = await request(`${portier.url}/dtables/base-b/rows`, { headers: { authorization: auth } });
    expect(otherBase.statusCode).toBe(200);
    await otherBase.body.dump();
  });

  it('rate-limit: rejects the 5001st request of the day even when every minute stays under 300', async () => {
    const auth = await token();
    clock.advance(3 * 60_000);
    for (let round = 0; round < 20; round++) {
      const statuses = await burst('/dtables/base-c/rows', auth, 250);
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
      clock.advance(2 * 60_000); // the sliding minute fully forgets the round
    }
    const response = await request(`${portier.url}/dtables/base-c/rows`, { headers: { authorization: auth } });
    const body = await expectProblem(response, 429, 'rate_limited');
    expect(body.detail).toContain('5000 requests per day ("day")');
    const untilMidnight = (Date.UTC(2026, 0, 16) - clock.now()) / 1000;
    expect(Number(response.headers['retry-after'])).toBe(Math.ceil(untilMidnight));
  });

  it('rate-limit: sends RateLimit-Policy with every window and RateLimit with the tightest on success', async () => {
    const auth = await token();
    clock.advance(5 * 60_000);
    await burst('/dtables/base-d/rows', auth, 200);
    const response = await request(`${portier.url}/dtables/base-d/rows`, { headers: { authorization: auth } });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
    expect(response.headers['ratelimit-policy']).toBe('"minute";q=300;w=60, "day";q=5000;w=86400');
    expect(response.headers['ratelimit']).toMatch(/^"minute";r=99;t=\d+$/);
    expect(response.headers['x-ratelimit-limit']).toBe('300');
    expect(response.headers['x-ratelimit-remaining']).toBe('99');
    expect(Number(response.headers['x-ratelimit-reset'])).toBeGreaterThan(clock.now() / 1000);
  });

  it('rate-limit: charges a route its declared cost', async () => {
    const auth = await token();
    clock.advance(5 * 60_000);
    const bulk = () => request(`${portier.url}/dtables/base-e/bulk`, { method: 'POST', headers: { authorization: auth } });
    for (let i = 0; i < 3; i++) {
      const ok = await bulk();
      expect(ok.statusCode).toBe(200);
      await ok.body.dump();
    }
    await expectProblem(await bulk(), 429, 'rate_limited');
  });

  it('rate-limit: keeps the day count across a graceful restart', async () => {
    const dbPath = tempDbPath();
    const dayConfig = {
      rateLimits: { sqlitePath: dbPath },
      upstreams: { app: { url: upstream.url } },
      routes: [{ id: 'quota', path: '/quota', upstream: 'app', limits: [{ name: 'day', limit: 3, per: 'day', algorithm: 'fixed', by: ['route'] }] }],
    };
    const first = await startGateway(dayConfig, { clock });
    for (let i = 0; i < 3; i++) {
      const ok = await request(`${first.url}/quota`);
      expect(ok.statusCode).toBe(200);
      await ok.body.dump();
    }
    await first.close();
    const second = await startGateway(dayConfig, { clock });
    try {
      await expectProblem(await request(`${second.url}/quota`), 429, 'rate_limited');
    } finally {
      await second.close();
    }
  });

  it('rate-limit: counts unauthenticated routes by client IP', async () => {
    clock.advance(60_000);
    const statuses = await Promise.all([0, 1, 2].map(async () => {
      const response = await request(`${portier.url}/search`);
      await response.body.dump();
      return response.statusCode;
    }));
    expect(statuses.sort()).toEqual([200, 200, 429]);
  });
});
