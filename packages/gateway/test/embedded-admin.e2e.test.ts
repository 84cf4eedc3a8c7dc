import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortier, portierError, type PortierExpress } from '../src/embed/express/index.js';
import { portierPlugin } from '../src/embed/fastify/index.js';
import { createPortier as createHonoPortier, type PortierEnv } from '../src/embed/hono/index.js';
import { tempDbPath } from './helpers/accounts.js';
import { expectProblem } from './helpers/expect-problem.js';
import { sendRaw } from './helpers/raw-http.js';
import { waitFor } from './helpers/wait-for.js';

// The operations side of an embedded Portier: with an `admin` section it serves the admin API,
// /metrics and the dashboard on a listener of its own, next to the app's server, over real sockets.

const token = 'embedded-admin-token-0123456789abcdef';
const bearer = { authorization: `Bearer ${token}` };

function configOf(): Record<string, unknown> {
  return {
    admin: { host: '127.0.0.1', port: 0, token },
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    plans: { free: {} },
    routes: [
      { id: 'things-list', path: '/things', methods: ['GET'], app: true, auth: {} },
      { id: 'things-create', path: '/things', methods: ['POST'], app: true, auth: {}, validation: { body: { type: 'object', required: ['name'] } } },
      { id: 'quota', path: '/quota', methods: ['POST'], app: true, auth: {} },
    ],
  };
}

/** Log lines kept in memory. */
function memoryLog(): { destination: Writable; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { destination, lines };
}

async function adminCall(adminUrl: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await request(`${adminUrl}${path}`, {
    method,
    headers: { ...bearer, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.statusCode, json: await response.body.json() };
}

/** An account and a key made through the embedded Portier's own admin API. */
async function keyFromAdminApi(adminUrl: string): Promise<string> {
  const account = await adminCall(adminUrl, 'POST', '/admin/accounts', { name: `acct-${Math.random()}`, plan: 'free' });
  expect(account.status).toBe(201);
  const issued = await adminCall(adminUrl, 'POST', `/admin/accounts/${(account.json as { id: string }).id}/keys`, { name: 'ci' });
  expect(issued.status).toBe(201);
  return (issued.json as { secret: string }).secret;
}

async function scrape(adminUrl: string): Promise<(series: string) => number | undefined> {
  const response = await request(`${adminUrl}/metrics`, { headers: bearer });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain/);
  const text = await response.body.text();
  return (series) => {
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
}

/** What a series gained between two scrapes. */
function countedSince(before: (series: string) => number | undefined, after: (series: string) => number | undefined): (series: string) => number {
  return (series) => (after(series) ?? 0) - (before(series) ?? 0);
}

/** Whether anything accepts connections on the URL's port. */
function isOpen(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('embedded admin listener under Express', () => {
  let portier: PortierExpress;
  let server: Server;
  let appUrl = '';
  let adminUrl = '';
  let log: ReturnType<typeof memoryLog>;

  beforeAll(async () => {
    log = memoryLog();
    portier = createPortier(configOf(), { logDestination: log.destination, env: {} });
    const app = express();
    app.use('/v1', portier.middleware);
    app.use(express.json());
    app.get('/v1/things', (_req, res) => {
      res.json({ things: [] });
    });
    app.post('/v1/things', (req, res) => {
      res.status(201).json({ name: (req.body as { name: string }).name });
    });
    app.post('/v1/quota', (req, _res, next) => {
      next(portierError('entity_limit_reached', { plan: req.portier?.plan ?? '', entity: 'things', limit: 1, usage: 1 }));
    });
    app.use(portier.errorHandler);
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ready = await portier.ready;
    adminUrl = ready.adminUrl ?? '';
  });
  afterAll(async () => {
    server.close();
    await portier.close();
  });

  it('embedded admin: ready resolves with the admin listener\'s URL, a port of its own beside the app\'s', () => {
    expect(adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(adminUrl).port).not.toBe(new URL(appUrl).port);
  });

  it('embedded metrics: /metrics counts the requests through Express by route, method and status, and the catalog codes', async () => {
    // Other tests of this app make requests too, in any order: count what this one adds.
    const before = await scrape(adminUrl);
    const key = await keyFromAdminApi(adminUrl);
    const auth = { authorization: `Bearer ${key}` };
    for (let i = 0; i < 3; i++) expect((await request(`${appUrl}/v1/things`, { headers: auth })).statusCode).toBe(200);
    await expectProblem(await request(`${appUrl}/v1/things`), 401, 'authentication_required');
    const created = await request(`${appUrl}/v1/things`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":"a"}' });
    expect(created.statusCode).toBe(201);
    await created.body.dump();
    await expectProblem(await request(`${appUrl}/v1/things`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' }), 400, 'validation_failed');
    await expectProblem(await request(`${appUrl}/v1/quota`, { method: 'POST', headers: auth }), 402, 'entity_limit_reached');
    // Counted when each request finishes, which may come just after its answer reached the client.
    const value = await waitFor(async () => countedSince(before, await scrape(adminUrl)), {
      what: 'the last request counted',
      until: (read) => read('portier_requests_total{route="quota",method="POST",status="402"}') === 1,
    });
    expect(value('portier_requests_total{route="things-list",method="GET",status="200"}')).toBe(3);
    expect(value('portier_requests_total{route="things-list",method="GET",status="401"}')).toBe(1);
    expect(value('portier_requests_total{route="things-create",method="POST",status="201"}')).toBe(1);
    expect(value('portier_requests_total{route="things-create",method="POST",status="400"}')).toBe(1);
    expect(value('portier_errors_total{code="authentication_required"}')).toBe(1);
    expect(value('portier_errors_total{code="validation_failed"}')).toBe(1);
    expect(value('portier_errors_total{code="entity_limit_reached"}')).toBe(1);
    expect(value('portier_request_duration_seconds_count{route="things-list"}')).toBe(4);
  });

  it('embedded admin: /metrics and /admin/* want the admin token, answered in problem+json', async () => {
    await expectProblem(await request(`${adminUrl}/metrics`), 401, 'authentication_required');
    await expectProblem(await request(`${adminUrl}/admin/accounts`, { headers: { authorization: 'Bearer wrong' } }), 401, 'invalid_token');
    await expectProblem(await request(`${adminUrl}/admin/nothing`, { headers: bearer }), 404, 'not_found');
  });

  it('embedded admin: a key issued by the admin API works in the app at once, and revoking it there refuses it at once', async () => {
    const account = await adminCall(adminUrl, 'POST', '/admin/accounts', { name: `acct-${Math.random()}`, plan: 'free' });
    const issued = await adminCall(adminUrl, 'POST', `/admin/accounts/${(account.json as { id: string }).id}/keys`, { name: 'ci' });
    const { secret, key } = issued.json as { secret: string; key: { id: string } };
    const auth = { authorization: `Bearer ${secret}` };
    const first = await request(`${appUrl}/v1/things`, { headers: auth });
    expect(first.statusCode).toBe(200);
    await first.body.dump();
    expect((await adminCall(adminUrl, 'POST', `/admin/keys/${key.id}/revoke`)).status).toBe(200);
    await expectProblem(await request(`${appUrl}/v1/things`, { headers: auth }), 403, 'key_revoked');
  });

  it('embedded dashboard: the page is served, and its request search finds a request the app answered', async () => {
    const page = await request(`${adminUrl}/dashboard`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    await page.body.dump();
    const key = await keyFromAdminApi(adminUrl);
    const answer = await request(`${appUrl}/v1/things`, { headers: { authorization: `Bearer ${key}` } });
    await answer.body.dump();
    const id = String(answer.headers['x-correlation-id']);
    const story = await waitFor(async () => (await adminCall(adminUrl, 'GET', `/admin/dashboard/requests/${id}`)).json as { story: string[] }, {
      what: 'the request in the dashboard\'s search',
      until: (found) => found.story.length > 0,
    });
    expect(story.story[0]).toMatch(/GET \/things {2}-> 200 {2}route things-list/);
  });

  it('embedded admin: answers what Node would write itself (a parse error, CONNECT) with a catalogued problem', async () => {
    const cases: [string, number, string][] = [
      ['GARBAGE\r\n\r\n', 400, 'bad_request'],
      ['CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n', 405, 'connect_not_supported'],
    ];
    for (const [payload, status, code] of cases) {
      const answer = await sendRaw(adminUrl, payload);
      expect(answer.status, answer.raw).toBe(status);
      expect(answer.headers['content-type'], answer.raw).toBe('application/problem+json');
      expect((JSON.parse(answer.body) as { code: string }).code).toBe(code);
    }
  });
});

describe('embedded admin listener under Fastify', () => {
  let app: FastifyInstance;
  let appUrl = '';
  let adminUrl = '';

  beforeAll(async () => {
    app = Fastify();
    await app.register(portierPlugin, { config: configOf(), logDestination: memoryLog().destination, env: {} });
    app.get('/things', async () => ({ things: [] }));
    app.post('/things', async (_request, reply) => reply.code(201).send({ created: true }));
    app.post('/quota', async (request) => {
      throw portierError('entity_limit_reached', { plan: request.portier?.plan ?? '', entity: 'things', limit: 1, usage: 1 });
    });
    appUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    adminUrl = (await app.portier.ready).adminUrl ?? '';
  });
  afterAll(() => app.close());

  it('embedded metrics: /metrics counts the requests through Fastify by route, method and status, and the catalog codes', async () => {
    const key = await keyFromAdminApi(adminUrl);
    const auth = { authorization: `Bearer ${key}` };
    for (let i = 0; i < 2; i++) expect((await request(`${appUrl}/things`, { headers: auth })).statusCode).toBe(200);
    await expectProblem(await request(`${appUrl}/things`, { headers: { authorization: 'Bearer nonsense' } }), 401, 'credentials_malformed');
    const created = await request(`${appUrl}/things`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":"a"}' });
    expect(created.statusCode).toBe(201);
    await created.body.dump();
    await expectProblem(await request(`${appUrl}/quota`, { method: 'POST', headers: auth }), 402, 'entity_limit_reached');
    await expectProblem(await request(`${appUrl}/nowhere`, { headers: auth }), 404, 'not_found');
    const value = await waitFor(() => scrape(adminUrl), { what: 'the last request counted', until: (read) => read('portier_requests_total{route="(none)",method="GET",status="404"}') === 1 });
    expect(value('portier_requests_total{route="things-list",method="GET",status="200"}')).toBe(2);
    expect(value('portier_requests_total{route="things-list",method="GET",status="401"}')).toBe(1);
    expect(value('portier_requests_total{route="things-create",method="POST",status="201"}')).toBe(1);
    expect(value('portier_requests_total{route="quota",method="POST",status="402"}')).toBe(1);
    expect(value('portier_errors_total{code="credentials_malformed"}')).toBe(1);
    expect(value('portier_errors_total{code="entity_limit_reached"}')).toBe(1);
    expect(value('portier_errors_total{code="not_found"}')).toBe(1);
  });
});

describe('embedded admin listener under Hono', () => {
  it('embedded metrics: /metrics counts the requests through Hono by route, method and status', async () => {
    const portier = createHonoPortier(configOf(), { logDestination: memoryLog().destination, env: {} });
    const app = new Hono<PortierEnv>();
    // Under Hono, config paths are the full paths.
    app.use('*', portier.middleware);
    app.get('/things', (c) => c.json({ things: [] }));
    const server = createAdaptorServer({ fetch: app.fetch });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const adminUrl = (await portier.ready).adminUrl ?? '';
    try {
      const key = await keyFromAdminApi(adminUrl);
      const answer = await request(`${appUrl}/things`, { headers: { authorization: `Bearer ${key}` } });
      expect(answer.statusCode).toBe(200);
      await answer.body.dump();
      await expectProblem(await request(`${appUrl}/things`), 401, 'authentication_required');
      const value = await waitFor(() => scrape(adminUrl), { what: 'the last request counted', until: (read) => read('portier_requests_total{route="things-list",method="GET",status="401"}') === 1 });
      expect(value('portier_requests_total{route="things-list",method="GET",status="200"}')).toBe(1);
      expect(value('portier_errors_total{code="authentication_required"}')).toBe(1);
    } finally {
      (server as Server).closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await portier.close();
    }
  });
});

describe('embedded admin listener: reload', () => {
  it('embedded admin: POST /admin/reload reads the app\'s config file again and swaps it in; a refused file leaves the running config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portier-embedded-reload-'));
    const file = join(dir, 'portier.yaml');
    const rest = configOf();
    delete rest['routes'];
    writeFileSync(file, stringify({ ...rest, routes: [{ id: 'open', path: '/open', methods: ['GET'], app: true }] }));
    const portier = createPortier(file, { logDestination: memoryLog().destination, env: {} });
    const app = express();
    app.use('/v1', portier.middleware);
    app.get(['/v1/open', '/v1/later'], (_req, res) => {
      res.json({ ok: true });
    });
    app.use(portier.errorHandler);
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const adminUrl = (await portier.ready).adminUrl ?? '';
    try {
      await expectProblem(await request(`${appUrl}/v1/later`), 404, 'not_found');
      writeFileSync(file, stringify({ ...rest, routes: [{ id: 'open', path: '/open', methods: ['GET'], app: true }, { id: 'later', path: '/later', methods: ['GET'], app: true }] }));
      const reloaded = await adminCall(adminUrl, 'POST', '/admin/reload');
      expect(reloaded).toMatchObject({ status: 200, json: { reloaded: true, file, routes: expect.any(Number) as number } });
      const later = await request(`${appUrl}/v1/later`);
      expect(later.statusCode).toBe(200);
      expect(await later.body.json()).toEqual({ ok: true });
      writeFileSync(file, stringify({ ...rest, routes: [{ id: 'later', path: '/later', methods: ['GET'] }] }));
      const refused = await adminCall(adminUrl, 'POST', '/admin/reload');
      expect(refused).toMatchObject({ status: 422, json: { reloaded: false, code: 'config_invalid' } });
      const still = await request(`${appUrl}/v1/open`);
      expect(still.statusCode).toBe(200);
      await still.body.dump();
    } finally {
      server.close();
      await portier.close();
    }
  });
});

describe('embedded admin listener: opening and closing', () => {
  it('embedded admin: close() closes the admin listener with the stores', async () => {
    const portier = createPortier(configOf(), { logDestination: memoryLog().destination, env: {} });
    const { adminUrl } = await portier.ready;
    expect(adminUrl).toBeDefined();
    expect(await isOpen(adminUrl ?? '')).toBe(true);
    await portier.close();
    expect(await isOpen(adminUrl ?? '')).toBe(false);
  });

  it('embedded admin: nothing listens and ready resolves without a URL when the config has no admin section', async () => {
    const withoutAdmin = configOf();
    delete withoutAdmin['admin'];
    const portier = createPortier(withoutAdmin, { logDestination: memoryLog().destination, env: {} });
    expect(await portier.ready).toEqual({ adminUrl: undefined });
    await portier.close();
  });

  it('embedded admin: ready rejects and the log says so when the admin port is taken', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    const log = memoryLog();
    const portier = createPortier({ ...configOf(), admin: { host: '127.0.0.1', port, token } }, { logDestination: log.destination, env: {} });
    await expect(portier.ready).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await portier.close();
    taken.close();
    const line = log.lines.map((text) => JSON.parse(text) as { level: string; msg: string; address?: string }).find((entry) => entry.msg.startsWith('admin API'));
    expect(line).toMatchObject({ level: 'error', address: `127.0.0.1:${port}` });
    expect(line?.msg).toContain('the address is already in use');
  });

  it('embedded admin: registering the Fastify plugin fails when the admin port is taken', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    const app = Fastify();
    await expect(app.register(portierPlugin, { config: { ...configOf(), admin: { host: '127.0.0.1', port, token } }, logDestination: memoryLog().destination, env: {} })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    await app.close().catch(() => undefined);
    taken.close();
  });
});
