import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { refusingPort } from './helpers/ports.js';
import { ManualClock, startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { within } from './helpers/wait-for.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function gatewayFor(upstreamConfig: Record<string, unknown>, clock?: ManualClock): Promise<TestGateway> {
  const portier = await startGateway(
    {
      upstreams: { app: upstreamConfig },
      routes: [{ id: 'any', path: '/*', methods: ['GET', 'POST'], upstream: 'app' }],
    },
    clock === undefined ? {} : { clock },
  );
  cleanups.push(() => portier.close());
  return portier;
}

async function upstreamWith(handler: Parameters<typeof startUpstream>[0]): Promise<TestUpstream> {
  const upstream = await startUpstream(handler);
  cleanups.push(() => upstream.close());
  return upstream;
}


describe('upstream failures', () => {
  it('proxy: answers 502 bad_gateway naming the service when the upstream refuses connections', async () => {
    const refusing = await refusingPort();
    cleanups.push(() => refusing.release());
    const portier = await gatewayFor({ url: `http://127.0.0.1:${refusing.port}`, serviceName: 'ledger' });
    const body = await expectProblem(await request(`${portier.url}/x`), 502, 'bad_gateway');
    expect(body.service).toBe('ledger');
    expect(body.retryable).toBe(true);
  });

  it('proxy: answers 504 gateway_timeout when the upstream never answers', async () => {
    const upstream = await upstreamWith(() => undefined);
    const portier = await gatewayFor({ url: upstream.url, responseTimeoutMs: 200 });
    const body = await expectProblem(await request(`${portier.url}/hang`), 504, 'gateway_timeout');
    expect(body.detail).toContain('200 ms');
  });

  it('proxy: cuts the client connection and stays up when the upstream dies mid-body', async () => {
    const upstream = await upstreamWith((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      // Cut only once the first part is on its way, so the client sees a started, broken body.
      res.write('only part of it', () => res.socket?.destroy());
    });
    const portier = await gatewayFor({ url: upstream.url });
    const response = await request(`${portier.url}/partial`);
    expect(response.statusCode).toBe(200);
    await expect(response.body.text()).rejects.toThrow();
    const health = await request(`${portier.url.replace(/\/$/, '')}/healthz`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    expect(portier.logs.some((line) => line['brokenMidResponse'] === true)).toBe(true);
  });

  it('proxy: cancels the upstream call when the client leaves before the answer', async () => {
    let upstreamSawClose!: () => void;
    const upstreamClosed = new Promise<void>((resolve) => (upstreamSawClose = resolve));
    const upstream = await upstreamWith((_req, res) => {
      res.on('close', () => upstreamSawClose());
    });
    const portier = await gatewayFor({ url: upstream.url, responseTimeoutMs: 60000 });
    const controller = new AbortController();
    const pending = request(`${portier.url}/long-poll`, { signal: controller.signal });
    await upstream.received(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await within(upstreamClosed, 'the upstream call closed after the client left');
    const line = await portier.logged((entry) => entry['clientClosed'] === true, 'clientClosed');
    // Nothing was sent: logged as 499, never as the 200 Node's statusCode still says.
    expect(line['status']).toBe(499);
    expect(portier.logs.some((entry) => entry['brokenMidResponse'] === true)).toBe(false);
  });

  it('proxy: passes upstream errors through untouched with the correlation header in passthrough mode', async () => {
    const upstream = await upstreamWith((_req, res) => json(res, 404, { error_msg: 'Row not found' }));
    const portier = await gatewayFor({ url: upstream.url, errors: 'passthrough' });
    const response = await request(`${portier.url}/rows/1`);
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['x-correlation-id']).toBeTypeOf('string');
    expect(await response.body.json()).toEqual({ error_msg: 'Row not found' });
  });

  it('proxy: normalizes an upstream 4xx into the envelope with its status, message and service', async () => {
    const upstream = await upstreamWith((_req, res) => json(res, 422, { error: { message: 'Amount must be positive' } }));
    const portier = await gatewayFor({ url: upstream.url, errors: 'normalize', serviceName: 'QuickBooksOnline' });
    const body = await expectProblem(await request(`${portier.url}/invoices`), 422, 'upstream_client_error');
    expect(body.detail).toBe('Amount must be positive');
    expect(body.service).toBe('QuickBooksOnline');
  });

  it('proxy: normalizes an upstream 5xx without a readable message to the catalog fallback', async () => {
    const upstream = await upstreamWith((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html>stack trace with secrets</html>');
    });
    const portier = await gatewayFor({ url: upstream.url, errors: 'normalize' });
    const body = await expectProblem(await request(`${portier.url}/x`), 500, 'upstream_server_error');
    expect(body.detail).toBe('The service failed without a readable message.');
    expect(JSON.stringify(body)).not.toContain('secrets');
  });

  it('proxy: maps an upstream 503 to service_unavailable with the upstream Retry-After', async () => {
    const upstream = await upstreamWith((_req, res) => json(res, 503, { message: 'busy' }, { 'retry-after': '42' }));
    const portier = await gatewayFor({ url: upstream.url, errors: 'normalize' });
    const response = await request(`${portier.url}/x`);
    expect(response.headers['retry-after']).toBe('42');
    await expectProblem(response, 503, 'service_unavailable');
  });

  it('proxy: adds a Retry-After to a passed-through 503 that has none', async () => {
    const upstream = await upstreamWith((_req, res) => json(res, 503, { message: 'busy' }));
    const portier = await gatewayFor({ url: upstream.url, unavailableRetryAfterSeconds: 9 });
    const response = await request(`${portier.url}/x`);
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('9');
    expect(await response.body.json()).toEqual({ message: 'busy' });
  });

  it('circuit breaker: opens after consecutive failures, then lets one trial through when the open time has passed', async () => {
    let failing = true;
    const upstream = await upstreamWith((_req, res) => (failing ? json(res, 502, {}) : json(res, 200, { ok: true })));
    const clock = new ManualClock();
    const portier = await gatewayFor({ url: upstream.url, circuitBreaker: { failureThreshold: 3, openMs: 10000 } }, clock);
    for (let i = 0; i < 3; i++) await (await request(`${portier.url}/x`)).body.dump();
    expect(upstream.seen.length).toBe(3);

    const open = await request(`${portier.url}/x`);
    expect(open.headers['retry-after']).toBe('10');
    const refused = await expectProblem(open, 503, 'upstream_circuit_open');
    expect(refused.detail).toContain('10 s');
    expect(upstream.seen.length).toBe(3);

    clock.advance(10_000);
    failing = false;
    const trial = await request(`${portier.url}/x`);
    expect(trial.statusCode).toBe(200);
    await trial.body.dump();
    const after = await request(`${portier.url}/x`);
    expect(after.statusCode).toBe(200);
    await after.body.dump();
    expect(upstream.seen.length).toBe(5);
  });

  it('circuit breaker: reopens when the trial request fails', async () => {
    const upstream = await upstreamWith((_req, res) => json(res, 504, {}));
    const clock = new ManualClock();
    const portier = await gatewayFor({ url: upstream.url, circuitBreaker: { failureThreshold: 2, openMs: 5000 } }, clock);
    for (let i = 0; i < 2; i++) await (await request(`${portier.url}/x`)).body.dump();
    clock.advance(5000);
    await (await request(`${portier.url}/x`)).body.dump();
    expect(upstream.seen.length).toBe(3);
    await expectProblem(await request(`${portier.url}/x`), 503, 'upstream_circuit_open');
    expect(upstream.seen.length).toBe(3);
  });
});
