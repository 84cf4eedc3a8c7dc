import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { tempDbPath } from './helpers/accounts.js';
import { sendRaw } from './helpers/raw-http.js';

const token = 'admin-token-for-tests-0123456789abcdef';
let upstream: TestUpstream;
let portier: TestGateway;
let adminUrl: string;

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, { ok: true }));
  portier = await startGateway({
    admin: { port: 0, token },
    auth: { instance: 'eu1', maxKeysPerAccount: 2, store: { sqlitePath: tempDbPath() } },
    plans: { free: {}, pro: { features: ['hourly'] } },
    upstreams: { app: { url: upstream.url } },
    routes: [
      { id: 'rows', path: '/rows', upstream: 'app', auth: { scopes: ['rows:read'] } },
      { id: 'public', path: '/public', upstream: 'app' },
    ],
  });
  adminUrl = portier.gateway.adminUrl as string;
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

function admin(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, auth = `Bearer ${token}`) {
  return request(`${adminUrl}${path}`, {
    method,
    headers: { authorization: auth, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

async function jsonOf<T>(response: Awaited<ReturnType<typeof request>>, status: number): Promise<T> {
  const text = await response.body.text();
  expect(response.statusCode, text).toBe(status);
  return JSON.parse(text) as T;
}

describe('admin API', () => {
  it('admin API: refuses requests without the admin token or with a wrong one', async () => {
    await expectProblem(await request(`${adminUrl}/admin/accounts`), 401, 'authentication_required');
    await expectProblem(await admin('GET', '/admin/accounts', undefined, 'Bearer wrong-token'), 401, 'invalid_token');
  });

  it('admin API: creates an account and a key that works on the very next gateway request, then revokes it', async () => {
    const account = await jsonOf<{ id: string }>(await admin('POST', '/admin/accounts', { name: 'Acme', plan: 'free' }), 201);
    const issued = await jsonOf<{ secret: string; key: { id: string; display: string } }>(
      await admin('POST', `/admin/accounts/${account.id}/keys`, { name: 'ci', scopes: ['rows:read'] }),
      201,
    );
    expect(issued.key.display).toBe(`pt_live_eu1_${issued.key.id}…`);
    const ok = await request(`${portier.url}/rows`, { headers: { authorization: `Bearer ${issued.secret}` } });
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
    await jsonOf(await admin('POST', `/admin/keys/${issued.key.id}/revoke`), 200);
    await expectProblem(await request(`${portier.url}/rows`, { headers: { authorization: `Bearer ${issued.secret}` } }), 403, 'key_revoked');
    const shown = await jsonOf<{ keys: { status: string }[] }>(await admin('GET', `/admin/accounts/${account.id}`), 200);
    expect(shown.keys.map((key) => key.status)).toEqual(['revoked']);
  });

  it('admin API: changes plans and status, and refuses unknown plans, accounts and keys with catalog errors', async () => {
    const account = await jsonOf<{ id: string }>(await admin('POST', '/admin/accounts', { name: 'Beta', plan: 'free' }), 201);
    const updated = await jsonOf<{ plan: string; status: string }>(await admin('PATCH', `/admin/accounts/${account.id}`, { plan: 'pro', status: 'disabled' }), 200);
    expect(updated).toMatchObject({ plan: 'pro', status: 'disabled' });
    await expectProblem(await admin('POST', '/admin/accounts', { name: 'X', plan: 'gold' }), 400, 'plan_not_found');
    await expectProblem(await admin('GET', '/admin/accounts/acc_nope'), 404, 'account_not_found');
    await expectProblem(await admin('POST', '/admin/keys/nokey123/revoke'), 404, 'key_not_found');
  });

  it('admin API: answers 409 key_limit_reached past the per-account limit', async () => {
    const account = await jsonOf<{ id: string }>(await admin('POST', '/admin/accounts', { name: 'Gamma', plan: 'free' }), 201);
    for (let i = 0; i < 2; i++) await jsonOf(await admin('POST', `/admin/accounts/${account.id}/keys`, { name: `k${i}` }), 201);
    await expectProblem(await admin('POST', `/admin/accounts/${account.id}/keys`, { name: 'k3' }), 409, 'key_limit_reached');
  });

  it('admin API: answers 400 naming the field for malformed bodies', async () => {
    const notJson = await expectProblem(await admin('POST', '/admin/accounts', '{"name": '), 400, 'bad_request');
    expect(notJson.detail).toContain('not valid JSON');
    const missing = await expectProblem(await admin('POST', '/admin/accounts', { plan: 'free' }), 400, 'bad_request');
    expect(missing.detail).toContain('"name" must be a non-empty string');
    await expectProblem(await admin('POST', '/admin/accounts', 'x'.repeat(70_000)), 413, 'payload_too_large');
  });

  it('admin API: switches maintenance on and off at run time', async () => {
    await jsonOf(await admin('PUT', '/admin/routes/public/maintenance', { enabled: true, message: 'Back at noon.', retryAfterSeconds: 120 }), 200);
    const down = await request(`${portier.url}/public`);
    expect(down.headers['retry-after']).toBe('120');
    expect((await expectProblem(down, 503, 'maintenance')).detail).toBe('Back at noon.');
    await jsonOf(await admin('PUT', '/admin/routes/public/maintenance', { enabled: false }), 200);
    const up = await request(`${portier.url}/public`);
    expect(up.statusCode).toBe(200);
    await up.body.dump();
  });

  it('admin API: reports where rate limits are counted and the state of each upstream circuit', async () => {
    const status = await jsonOf<{ rateLimits: { store: string; available: boolean }; upstreams: Record<string, { circuit: string }> }>(
      await admin('GET', '/admin/status'),
      200,
    );
    expect(status.rateLimits).toMatchObject({ store: 'local', available: true });
    expect(status.upstreams).toEqual({ app: { circuit: 'closed' } });
  });

  it('admin API: lists the audit trail with the API as actor, and answers 404/405 like the gateway', async () => {
    // An audited change of this test's own, whatever the others did before it.
    await jsonOf<{ id: string }>(await admin('POST', '/admin/accounts', { name: 'Audited', plan: 'free' }), 201);
    const audit = await jsonOf<{ actor: string; action: string }[]>(await admin('GET', '/admin/audit?limit=5'), 200);
    expect(audit.length).toBeGreaterThan(0);
    expect(audit.every((entry) => entry.actor === 'admin-api')).toBe(true);
    await expectProblem(await admin('GET', '/admin/nothing'), 404, 'not_found');
    await expectProblem(await admin('DELETE', '/admin/accounts'), 405, 'method_not_allowed');
  });

  it('metrics: exposes Prometheus metrics of requests, errors, durations, the rate-limit store and circuits, behind the admin token', async () => {
    for (let i = 0; i < 3; i++) await (await request(`${portier.url}/public`)).body.dump();
    await (await request(`${portier.url}/nowhere`)).body.dump();
    await (await request(`${portier.url}/rows`)).body.dump();
    await expectProblem(await request(`${adminUrl}/metrics`), 401, 'authentication_required');
    const response = await admin('GET', '/metrics');
    expect(response.headers['content-type']).toContain('text/plain');
    const text = await response.body.text();
    const value = (series: string): number => Number(text.split('\n').find((line) => line.startsWith(`${series} `))?.slice(series.length + 1));
    expect(value('portier_requests_total{route="public",method="GET",status="200"}')).toBeGreaterThanOrEqual(3);
    expect(value('portier_requests_total{route="(none)",method="GET",status="404"}')).toBeGreaterThanOrEqual(1);
    expect(value('portier_errors_total{code="not_found"}')).toBeGreaterThanOrEqual(1);
    expect(value('portier_errors_total{code="authentication_required"}')).toBeGreaterThanOrEqual(1);
    expect(value('portier_request_duration_seconds_count{route="public"}')).toBeGreaterThanOrEqual(3);
    expect(value('portier_rate_limit_store_up')).toBe(1);
    expect(value('portier_circuit_open{upstream="app"}')).toBe(0);
    expect(text).toContain('portier_process_resident_memory_bytes');
  });

  it('admin API: answers what Node would write itself (parse errors, 431, other Expect values, CONNECT) with a catalogued problem and a correlation ID', async () => {
    const cases: [string, number, string][] = [
      ['GARBAGE\r\n\r\n', 400, 'bad_request'],
      ['POST /admin/accounts HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 400, 'bad_request'],
      [`GET /admin/status HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(40_000)}\r\n\r\n`, 431, 'header_fields_too_large'],
      [`POST /admin/accounts HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${token}\r\nExpect: teapot\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`, 417, 'expectation_failed'],
      ['CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n', 405, 'connect_not_supported'],
    ];
    for (const [payload, status, code] of cases) {
      const answer = await sendRaw(adminUrl, payload);
      expect(answer.status, answer.raw).toBe(status);
      expect(answer.headers['content-type'], answer.raw).toBe('application/problem+json');
      const body = JSON.parse(answer.body) as { code: string; correlationId: string };
      expect(body.code).toBe(code);
      expect(answer.headers['x-correlation-id']).toMatch(/\S/);
      expect(body.correlationId).toBe(answer.headers['x-correlation-id']);
    }
  });
});
