import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';

let upstream: TestUpstream;
let portier: TestGateway;

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, { ok: true }));
  portier = await startGateway({
    maintenance: { enabled: false, message: 'Planned database upgrade until 10:00 UTC.', retryAfterSeconds: 600, allowRoutes: ['health', 'status'] },
    upstreams: { app: { url: upstream.url } },
    routes: [
      { id: 'rows', path: '/rows', upstream: 'app' },
      { id: 'status', path: '/status', upstream: 'app' },
      { id: 'legacy', path: '/legacy', upstream: 'app', maintenance: { enabled: true, message: 'Legacy API retired; use /rows.', retryAfterSeconds: 86400 } },
    ],
  });
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

describe('maintenance', () => {
  it('maintenance: answers 503 with the operator message and Retry-After when a route is switched off', async () => {
    const response = await request(`${portier.url}/legacy`);
    expect(response.headers['retry-after']).toBe('86400');
    const body = await expectProblem(response, 503, 'maintenance');
    expect(body.detail).toBe('Legacy API retired; use /rows.');
  });

  it('maintenance: leaves allow-listed routes reachable while the global switch is on', async () => {
    portier.gateway.maintenance.setGlobal({ enabled: true });
    try {
      const blocked = await request(`${portier.url}/rows`);
      expect(blocked.headers['retry-after']).toBe('600');
      const body = await expectProblem(blocked, 503, 'maintenance');
      expect(body.detail).toBe('Planned database upgrade until 10:00 UTC.');
      for (const path of ['/status', '/healthz']) {
        const open = await request(`${portier.url}${path}`);
        expect(open.statusCode).toBe(200);
        await open.body.dump();
      }
    } finally {
      portier.gateway.maintenance.setGlobal({ enabled: false });
    }
    const back = await request(`${portier.url}/rows`);
    expect(back.statusCode).toBe(200);
    await back.body.dump();
  });
});
