import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { sendRaw } from './helpers/raw-http.js';

let upstream: TestUpstream;
let portier: TestGateway;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => json(res, 200, { path: req.url, method: req.method }));
  portier = await startGateway({
    upstreams: { app: { url: upstream.url } },
    routes: [
      { id: 'rows', path: '/v1/bases/:base/rows', methods: ['GET', 'POST'], upstream: 'app' },
      { id: 'row', path: '/v1/bases/:base/rows/:row', methods: ['DELETE'], upstream: 'app' },
      { id: 'files', path: '/files/*', upstream: 'app' },
    ],
  });
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

describe('routing', () => {
  it('routing: forwards path and query unchanged when a route matches', async () => {
    const response = await request(`${portier.url}/v1/bases/b1/rows?table_name=T1&limit=2`);
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ path: '/v1/bases/b1/rows?table_name=T1&limit=2', method: 'GET' });
  });

  it('routing: answers 404 not_found naming method and path when no route matches', async () => {
    const body = await expectProblem(await request(`${portier.url}/v1/nothing?secret=abc`), 404, 'not_found');
    expect(body.detail).toBe('No route matches GET /v1/nothing.');
    expect(body.instance).toBe('/v1/nothing');
    expect(JSON.stringify(body)).not.toContain('secret=abc');
  });

  it('routing: answers 405 with an Allow header listing the route methods when the method is wrong', async () => {
    const response = await request(`${portier.url}/v1/bases/b1/rows`, { method: 'PUT' });
    expect(response.headers['allow']).toBe('GET, HEAD, POST');
    const body = await expectProblem(response, 405, 'method_not_allowed');
    expect(body.detail).toContain('PUT is not allowed');
  });

  it('routing: serves HEAD wherever GET is allowed', async () => {
    const response = await request(`${portier.url}/v1/bases/b1/rows`, { method: 'HEAD' });
    expect(response.statusCode).toBe(200);
    expect(upstream.seen.at(-1)?.method).toBe('HEAD');
    await response.body.dump();
  });

  it('routing: matches wildcard routes for nested paths', async () => {
    const response = await request(`${portier.url}/files/a/b/c.txt`);
    expect(await response.body.json()).toMatchObject({ path: '/files/a/b/c.txt' });
  });

  it('routing: refuses dot segments with 400 invalid_request_target so a wildcard cannot escape its prefix', async () => {
    // Sent raw: HTTP client libraries resolve dot segments before sending, attackers do not.
    for (const path of ['/files/../admin', '/files/%2e%2e/admin', '/files/./x', '/files/%2E./x']) {
      const before = upstream.seen.length;
      const response = await sendRaw(portier.url, `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
      expect(response.status).toBe(400);
      expect((JSON.parse(response.body) as { code: string }).code).toBe('invalid_request_target');
      expect(upstream.seen.length).toBe(before);
    }
  });

  it('routing: answers the built-in health check without the upstream', async () => {
    const before = upstream.seen.length;
    const response = await request(`${portier.url}/healthz`);
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ status: 'ok' });
    expect(response.headers['x-correlation-id']).toBeTypeOf('string');
    expect(upstream.seen.length).toBe(before);
  });
});
