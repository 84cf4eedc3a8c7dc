import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';
import { generateKey } from '../src/accounts/keys/key-format.js';

const token = 'memory-bounds-admin-token-0123456789abc';
let upstream: TestUpstream;
let portier: TestGateway;
const config = {
  admin: { port: 0, token },
  auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() }, keyCache: { maxKeys: 2, maxUnknownKeys: 10 } },
  plans: { free: { limits: [{ name: 'minute', limit: 100, per: 'minute', by: ['key'] }] } },
  rateLimits: { maxTrackedCounters: 1000 },
  upstreams: { app: { url: '' } },
  routes: [{ id: 'rows', path: '/rows', upstream: 'app', auth: {} }],
};

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, {}));
  config.upstreams.app.url = upstream.url;
  portier = await startGateway(config);
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

async function metric(name: string): Promise<number> {
  const response = await request(`${portier.gateway.adminUrl as string}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.body.text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name} in /metrics`);
  return Number(line.slice(name.length + 1));
}

async function status(key: string): Promise<number> {
  const response = await request(`${portier.url}/rows`, { headers: { authorization: `Bearer ${key}` } });
  await response.body.dump();
  return response.statusCode;
}

describe('memory bounds', () => {
  it('memory bounds: unknown keys and known keys beyond auth.keyCache stay within their bounds, and the metrics show sizes and evictions', async () => {
    for (let i = 0; i < 30; i++) expect(await status(generateKey({ instance: 'eu1', environment: 'live' }).secret)).toBe(401);
    expect(await metric('portier_key_cache_entries{cache="unknown"}')).toBe(10);
    expect(await metric('portier_key_cache_evictions{cache="unknown"}')).toBe(20);

    const admin = adminOf(portier, config);
    const account = await admin.createAccount('Acme', 'free');
    const secrets: string[] = [];
    for (let i = 0; i < 3; i++) secrets.push((await admin.createKey({ accountId: account.id, name: `k${i}` })).secret);
    for (const secret of secrets) expect(await status(secret)).toBe(200);
    expect(await metric('portier_key_cache_entries{cache="keys"}')).toBe(2);
    expect(await metric('portier_key_cache_evictions{cache="keys"}')).toBe(1);
    // The evicted key still works: looked up again.
    expect(await status(secrets[0] as string)).toBe(200);
    expect(await metric('portier_key_usage_pending')).toBe(3);
    expect(await metric('portier_rate_limit_local_counters')).toBe(3);
    expect(await metric('portier_rate_limit_local_counters_evicted')).toBe(0);
    expect(await metric('portier_key_lookups_refused')).toBe(0);
  });
});
