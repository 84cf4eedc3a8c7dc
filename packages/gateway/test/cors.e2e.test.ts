import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';

let upstream: TestUpstream;
let portier: TestGateway;
let closed: TestGateway;
const app = 'https://app.example.com';

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, { ok: true }));
  const routes = [
    { id: 'rows', path: '/rows', methods: ['GET', 'POST'], upstream: 'app', limits: [{ name: 'minute', limit: 100, per: 'minute', by: ['ip'] }] },
  ];
  portier = await startGateway({ cors: { origins: [app] }, upstreams: { app: { url: upstream.url } }, routes });
  closed = await startGateway({ upstreams: { app: { url: upstream.url } }, routes });
});
afterAll(async () => {
  await portier.close();
  await closed.close();
  await upstream.close();
});

function preflight(gateway: TestGateway, path: string, origin: string, method = 'POST') {
  return request(`${gateway.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' },
  });
}

describe('CORS', () => {
  it('cors: answers a preflight from an allowed origin with 204, the path\'s methods and the allowed headers', async () => {
    const response = await preflight(portier, '/rows', app);
    expect(response.statusCode).toBe(204);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': app,
      'access-control-allow-methods': 'GET, HEAD, POST',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
    expect(String(response.headers['access-control-allow-headers'])).toContain('authorization');
    expect(String(response.headers['access-control-allow-headers'])).toContain('idempotency-key');
    await response.body.dump();
  });

  it('cors: gives another origin no allow headers; a path nobody serves passes the preflight and its request is the catalogued 404', async () => {
    const other = await preflight(portier, '/rows', 'https://evil.example.net');
    expect(other.statusCode).toBe(204);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    await other.body.dump();
    const missing = await preflight(portier, '/nowhere', app);
    expect(missing.statusCode).toBe(204);
    expect(missing.headers['access-control-allow-methods']).toBe('POST');
    await missing.body.dump();
    const real = await request(`${portier.url}/nowhere`, { method: 'POST', headers: { origin: app } });
    expect(real.statusCode).toBe(404);
    expect(real.headers['access-control-allow-origin']).toBe(app);
    await real.body.dump();
  });

  it('cors: lets scripts of an allowed origin read the correlation and rate-limit headers, on success and on errors', async () => {
    const ok = await request(`${portier.url}/rows`, { headers: { origin: app } });
    expect(ok.headers['access-control-allow-origin']).toBe(app);
    const exposed = String(ok.headers['access-control-expose-headers']);
    for (const name of ['x-correlation-id', 'ratelimit', 'retry-after', 'location']) expect(exposed.split(', ')).toContain(name);
    await ok.body.dump();
    const refused = await request(`${portier.url}/rows`, { method: 'DELETE', headers: { origin: app } });
    expect(refused.statusCode).toBe(405);
    expect(refused.headers['access-control-allow-origin']).toBe(app);
    await refused.body.dump();
    const noOrigin = await request(`${portier.url}/rows`);
    expect(noOrigin.headers['access-control-allow-origin']).toBeUndefined();
    await noOrigin.body.dump();
  });

  it('cors: without the section, no CORS headers and preflights are ordinary requests', async () => {
    const response = await preflight(closed, '/rows', app);
    expect(response.statusCode).toBe(405);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    await response.body.dump();
  });
});
