import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { Readable } from 'node:stream';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';

let upstream: TestUpstream;
let portier: TestGateway;

beforeAll(async () => {
  upstream = await startUpstream((_req, res, body) => json(res, 200, { length: body.length }));
  portier = await startGateway({
    server: { maxBodyBytes: 4096 },
    upstreams: { app: { url: upstream.url } },
    routes: [
      { id: 'small', path: '/small', methods: ['POST'], upstream: 'app', maxBodyBytes: 100 },
      { id: 'default', path: '/default', methods: ['POST'], upstream: 'app' },
    ],
  });
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

describe('request body limits', () => {
  it('request-body: answers 413 before reading when Content-Length is over the route cap', async () => {
    const before = upstream.seen.length;
    const body = await expectProblem(
      await request(`${portier.url}/small`, { method: 'POST', body: 'x'.repeat(101) }),
      413,
      'payload_too_large',
    );
    expect(body.detail).toContain('100 bytes');
    expect(upstream.seen.length).toBe(before);
  });

  it('request-body: accepts a body exactly at the cap', async () => {
    const response = await request(`${portier.url}/small`, { method: 'POST', body: 'x'.repeat(100) });
    expect(await response.body.json()).toEqual({ length: 100 });
  });

  it('request-body: answers 413 when a chunked body grows over the cap while streaming', async () => {
    const chunks = Array.from({ length: 10 }, () => Buffer.alloc(1000, 'y'));
    const response = await request(`${portier.url}/default`, { method: 'POST', body: Readable.from(chunks) });
    await expectProblem(response, 413, 'payload_too_large');
  });

  it('request-body: uses the server-wide cap when a route sets none', async () => {
    const response = await request(`${portier.url}/default`, { method: 'POST', body: 'z'.repeat(4097) });
    await expectProblem(response, 413, 'payload_too_large');
  });
});
