import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';
import { refusingPort, type RefusingPort } from './helpers/ports.js';
import { waitFor } from './helpers/wait-for.js';
import type { DashboardSummary } from '../src/admin/dashboard/dashboard-data.js';

const token = 'admin-token-for-dashboard-tests-0123456789';
let upstream: TestUpstream;
let nothing: RefusingPort;
let portier: TestGateway;
let adminUrl: string;
let secret: string;

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, { ok: true }));
  nothing = await refusingPort();
  const config = {
    admin: { port: 0, token },
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    plans: { free: {} },
    upstreams: { app: { url: upstream.url }, gone: { url: `http://127.0.0.1:${nothing.port}` } },
    routes: [
      { id: 'rows', path: '/rows', upstream: 'app', auth: {} },
      { id: 'down', path: '/down', upstream: 'gone' },
    ],
  };
  portier = await startGateway(config);
  adminUrl = portier.gateway.adminUrl as string;
  const admin = adminOf(portier, config);
  const account = await admin.createAccount('Acme', 'free');
  secret = (await admin.createKey({ accountId: account.id, name: 'ci' })).secret;
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
  await nothing.release();
});

const bearer = { authorization: `Bearer ${token}` };

function expectPageHeaders(headers: Record<string, string | string[] | undefined>): void {
  expect(String(headers['content-security-policy'])).toContain("frame-ancestors 'none'");
  expect(String(headers['content-security-policy'])).toContain("script-src 'self'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['cache-control']).toBe('no-store');
}

describe('dashboard API', () => {
  it('dashboard: serves the page shell, its CSS and its JavaScript without the token, each with the page security headers', async () => {
    for (const [path, type] of [
      ['/dashboard', 'text/html; charset=utf-8'],
      ['/dashboard/', 'text/html; charset=utf-8'],
      ['/dashboard/dashboard.css', 'text/css; charset=utf-8'],
      ['/dashboard/dashboard.js', 'text/javascript; charset=utf-8'],
      ['/dashboard/charts.js', 'text/javascript; charset=utf-8'],
    ] as const) {
      const response = await request(`${adminUrl}${path}`);
      const text = await response.body.text();
      expect(response.statusCode, path).toBe(200);
      expect(response.headers['content-type']).toBe(type);
      expectPageHeaders(response.headers);
      expect(text).not.toContain(token);
    }
    const html = await (await request(`${adminUrl}/dashboard`)).body.text();
    // No inline script or style: every script and stylesheet is a file of the page's own origin.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/<style|style=/);
  });

  it('dashboard: answers a catalogued 404 for a file the page does not have, path tricks included', async () => {
    for (const path of ['/dashboard/nope.js', '/dashboard/../admin/status', '/dashboard/%2e%2e/package.json']) {
      const response = await request(`${adminUrl}${path}`);
      expectPageHeaders(response.headers);
      if (response.statusCode === 404) await expectProblem(response, 404, 'not_found');
      else {
        // A client that normalizes `..` asks for /admin/status: that still needs the token.
        await expectProblem(response, 401, 'authentication_required');
      }
    }
  });

  it('dashboard: serves no data without the admin token or with a wrong one, with the security headers on the refusal', async () => {
    for (const path of ['/admin/dashboard/summary', `/admin/dashboard/requests/${randomUUID()}`]) {
      const missing = await request(`${adminUrl}${path}`);
      expectPageHeaders(missing.headers);
      await expectProblem(missing, 401, 'authentication_required');
      await expectProblem(await request(`${adminUrl}${path}`, { headers: { authorization: 'Bearer wrong' } }), 401, 'invalid_token');
    }
  });

  it('dashboard: the summary shows the upstream circuits and the ring of recent log lines', async () => {
    const response = await request(`${adminUrl}/admin/dashboard/summary`, { headers: bearer });
    expect(response.statusCode).toBe(200);
    expectPageHeaders(response.headers);
    const summary = (await response.body.json()) as { upstreams: { name: string; circuit: string; opens: number }[]; operations: unknown; recentLog: { maxLines: number; maxBytes: number } };
    expect(summary.upstreams).toEqual([
      { name: 'app', circuit: 'closed', opens: 0 },
      { name: 'gone', circuit: 'closed', opens: 0 },
    ]);
    expect(summary.operations).toBeNull();
    expect(summary.recentLog).toMatchObject({ maxLines: 20_000, maxBytes: 8 * 1024 * 1024 });
  });

  it('dashboard: the ring of recent log lines shows in the metrics, within its bounds', async () => {
    await (await request(`${portier.url}/rows`)).body.dump();
    await portier.logged((logged) => logged['msg'] === 'request', 'a request line');
    const text = await (await request(`${adminUrl}/metrics`, { headers: bearer })).body.text();
    const lines = Number(/^portier_recent_log_lines (\d+)$/m.exec(text)?.[1]);
    const bytes = Number(/^portier_recent_log_bytes (\d+)$/m.exec(text)?.[1]);
    expect(lines).toBeGreaterThan(0);
    expect(bytes).toBeGreaterThan(lines * 100);
    expect(bytes).toBeLessThanOrEqual(8 * 1024 * 1024);
  });

  it('dashboard: refuses a range outside 1 to 1440 minutes with a catalogued 400', async () => {
    for (const minutes of ['0', '1441', 'x', '1.5']) {
      await expectProblem(await request(`${adminUrl}/admin/dashboard/summary?minutes=${minutes}`, { headers: bearer }), 400, 'bad_request');
    }
    expect((await request(`${adminUrl}/admin/dashboard/summary?minutes=1440`, { headers: bearer })).statusCode).toBe(200);
  });

  it('dashboard: tells the story of one request by its correlation ID, as portier trace does', async () => {
    const id = randomUUID();
    const answered = await request(`${portier.url}/rows`, { headers: { authorization: `Bearer ${secret}`, 'x-correlation-id': id } });
    await answered.body.dump();
    const other = await request(`${portier.url}/rows`, { headers: { authorization: `Bearer ${secret}` } });
    await other.body.dump();
    const line = await portier.logged((logged) => logged['correlationId'] === id && logged['msg'] === 'request', 'the request line');
    const response = await request(`${adminUrl}/admin/dashboard/requests/${id}`, { headers: bearer });
    expectPageHeaders(response.headers);
    const story = (await response.body.json()) as { correlationId: string; story: string[]; lines: Record<string, unknown>[] };
    expect(story.correlationId).toBe(id);
    expect(story.lines).toEqual([line]);
    expect(story.story).toHaveLength(1);
    expect(story.story[0]).toMatch(/GET \/rows {2}-> 200 {2}route rows {2}account acc_\S+ key \S+ {2}[\d.]+ ms/);
    expect(JSON.stringify(story)).not.toContain(secret);
  });

  it('dashboard: tells the whole story of a failed upstream request, its error lines included', async () => {
    const id = randomUUID();
    await (await request(`${portier.url}/down`, { headers: { 'x-correlation-id': id } })).body.dump();
    await portier.logged((logged) => logged['correlationId'] === id && logged['msg'] === 'request', 'the request line');
    const story = (await (await request(`${adminUrl}/admin/dashboard/requests/${id}`, { headers: bearer })).body.json()) as { story: string[] };
    expect(story.story.at(-1)).toMatch(/GET \/down {2}-> 502 {2}bad_gateway {2}route down/);
  });

  it('dashboard: the summary counts a known mix of answers by status, code, owner, route and account, with latency', async () => {
    // A gateway of its own, so that no other test's requests are in its counts.
    const config = {
      admin: { port: 0, token },
      auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
      plans: { free: {} },
      upstreams: { app: { url: upstream.url }, gone: { url: `http://127.0.0.1:${nothing.port}` } },
      routes: [
        { id: 'rows', path: '/rows', upstream: 'app', auth: {}, limits: [{ name: 'three', limit: 3, per: 'hour', by: ['account'] }] },
        { id: 'down', path: '/down', upstream: 'gone' },
      ],
    };
    const own = await startGateway(config);
    try {
      const admin = adminOf(own, config);
      const account = await admin.createAccount('Globex', 'free');
      const key = (await admin.createKey({ accountId: account.id, name: 'ci' })).secret;
      const statuses: number[] = [];
      const send = async (path: string, headers: Record<string, string>): Promise<void> => {
        const response = await request(`${own.url}${path}`, { headers });
        await response.body.dump();
        statuses.push(response.statusCode);
      };
      for (let i = 0; i < 4; i++) await send('/rows', { authorization: `Bearer ${key}` });
      await send('/rows', {});
      await send('/down', {});
      expect(statuses).toEqual([200, 200, 200, 429, 401, 502]);
      const summary = await waitFor(
        async () => (await (await request(`${own.gateway.adminUrl}/admin/dashboard/summary?minutes=5`, { headers: bearer })).body.json()) as DashboardSummary,
        { until: (read) => read.usage?.requests.total === 6, what: 'the six answers counted' },
      );
      const usage = summary.usage;
      expect(usage?.minutes).toHaveLength(5);
      expect(usage?.byStatus).toEqual([
        { status: 200, count: 3 },
        { status: 401, count: 1 },
        { status: 429, count: 1 },
        { status: 502, count: 1 },
      ]);
      expect(usage?.errorsByCode.map((code) => [code.code, code.owner, code.total])).toEqual([
        ['authentication_required', 'client', 1],
        ['bad_gateway', 'upstream', 1],
        ['rate_limited', 'capacity', 1],
      ]);
      expect(usage?.byRoute.map((route) => [route.route, route.requests, route.errors])).toEqual([
        ['rows', 5, 2],
        ['down', 1, 1],
      ]);
      expect(usage?.refusalsByAccount).toEqual([{ account: account.id, rateLimited: 1, paymentRequired: 0 }]);
      expect(usage?.topAccounts).toEqual([{ account: account.id, requests: 4, errors: 1 }]);
      expect(summary.accountNames).toEqual({ [account.id]: 'Globex' });
      expect(usage?.latency.overall.count).toBe(6);
      expect(usage?.recentErrors.map((error) => error.status)).toEqual([502, 401, 429]);
    } finally {
      await own.close();
    }
  });

  it('dashboard: finds nothing for an unknown ID and refuses one no gateway could have issued', async () => {
    const empty = (await (await request(`${adminUrl}/admin/dashboard/requests/${randomUUID()}`, { headers: bearer })).body.json()) as { story: string[]; lines: unknown[] };
    expect(empty).toMatchObject({ story: [], lines: [] });
    await expectProblem(await request(`${adminUrl}/admin/dashboard/requests/${encodeURIComponent('<script>')}`, { headers: bearer }), 400, 'bad_request');
  });
});
