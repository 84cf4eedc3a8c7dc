import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type Dispatcher } from 'undici';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';

// docs/rate-limits.md: "On every response of a route with limits, success or error". Once the request
// has been counted, whatever ends it (a later stage, the upstream, the proxy) carries the headers.

let upstream: TestUpstream;
let portier: TestGateway;
let admin: AccountAdmin;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url?.endsWith('/missing')) return json(res, 404, { message: 'no such row' });
    if (req.url?.endsWith('/broken')) return json(res, 500, { message: 'backend bug' });
    json(res, 200, { ok: true });
  });
  const dead = await startUpstream((_req, res) => json(res, 200, {}));
  const deadUrl = dead.url;
  await dead.close();
  const config = {
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    rateLimits: { headers: ['ietf', 'x-ratelimit'] },
    plans: { free: { limits: [{ name: 'minute', limit: 100, per: 'minute', by: ['key'] }, { name: 'day', limit: 1000, per: 'day', by: ['key'] }] } },
    upstreams: { app: { url: upstream.url }, normalized: { url: upstream.url, errors: 'normalize' }, gone: { url: deadUrl } },
    routes: [
      { id: 'rows', path: '/rows/:id', methods: ['GET'], upstream: 'app', auth: {} },
      { id: 'normalized', path: '/normalized/:id', methods: ['GET'], upstream: 'normalized', auth: {} },
      { id: 'gone', path: '/gone', methods: ['GET'], upstream: 'gone', auth: {} },
      {
        id: 'create',
        path: '/rows',
        methods: ['POST'],
        upstream: 'app',
        maxBodyBytes: 64,
        auth: {},
        validation: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
      },
    ],
  };
  portier = await startGateway(config);
  admin = adminOf(portier, config);
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

async function keyOf(): Promise<string> {
  const account = await admin.createAccount(`h-${Math.random()}`, 'free');
  return (await admin.createKey({ accountId: account.id, name: 'k' })).secret;
}

/** Asserts both header sets, with the remaining count the request left, and returns the status. */
async function expectLimitHeaders(response: Dispatcher.ResponseData, remainingMinute: number): Promise<number> {
  await response.body.dump();
  const h = response.headers;
  expect(h['ratelimit-policy']).toBe('"minute";q=100;w=60, "day";q=1000;w=86400');
  expect(String(h['ratelimit'])).toMatch(new RegExp(`^"minute";r=${remainingMinute};t=\\d+$`));
  expect(h['x-ratelimit-limit']).toBe('100');
  expect(h['x-ratelimit-remaining']).toBe(String(remainingMinute));
  expect(Number(h['x-ratelimit-reset'])).toBeGreaterThan(0);
  return response.statusCode;
}

describe('rate-limit headers on errors', () => {
  it('rate-limit: sends the headers on every kind of answer of a limited route, each counting once', async () => {
    const secret = await keyOf();
    const headers = { authorization: `Bearer ${secret}` };
    const post = (body: string) => request(`${portier.url}/rows`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
    const cases: [string, () => Promise<Dispatcher.ResponseData>, number][] = [
      ['success', () => request(`${portier.url}/rows/1`, { headers }), 200],
      ['upstream 404 passed through', () => request(`${portier.url}/rows/missing`, { headers }), 404],
      ['upstream 500 passed through', () => request(`${portier.url}/rows/broken`, { headers }), 500],
      ['upstream 404 normalized', () => request(`${portier.url}/normalized/missing`, { headers }), 404],
      ['upstream unreachable', () => request(`${portier.url}/gone`, { headers }), 502],
      ['validation failed', () => post('{"name": 1}'), 400],
      ['invalid JSON', () => post('{"name": '), 400],
      ['body over the cap', () => post(JSON.stringify({ name: 'x'.repeat(100) })), 413],
      ['unsupported media type', () => request(`${portier.url}/rows`, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: 'name' }), 415],
    ];
    let remaining = 100;
    for (const [name, send, status] of cases) {
      remaining -= 1;
      expect(await expectLimitHeaders(await send(), remaining), name).toBe(status);
    }
  });

  it('rate-limit: sends the headers on the 429 itself, with nothing left', async () => {
    const secret = await keyOf();
    const headers = { authorization: `Bearer ${secret}` };
    for (let i = 0; i < 100; i++) await (await request(`${portier.url}/rows/1`, { headers })).body.dump();
    const refused = await request(`${portier.url}/rows/1`, { headers });
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(await expectLimitHeaders(refused, 0)).toBe(429);
  });
});
