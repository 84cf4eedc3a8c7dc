import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { PrivateRedis } from './helpers/redis.js';
import { waitFor } from './helpers/wait-for.js';

let upstream: TestUpstream;
let redis: PrivateRedis;
let portier: TestGateway;

const limitFor = (whenStoreDown: string) => [{ name: 'minute', limit: 4, per: 'minute', by: ['route'], whenStoreDown }];

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, {}));
  redis = await PrivateRedis.create();
  portier = await startGateway({
    admin: { port: 0, token: 'faults-admin-token-0123456789abcdefgh' },
    rateLimits: { redis: { url: redis.url, timeoutMs: 100, replicas: 2, retryAfterSeconds: 7 } },
    upstreams: { app: { url: upstream.url } },
    routes: [
      { id: 'open', path: '/open', upstream: 'app', limits: limitFor('open') },
      { id: 'closed', path: '/closed', upstream: 'app', limits: limitFor('closed') },
      { id: 'local', path: '/local', upstream: 'app', limits: limitFor('local') },
    ],
  });
});
afterAll(async () => {
  await portier.close();
  await redis.kill();
  await upstream.close();
});

async function status(path: string): Promise<number> {
  const response = await request(`${portier.url}${path}`);
  await response.body.dump();
  return response.statusCode;
}

async function adminStatus(): Promise<{ rateLimits: { store: string; available: boolean; fallbackDecisions: number } }> {
  const response = await request(`${portier.gateway.adminUrl as string}/admin/status`, {
    headers: { authorization: 'Bearer faults-admin-token-0123456789abcdefgh' },
  });
  return (await response.body.json()) as { rateLimits: { store: string; available: boolean; fallbackDecisions: number } };
}

describe('rate limits when Redis fails', () => {
  it('failure policy: admits (open), refuses with 503 (closed) and counts locally at limit / replicas (local) when Redis is killed, then recovers', async () => {
    expect(await status('/closed')).toBe(200);
    await redis.kill();

    for (let i = 0; i < 6; i++) expect(await status('/open')).toBe(200);
    const refused = await request(`${portier.url}/closed`);
    expect(refused.headers['retry-after']).toBe('7');
    await expectProblem(refused, 503, 'rate_limiter_unavailable');
    // 4 per minute across 2 replicas: 2 each while counting alone.
    expect([await status('/local'), await status('/local'), await status('/local')]).toEqual([200, 200, 429]);
    expect(portier.logs.some((line) => line['msg'] === 'rate-limit store unavailable: limits follow their whenStoreDown policy')).toBe(true);
    const down = await adminStatus();
    expect(down.rateLimits).toMatchObject({ store: 'redis', available: false });
    expect(down.rateLimits.fallbackDecisions).toBeGreaterThanOrEqual(10);

    await redis.restart();
    await waitFor(() => status('/closed'), { what: '/closed admitted again after the restart', until: (code) => code === 200 });
    expect(portier.logs.some((line) => line['msg'] === 'rate-limit store recovered: counting in Redis again')).toBe(true);
    expect((await adminStatus()).rateLimits.available).toBe(true);
    // The counts taken while Redis was down are not in Redis: the minute starts over there (documented).
    expect(await status('/closed')).toBe(200);
  });

  it('failure policy: treats a Redis slower than timeoutMs as down, and comes back when it answers again', async () => {
    await waitFor(() => status('/open'), { what: '/open answered', until: (code) => code === 200 });
    redis.pause();
    try {
      await expectProblem(await request(`${portier.url}/closed`), 503, 'rate_limiter_unavailable');
      expect(await status('/open')).toBe(200);
    } finally {
      redis.resume();
    }
    await waitFor(() => status('/closed'), { what: '/closed decided in Redis again after SIGCONT', until: (code) => code !== 503 });
  });
});
