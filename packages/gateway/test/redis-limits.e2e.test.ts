import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startGateway } from './helpers/gateway.js';
import { json, startUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { startCli, type RunningCli } from './helpers/cli.js';
import { requireSharedRedis, sharedRedisUrl, uniquePrefix } from './helpers/redis.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
beforeAll(requireSharedRedis);

describe('rate limits in Redis', () => {
  it('rate-limit (redis): rejects the request past the limit per base with 429 and the RateLimit headers', async () => {
    const upstream = await startUpstream((_req, res) => json(res, 200, {}));
    cleanups.push(() => upstream.close());
    const portier = await startGateway({
      rateLimits: { redis: { url: sharedRedisUrl, keyPrefix: uniquePrefix(), timeoutMs: 1000 } },
      upstreams: { app: { url: upstream.url } },
      routes: [
        {
          id: 'rows',
          path: '/dtables/:base/rows',
          upstream: 'app',
          limits: [
            { name: 'minute', limit: 5, per: 'minute', by: ['param:base'] },
            { name: 'day', limit: 50, per: 'day', algorithm: 'fixed', by: ['param:base'] },
          ],
        },
      ],
    });
    cleanups.push(() => portier.close());
    for (let i = 0; i < 5; i++) {
      const ok = await request(`${portier.url}/dtables/b1/rows`);
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['ratelimit']).toMatch(new RegExp(`^"minute";r=${4 - i};t=\\d+$`));
      await ok.body.dump();
    }
    const refused = await request(`${portier.url}/dtables/b1/rows`);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await expectProblem(refused, 429, 'rate_limited');
    const otherBase = await request(`${portier.url}/dtables/b2/rows`);
    expect(otherBase.statusCode).toBe(200);
    await otherBase.body.dump();
  });

  it('rate-limit (redis): three gateway processes sharing one limit admit exactly the limit between them', async () => {
    const upstream = await startUpstream((_req, res) => json(res, 200, {}));
    cleanups.push(() => upstream.close());
    const dir = mkdtempSync(join(tmpdir(), 'portier-replicas-'));
    const file = join(dir, 'portier.yaml');
    writeFileSync(
      file,
      `server: { port: 0 }
rateLimits:
  redis: { url: "${sharedRedisUrl}", keyPrefix: "${uniquePrefix()}", timeoutMs: 2000, replicas: 3 }
upstreams: { app: { url: "${upstream.url}" } }
routes:
  - id: shared
    path: /shared
    upstream: app
    limits: [{ name: hour, limit: 60, per: hour, algorithm: fixed, by: [route], whenStoreDown: closed }]
`,
    );
    const replicas: RunningCli[] = [];
    for (let i = 0; i < 3; i++) {
      const running = await startCli(['start', '--config', file], {}, /"url":"(http:[^"]+)"/);
      cleanups.push(() => void running.child.kill('SIGKILL'));
      replicas.push(running);
    }
    const statuses = await Promise.all(
      Array.from({ length: 180 }, async (_, i) => {
        const response = await request(`${(replicas[i % 3] as RunningCli).url}/shared`);
        await response.body.dump();
        return response.statusCode;
      }),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(60);
    expect(statuses.filter((status) => status === 429)).toHaveLength(120);
  });
});
