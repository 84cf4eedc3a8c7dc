import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { startCli } from './helpers/cli.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { refusingPort, type RefusingPort } from './helpers/ports.js';
import { PrivateRedis } from './helpers/redis.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { waitFor } from './helpers/wait-for.js';

// `/healthz` is liveness, `/readyz` readiness (docs/operations.md, "Health"): a private redis-server
// the test kills (never the shared 6379), a PostgreSQL port that refuses, and a real SIGTERM.

const run = promisify(execFile);
let upstream: TestUpstream;
let redis: PrivateRedis;
let closedPort: RefusingPort;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => json(res, 200, { path: req.url }));
  redis = await PrivateRedis.create();
  closedPort = await refusingPort();
});
afterAll(async () => {
  await upstream.close();
  await redis.kill();
  await closedPort.release();
});

interface Probe {
  readonly status: number;
  readonly body: { status?: string; code?: string; detail?: string; correlationId?: string };
  readonly correlationHeader: string | undefined;
  readonly retryAfter: string | undefined;
}

async function probe(url: string, dispatcher?: Agent): Promise<Probe> {
  const answer = await request(url, dispatcher === undefined ? {} : { dispatcher });
  const header = answer.headers['x-correlation-id'];
  const retry = answer.headers['retry-after'];
  return {
    status: answer.statusCode,
    body: (await answer.body.json()) as Probe['body'],
    correlationHeader: typeof header === 'string' ? header : undefined,
    retryAfter: typeof retry === 'string' ? retry : undefined,
  };
}

function limitedConfig(redisUrl: string, server: Record<string, unknown>): Record<string, unknown> {
  return {
    server,
    rateLimits: { redis: { url: redisUrl, timeoutMs: 200 } },
    upstreams: { app: { url: upstream.url } },
    routes: [{ id: 'x', path: '/x', upstream: 'app', limits: [{ name: 'm', limit: 1000, per: 'minute', by: ['ip'], whenStoreDown: 'open' }] }],
  };
}

/** PING calls the private Redis has served since its stats were reset. */
async function pingsServed(): Promise<number> {
  const { stdout } = await run('redis-cli', ['-p', String(redis.port), 'info', 'commandstats']);
  return Number(/cmdstat_ping:calls=(\d+)/.exec(stdout)?.[1] ?? 0);
}

describe('readiness', () => {
  let portier: TestGateway;
  beforeAll(async () => {
    portier = await startGateway(limitedConfig(redis.url, { readyTimeoutMs: 300, readyCacheMs: 100 }));
  });
  afterAll(async () => {
    await portier.close();
  });

  it('readiness: ready while Redis answers; 503 not_ready naming rateLimits once it is killed, with liveness still 200; ready again when it is back', async () => {
    const ready = await probe(`${portier.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });

    await redis.kill();
    const down = await waitFor(() => probe(`${portier.url}/readyz`), { what: '/readyz to answer 503 with Redis killed', until: (answer) => answer.status === 503 });
    expect(down.body.code).toBe('not_ready');
    expect(down.body.detail).toContain('rateLimits');
    expect(down.body.detail).not.toContain('shutdown');
    expect(down.body.correlationId).toBe(down.correlationHeader);
    expect(down.retryAfter).toBe('1');
    // Liveness does not depend on the stores, and requests still pass (whenStoreDown: open).
    expect((await probe(`${portier.url}/healthz`)).status).toBe(200);
    expect((await probe(`${portier.url}/x`)).status).toBe(200);

    await redis.restart();
    await waitFor(() => probe(`${portier.url}/readyz`), { what: '/readyz ready again once Redis is back', until: (answer) => answer.status === 200 });
  });

  it('readiness: a probe storm costs at most one store round trip per cache period', async () => {
    const cached = await startGateway(limitedConfig(redis.url, { readyCacheMs: 60_000 }));
    try {
      await run('redis-cli', ['-p', String(redis.port), 'config', 'resetstat']);
      const agent = new Agent({ connections: 16 });
      try {
        const answers = await Promise.all(Array.from({ length: 500 }, () => probe(`${cached.url}/readyz`, agent)));
        expect(answers.every((answer) => answer.status === 200)).toBe(true);
      } finally {
        await agent.close();
      }
      // 500 probes, one PING (the first probe's; every other one shares or reuses it).
      expect(await pingsServed()).toBe(1);
    } finally {
      await cached.close();
    }
  });

  it('readiness: an unreachable account store (PostgreSQL) makes the gateway not ready, named accounts', async () => {
    const noStore = await startGateway({
      server: { readyTimeoutMs: 300 },
      auth: { instance: 'eu1', store: { postgres: { url: `postgres://portier@127.0.0.1:${closedPort.port}/portier`, connectTimeoutMs: 200 } } },
      plans: { free: {} },
      upstreams: { app: { url: upstream.url } },
      routes: [{ id: 'x', path: '/x', upstream: 'app', auth: {} }],
    });
    try {
      const answer = await probe(`${noStore.url}/readyz`);
      expect(answer.status).toBe(503);
      expect(answer.body.code).toBe('not_ready');
      expect(answer.body.detail).toContain('accounts');
      expect((await probe(`${noStore.url}/healthz`)).status).toBe(200);
    } finally {
      await noStore.close();
    }
  });

  it('readiness: goes false at the very start of a graceful shutdown, while the gateway still serves, before it stops listening', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'portier-ready-')), 'portier.yaml');
    writeFileSync(
      file,
      stringify({ server: { port: 0, shutdownDelayMs: 1500, shutdownGraceMs: 2000 }, upstreams: { app: { url: upstream.url } }, routes: [{ id: 'x', path: '/x', upstream: 'app' }] }),
    );
    const portier = await startCli(['start', '--config', file]);
    try {
      expect((await probe(`${portier.url}/readyz`)).status).toBe(200);
      portier.child.kill('SIGTERM');
      const draining = await waitFor(() => probe(`${portier.url}/readyz`), { what: '/readyz 503 after SIGTERM', until: (answer) => answer.status === 503 });
      expect(draining.body.code).toBe('not_ready');
      expect(draining.body.detail).toContain('shutdown');
      // Not ready, yet still serving: new connections are accepted and answered during the delay.
      expect((await probe(`${portier.url}/healthz`)).status).toBe(200);
      expect((await probe(`${portier.url}/x`)).status).toBe(200);
      expect(await portier.exited).toBe(0);
    } finally {
      portier.child.kill('SIGKILL');
    }
  });
});
