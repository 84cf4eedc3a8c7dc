import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Socket } from 'node:net';
import { ManualClock, startGateway, type TestGateway } from './helpers/gateway.js';
import { startRawUpstream, type RawUpstream } from './helpers/raw-upstream.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { refusingPort } from './helpers/ports.js';
import { within } from './helpers/wait-for.js';

/**
 * A misbehaving upstream (issue 14): every failure mode is a catalogued 502/504 that counts against
 * the breaker and is logged by its kind, never with the upstream's bytes.
 */

const marker = 'UPSTREAM-BYTES-7f3a';
const adminToken = 'edge-admin-token-0123456789abcdef0123';

/** What the raw upstream does, by a word in the request path. */
function misbehave(socket: Socket, path: string): void {
  if (path.includes('garbage')) socket.end(`SSH-2.0-OpenSSH_9.6 ${marker}\r\n`);
  else if (path.includes('bad-status')) socket.end(`HTTP/1.1 2x0 ${marker}\r\n\r\n`);
  else if (path.includes('reset')) socket.resetAndDestroy();
  else if (path.includes('close')) socket.end();
  else if (path.includes('huge')) socket.end(`HTTP/1.1 200 OK\r\nX-Big: ${marker}${'a'.repeat(70_000)}\r\n\r\n`);
  else if (path.includes('truncate')) socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nonly part ${marker}`);
  else if (path.includes('hang')) return;
  else socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
}

let raw: RawUpstream;
let portier: TestGateway;
let counted: TestGateway;

beforeAll(async () => {
  raw = await startRawUpstream(misbehave);
  const upstreamSettings = { url: raw.url, serviceName: 'ledger', responseTimeoutMs: 300, bodyTimeoutMs: 300 };
  portier = await startGateway({
    upstreams: { raw: { ...upstreamSettings, circuitBreaker: { failureThreshold: 1000 } } },
    routes: [{ id: 'any', path: '/*', methods: ['GET', 'POST'], upstream: 'raw' }],
  });
  counted = await startGateway({
    admin: { token: adminToken, port: 0 },
    upstreams: { raw: { ...upstreamSettings, circuitBreaker: { failureThreshold: 6, openMs: 600_000 } } },
    routes: [{ id: 'any', path: '/*', methods: ['GET', 'POST'], upstream: 'raw' }],
  });
});
afterAll(async () => {
  await portier.close();
  await counted.close();
  await raw.close();
});

/** The log lines the gateway wrote for one correlation ID. */
function linesOf(gateway: TestGateway, correlationId: string): Record<string, unknown>[] {
  return gateway.logs.filter((line) => line['correlationId'] === correlationId);
}

async function metricsOf(gateway: TestGateway): Promise<string> {
  const response = await request(`${gateway.gateway.adminUrl ?? ''}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
  expect(response.statusCode).toBe(200);
  return response.body.text();
}

describe('upstream faults', () => {
  const cases: [string, number, string, RegExp][] = [
    ['/garbage', 502, 'bad_gateway', /^HTTPParserError/],
    ['/bad-status', 502, 'bad_gateway', /^HTTPParserError/],
    ['/reset', 502, 'bad_gateway', /ECONNRESET|UND_ERR_SOCKET/],
    ['/close', 502, 'bad_gateway', /UND_ERR_SOCKET/],
    ['/huge', 502, 'bad_gateway', /UND_ERR_HEADERS_OVERFLOW/],
    ['/hang', 504, 'gateway_timeout', /UND_ERR_HEADERS_TIMEOUT/],
  ];
  for (const [path, status, code, kind] of cases) {
    it(`proxy: answers ${path.slice(1)} from the upstream with ${status} ${code}, logged by kind without the upstream's bytes`, async () => {
      const response = await request(`${portier.url}${path}`);
      const body = await expectProblem(response, status, code);
      expect(body.service).toBe('ledger');
      expect(JSON.stringify(body)).not.toContain(marker);
      const failure = linesOf(portier, body.correlationId).find((line) => line['msg'] === 'upstream failed');
      expect(failure?.['failure']).toMatch(kind);
      expect(linesOf(portier, body.correlationId).find((line) => line['code'] === code)).toBeDefined();
      expect(portier.logText()).not.toContain(marker);
      expect(portier.logs.some((line) => line['msg'] === 'unexpected error')).toBe(false);
    });
  }

  it('proxy: answers 502 bad_gateway when the upstream refuses connections', async () => {
    const gone = await refusingPort();
    const refusing = await startGateway({
      upstreams: { gone: { url: `http://127.0.0.1:${gone.port}` } },
      routes: [{ id: 'any', path: '/*', upstream: 'gone' }],
    });
    try {
      const body = await expectProblem(await request(`${refusing.url}/x`), 502, 'bad_gateway');
      expect(linesOf(refusing, body.correlationId).find((line) => line['msg'] === 'upstream failed')?.['failure']).toMatch(/ECONNREFUSED/);
    } finally {
      await refusing.close();
      await gone.release();
    }
  });

  it('proxy: destroys the client connection when the upstream cuts its body short after the headers', async () => {
    const response = await request(`${portier.url}/truncate`);
    expect(response.statusCode).toBe(200);
    await expect(response.body.text()).rejects.toThrow();
    const correlationId = String(response.headers['x-correlation-id']);
    await expect.poll(() => linesOf(portier, correlationId).find((line) => line['brokenMidResponse'] === true)).toBeDefined();
    expect(linesOf(portier, correlationId).find((line) => line['msg'] === 'upstream failed')?.['afterHeaders']).toBe(true);
    expect(portier.logText()).not.toContain(marker);
  });

  it('circuit breaker: counts every kind of upstream fault, then answers upstream_circuit_open without calling it', async () => {
    for (const path of ['/garbage', '/reset', '/close', '/huge', '/hang']) {
      const response = await request(`${counted.url}${path}`);
      expect(response.statusCode, path).toBeGreaterThanOrEqual(502);
      await response.body.dump();
    }
    expect(await metricsOf(counted)).toMatch(/portier_circuit_state\{upstream="raw"\} 0/);
    // The sixth fault is a body cut short after the headers: it counts too.
    const truncated = await request(`${counted.url}/truncate`);
    await expect(truncated.body.text()).rejects.toThrow();
    await expect.poll(() => counted.logs.some((line) => line['msg']?.toString().startsWith('circuit breaker opened') === true)).toBe(true);
    const before = raw.seen.length;
    const response = await request(`${counted.url}/fine`);
    const retryAfter = Number(response.headers['retry-after']);
    const body = await expectProblem(response, 503, 'upstream_circuit_open');
    expect(raw.seen.length).toBe(before);
    expect(retryAfter).toBeGreaterThan(590);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(body.detail).toContain('ledger');
    expect(body.detail).toContain(`${retryAfter} s`);
    const opened = counted.logs.find((line) => line['msg']?.toString().startsWith('circuit breaker opened') === true);
    expect(opened).toMatchObject({ upstream: 'raw', failures: 6, openMs: 600_000 });
    const metrics = await metricsOf(counted);
    expect(metrics).toMatch(/portier_circuit_state\{upstream="raw"\} 1/);
    expect(metrics).toMatch(/portier_circuit_opens_total\{upstream="raw"\} 1/);
    expect(counted.logText()).not.toContain(marker);
  });
});

describe('half-open breaker', () => {
  let held: (() => void)[] = [];
  let failing = true;
  let upstream: TestUpstream;
  let gateway: TestGateway;
  const clock = new ManualClock();

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => {
      if (failing) return json(res, 503, { message: 'down' });
      held.push(() => json(res, 200, { ok: true }));
    });
    gateway = await startGateway(
      {
        admin: { token: adminToken, port: 0 },
        upstreams: { app: { url: upstream.url, circuitBreaker: { failureThreshold: 1, openMs: 10_000 } } },
        routes: [{ id: 'any', path: '/*', upstream: 'app' }],
      },
      { clock },
    );
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('circuit breaker: lets exactly one trial through while concurrent callers get upstream_circuit_open, then closes', async () => {
    await (await request(`${gateway.url}/x`)).body.dump();
    expect(upstream.seen.length).toBe(1);
    clock.advance(10_000);
    expect(await metricsOf(gateway)).toMatch(/portier_circuit_state\{upstream="app"\} 2/);
    failing = false;
    const callers = Array.from({ length: 10 }, () => request(`${gateway.url}/x`));
    // The trial reaches the upstream, which holds it.
    await upstream.received(2);
    expect(held).toHaveLength(1);
    // Nine answers come back while the trial is still held by the upstream.
    const refused: { retryAfter: unknown; code: string }[] = [];
    let nineRefused!: () => void;
    const nine = new Promise<void>((resolve) => (nineRefused = resolve));
    const settled = callers.map((pending) =>
      pending.then(async (response) => {
        if (response.statusCode !== 503) return response;
        const body = await expectProblem(response, 503, 'upstream_circuit_open');
        refused.push({ retryAfter: response.headers['retry-after'], code: body.code });
        if (refused.length === 9) nineRefused();
        return undefined;
      }),
    );
    await within(nine, 'nine callers refused while the trial is held');
    for (const answer of refused) expect(answer.retryAfter).toBe('1');
    expect(upstream.seen.length).toBe(2);
    held.shift()?.();
    const passed = (await Promise.all(settled)).filter((response) => response !== undefined);
    expect(refused).toHaveLength(9);
    expect(passed).toHaveLength(1);
    expect(passed[0]?.statusCode).toBe(200);
    expect(await passed[0]?.body.json()).toEqual({ ok: true });
    expect(gateway.logs.some((line) => line['msg']?.toString().startsWith('circuit breaker closed') === true)).toBe(true);
    expect(await metricsOf(gateway)).toMatch(/portier_circuit_state\{upstream="app"\} 0/);
    held = [];
  });
});
