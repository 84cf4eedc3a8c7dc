import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { Cluster } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';
import { PrivateRedisCluster, uniquePrefix } from './helpers/redis.js';

/**
 * Rate limits on a private three-node Redis Cluster (redis-server in cluster mode, created with
 * redis-cli --cluster create). A key limit and a per-base limit hash to different slots, so every
 * decision is split across nodes and refused parts are given back.
 */
let cluster: PrivateRedisCluster;
let upstream: TestUpstream;
const gateways: TestGateway[] = [];
const prefix = uniquePrefix();
const keys: string[] = [];

beforeAll(async () => {
  cluster = await PrivateRedisCluster.start(3);
  upstream = await startUpstream((_req, res) => json(res, 200, {}));
  const config = {
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    plans: { free: {} },
    rateLimits: { redis: { url: cluster.url, cluster: true, keyPrefix: prefix, timeoutMs: 1000 } },
    upstreams: { app: { url: upstream.url } },
    routes: [
      {
        id: 'rows',
        path: '/bases/:base/rows',
        upstream: 'app',
        auth: {},
        limits: [
          { name: 'perkey', limit: 5, per: 'minute', by: ['key'], whenStoreDown: 'closed' },
          { name: 'perbase', limit: 8, per: 'minute', by: ['param:base'], whenStoreDown: 'closed' },
        ],
      },
    ],
  };
  gateways.push(await startGateway(config), await startGateway(config));
  const admin = adminOf(gateways[0] as TestGateway, config);
  const account = await admin.createAccount('cluster', 'free');
  for (let i = 0; i < 2; i++) keys.push((await admin.createKey({ accountId: account.id, name: `k${i}` })).secret);
}, 60_000);
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await upstream?.close();
  await cluster?.stop();
});

/** `count` concurrent requests with one key, alternating between the two gateways. */
async function burst(key: string, count: number): Promise<{ ok: number; refusedBy: string[] }> {
  const responses = await Promise.all(
    Array.from({ length: count }, (_, i) => request(`${(gateways[i % 2] as TestGateway).url}/bases/b1/rows`, { headers: { authorization: `Bearer ${key}` } })),
  );
  let ok = 0;
  const refusedBy: string[] = [];
  for (const response of responses) {
    const body = (await response.body.json()) as { code?: string; detail?: string };
    if (response.statusCode === 200) ok++;
    else if (response.statusCode === 429) refusedBy.push(/\("(\w+)"\)/.exec(body.detail ?? '')?.[1] ?? '?');
    else throw new Error(`unexpected ${response.statusCode}: ${JSON.stringify(body)}`);
  }
  return { ok, refusedBy };
}

/** Every counter this test wrote, read from every master: name → count in the current window. */
async function counters(): Promise<Map<string, number>> {
  const client = new Cluster([{ host: '127.0.0.1', port: (cluster.nodes[0] as { port: number }).port }]);
  await new Promise((resolve) => client.once('ready', resolve));
  try {
    const found = new Map<string, number>();
    for (const node of client.nodes('master')) {
      const names = await node.keys(`${prefix}*`);
      for (const name of names) found.set(name, Number(await node.hget(name, 'c')));
    }
    return found;
  } finally {
    client.disconnect();
  }
}

describe('rate limits on Redis Cluster', () => {
  it('rate-limit (cluster): admits exactly the key limit, then exactly what the base limit leaves, across two gateways, and gives back refused parts', async () => {
    const first = await burst(keys[0] as string, 20);
    expect(first.ok).toBe(5);
    expect(new Set(first.refusedBy)).toEqual(new Set(['perkey']));

    const second = await burst(keys[1] as string, 20);
    expect(second.ok).toBe(3);
    // Refused by the base once it is full, or by the key limit (how many each depends on arrival order).
    expect(second.refusedBy.filter((name) => name === 'perbase').length).toBeGreaterThanOrEqual(2);
    expect(second.refusedBy.every((name) => name === 'perbase' || name === 'perkey')).toBe(true);

    // The counters hold exactly what was admitted: every refused request's other part was given back.
    const found = await counters();
    expect([...found.values()].sort((a, b) => a - b)).toEqual([3, 5, 8]);
    // ...and each decision spanned slots (a single script call across them would have been refused).
    expect(new Set([...found.keys()].map((name) => calculateSlot(name))).size).toBe(3);
  });
});
