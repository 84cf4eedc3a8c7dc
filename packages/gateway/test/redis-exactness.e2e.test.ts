import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { runCli, startCli, type RunningCli } from './helpers/cli.js';
import { requireSharedRedis, sharedRedisUrl, uniquePrefix } from './helpers/redis.js';

// Issue 14: three gateways on one healthy Redis with the DEFAULT Redis settings (no timeoutMs), one key,
// a burst of 1000 concurrent requests spread over the three: exactly the limit is admitted.

const replicas: RunningCli[] = [];
let upstream: TestUpstream;
let secret = '';
// Enough sockets for the whole burst at once.
const dispatcher = new Agent({ connections: 400, pipelining: 0 });

beforeAll(async () => {
  await requireSharedRedis();
  upstream = await startUpstream((_req, res) => json(res, 200, {}));
  const dir = mkdtempSync(join(tmpdir(), 'portier-exact-'));
  const file = join(dir, 'portier.yaml');
  writeFileSync(
    file,
    `server: { port: 0 }
auth:
  instance: eu1
  store: { sqlitePath: ${join(dir, 'portier.db')} }
plans: { free: {} }
rateLimits:
  redis: { url: "${sharedRedisUrl}", keyPrefix: "${uniquePrefix()}", replicas: 3 }
upstreams: { app: { url: "${upstream.url}" } }
routes:
  - id: one
    path: /one
    upstream: app
    auth: {}
    limits: [{ name: minute, limit: 100, per: minute, by: [key], whenStoreDown: closed }]
  - id: two
    path: /two
    upstream: app
    auth: {}
    limits:
      - { name: minute, limit: 100, per: minute, by: [key], whenStoreDown: local }
      - { name: ten-seconds, limit: 60, per: 10s, by: [key], whenStoreDown: local }
`,
  );
  const account = JSON.parse((await runCli(['accounts', 'create', '--name', 'Burst', '--plan', 'free', '--config', file, '--json'])).stdout) as { id: string };
  const created = await runCli(['keys', 'create', '--account', account.id, '--name', 'burst', '--config', file]);
  secret = created.stdout.split('\n')[0] as string;
  const started = await Promise.all([0, 1, 2].map(() => startCli(['start', '--config', file], {}, /"url":"(http:[^"]+)"/)));
  replicas.push(...started);
}, 60_000);

afterAll(async () => {
  for (const replica of replicas) replica.child.kill('SIGKILL');
  await Promise.all(replicas.map((replica) => replica.exited));
  await dispatcher.close();
  await upstream?.close();
});

/** Fires `count` requests at once, spread round-robin over the replicas; counts answers by status. */
async function burst(path: string, count: number): Promise<Record<number, number>> {
  const statuses = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const response = await request(`${(replicas[i % replicas.length] as RunningCli).url}${path}`, { headers: { authorization: `Bearer ${secret}` }, dispatcher });
      await response.body.dump();
      return response.statusCode;
    }),
  );
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/**
 * Waits until at least `roomMs` is left in the current window of each length (windows start at
 * multiples of their length), so a burst is never split across two windows. A wait on the wall clock
 * on purpose: the three gateways are separate processes counting on the system clock, which no test
 * clock reaches.
 */
async function roomInWindows(windowsMs: readonly number[], roomMs: number): Promise<void> {
  for (;;) {
    const now = Date.now();
    const short = windowsMs.map((windowMs) => windowMs - (now % windowMs)).filter((left) => left < roomMs);
    if (short.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, Math.max(...short) + 20));
  }
}

describe('shared limits are exact across three gateway processes (default Redis settings)', () => {
  it('redis exactness: 1000 concurrent requests over 3 replicas admit exactly 100 of 100/minute, then a second burst admits 0, and no 503', async () => {
    await roomInWindows([60_000], 10_000);
    const first = await burst('/one', 1000);
    const second = await burst('/one', 300);
    console.log(`exactness /one (100/minute, 3 replicas): first burst of 1000 -> ${JSON.stringify(first)}; second burst of 300 -> ${JSON.stringify(second)}`);
    expect(first).toEqual({ 200: 100, 429: 900 });
    expect(second).toEqual({ 429: 300 });
  }, 30_000);

  it('redis exactness: with 100/minute and 60/10s, a burst of 1000 over 3 replicas admits exactly 60, and the local fallback never engages', async () => {
    await roomInWindows([60_000, 10_000], 6_000);
    const counts = await burst('/two', 1000);
    console.log(`exactness /two (100/minute + 60/10s, 3 replicas): burst of 1000 -> ${JSON.stringify(counts)}`);
    expect(counts).toEqual({ 200: 60, 429: 940 });
    for (const replica of replicas) expect(replica.output()).not.toContain('rate-limit store unavailable');
  }, 30_000);
});
