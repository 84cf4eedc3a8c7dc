import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express5 from 'express';
import express4 from 'express4';
import { request, type Dispatcher } from 'undici';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { systemClock } from '../src/clock.js';
import { createPortier, portierError, PortierConfigError, type PortierExpress, type PortierRequest } from '../src/embed/express/index.js';
import { outsideAdmin, tempDbPath } from './helpers/accounts.js';
import { expectProblem } from './helpers/expect-problem.js';
import { runCli } from './helpers/cli.js';
import { RawConversation } from './helpers/raw-conversation.js';

// Portier inside an Express app: the app's handlers answer `app: true` routes, every stage before
// them is the gateway's, over a real socket, for Express 5 and Express 4.

const config = {
  auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
  plans: { free: { entities: { widgets: 1 } } },
  cors: { origins: ['https://app.example'] },
  routes: [
    {
      id: 'things-create',
      path: '/things',
      methods: ['POST'],
      app: true,
      auth: { scopes: ['things:write'] },
      validation: { body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', maxLength: 20 } } } },
      idempotency: {},
    },
    { id: 'things-list', path: '/things', methods: ['GET'], app: true, auth: {}, limits: [{ name: 'burst', limit: 2, per: 'minute', by: ['key'] }] },
    { id: 'quota', path: '/quota', methods: ['POST'], app: true, auth: {} },
    { id: 'crash', path: '/crash', methods: ['GET'], app: true, auth: {} },
    { id: 'crash-later', path: '/crash-later', methods: ['GET'], app: true, auth: {} },
    { id: 'quota-codat', path: '/codat/quota', methods: ['POST'], app: true, auth: {}, envelope: 'codat' },
    { id: 'widgets', path: '/widgets', methods: ['POST'], app: true, auth: { entity: { name: 'widgets', action: 'create' } } },
    { id: 'forgotten', path: '/forgotten', methods: ['GET'], app: true },
    { id: 'maintained', path: '/maintained', methods: ['GET'], app: true },
  ],
};

let admin: { admin: AccountAdmin; close(): void };

beforeAll(() => {
  // Keys are made from outside, like the CLI, on the store the embedded Portier uses.
  admin = outsideAdmin(config, systemClock);
});
afterAll(() => admin.close());

async function accountWithKey(scopes: string[] = []): Promise<{ accountId: string; key: string }> {
  const account = await admin.admin.createAccount(`app-${Math.random()}`, 'free');
  return { accountId: account.id, key: (await admin.admin.createKey({ accountId: account.id, name: 'k', scopes })).secret };
}

async function keyOf(scopes: string[] = []): Promise<string> {
  return (await accountWithKey(scopes)).key;
}

interface RunningApp {
  readonly url: string;
  readonly portier: PortierExpress;
  readonly seen: PortierRequest[];
  readonly logText: () => string;
  close(): Promise<void>;
}

type ExpressFactory = typeof express5;

async function startApp(express: ExpressFactory): Promise<RunningApp> {
  const lines: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  const portier = createPortier(config, { logDestination, env: {} });
  const seen: PortierRequest[] = [];
  let created = 0;
  const app = express();
  app.use(portier.middleware);
  app.use(express.json());
  app.post('/things', (req, res) => {
    if (req.portier !== undefined) seen.push(req.portier);
    created++;
    res.status(201).set('x-app', 'things').json({ id: `thing-${created}`, name: (req.body as { name: string }).name, by: req.portier?.account?.id });
  });
  app.get('/things', (req, res) => {
    if (req.portier !== undefined) seen.push(req.portier);
    res.json({ things: [], correlationId: req.portier?.correlationId });
  });
  app.post(['/quota', '/codat/quota'], (req, _res, next) => {
    next(portierError('entity_limit_reached', { plan: req.portier?.plan ?? '', entity: 'widgets', limit: 3, usage: 3 }));
  });
  app.post('/widgets', (req, res) => {
    if (req.headers['x-refuse'] !== undefined) res.status(409).json({ message: 'widget exists' });
    else res.status(201).json({ created: true });
  });
  app.get('/maintained', (_req, res) => {
    res.json({ up: true });
  });
  app.get('/crash', () => {
    throw new Error('database password is hunter2');
  });
  app.get('/crash-later', (_req, _res, next) => {
    setImmediate(() => next(new TypeError('cannot read properties of undefined (reading "secret")')));
  });
  app.use(portier.errorHandler);
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    portier,
    seen,
    logText: () => lines.join(''),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await portier.close();
    },
  };
}

describe.each([
  ['Express 5', express5],
  ['Express 4', express4 as ExpressFactory],
])('portier/express on %s', (_name, express) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(express);
  });
  afterAll(() => running.close());

  it('express: the handler answers with req.portier when the key is valid', async () => {
    const key = await keyOf(['things:write']);
    const response = await request(`${running.url}/things`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-correlation-id': 'corr-valid-1' },
      body: JSON.stringify({ name: 'lamp' }),
    });
    const body = (await response.body.json()) as { id: string; name: string; by: string };
    expect(response.statusCode).toBe(201);
    expect(body.name).toBe('lamp');
    expect(response.headers['x-correlation-id']).toBe('corr-valid-1');
    const seen = running.seen.at(-1) as PortierRequest;
    expect(seen.routeId).toBe('things-create');
    expect(seen.correlationId).toBe('corr-valid-1');
    expect(seen.account?.id).toBe(body.by);
    expect(seen.plan).toBe('free');
    expect(seen.scopes).toEqual(['things:write']);
    expect(typeof seen.keyId).toBe('string');
    expect(seen.body).toEqual({ name: 'lamp' });
  });

  it('express: one 100 Continue to a client that waits for it, when a stage reads the body', async () => {
    // Node answers Expect itself under the app's server; Portier's validation, reading the body, must not answer it again.
    const key = await keyOf(['things:write']);
    const body = JSON.stringify({ name: 'kettle' });
    const conversation = await RawConversation.open(running.url);
    conversation.write(
      `POST /things HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
    );
    await conversation.waitFor('HTTP/1.1 100 Continue\r\n\r\n');
    conversation.write(body);
    await conversation.closed;
    expect(conversation.text.match(/HTTP\/1\.1 100 Continue/g)?.length, conversation.text).toBe(1);
    expect(conversation.text).toContain('HTTP/1.1 201 Created');
    expect(conversation.text).toContain('"name":"kettle"');
  });

  it('express: 401 authentication_required in the problem envelope when no key is sent', async () => {
    const before = running.seen.length;
    const response = await request(`${running.url}/things`, { method: 'GET' });
    const problem = await expectProblem(response, 401, 'authentication_required');
    expect(problem.instance).toBe('/things');
    expect(running.seen.length).toBe(before);
  });

  it('express: 403 access_denied when the key lacks the route scope', async () => {
    const key = await keyOf([]);
    const response = await request(`${running.url}/things`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'lamp' }),
    });
    await expectProblem(response, 403, 'access_denied');
  });

  it('express: 429 rate_limited with RateLimit and Retry-After headers when the limit + 1 is sent', async () => {
    const key = await keyOf();
    const headers = { authorization: `Bearer ${key}` };
    for (const remaining of [1, 0]) {
      const passed = await request(`${running.url}/things`, { headers });
      expect(passed.statusCode).toBe(200);
      expect((await passed.body.json()) as unknown).toMatchObject({ things: [] });
      expect(passed.headers['ratelimit-policy']).toBe('"burst";q=2;w=60');
      expect(String(passed.headers['ratelimit'])).toMatch(new RegExp(`^"burst";r=${remaining};t=\\d+$`));
    }
    const refused = await request(`${running.url}/things`, { headers });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(String(refused.headers['ratelimit'])).toMatch(/^"burst";r=0;t=\d+$/);
    await expectProblem(refused, 429, 'rate_limited');
  });

  it('express: 400 validation_failed with every problem when the body breaks the schema', async () => {
    const key = await keyOf(['things:write']);
    const before = running.seen.length;
    const response = await request(`${running.url}/things`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'a name far longer than twenty', colour: 'red' }),
    });
    const problem = await expectProblem(response, 400, 'validation_failed');
    expect(problem.errors.length).toBe(2);
    expect(running.seen.length).toBe(before);
  });

  it('express: an idempotent repeat gets the app\'s first answer byte for byte when the key is reused', async () => {
    const key = await keyOf(['things:write']);
    const send = (): ReturnType<typeof request> =>
      request(`${running.url}/things`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': 'create-lamp-1' },
        body: JSON.stringify({ name: 'lamp' }),
      });
    const first = await send();
    const firstBody = Buffer.from(await first.body.arrayBuffer());
    const handled = running.seen.length;
    const second = await send();
    const secondBody = Buffer.from(await second.body.arrayBuffer());
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(secondBody.equals(firstBody)).toBe(true);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers['x-app']).toBe('things');
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.headers['x-portier-original-correlation-id']).toBe(first.headers['x-correlation-id']);
    expect(running.seen.length).toBe(handled);
  });

  it('express: a catalog error the app passes to next() is rendered like the gateway\'s', async () => {
    const key = await keyOf();
    const response = await request(`${running.url}/quota`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'accept-language': 'de' } });
    const problem = await expectProblem(response, 402, 'entity_limit_reached');
    expect(response.headers['content-language']).toBe('de');
    expect(problem.detail).toContain('widgets');
  });

  it('express: an app crash is a 500 internal_error with nothing of it sent when a handler throws', async () => {
    const key = await keyOf();
    for (const path of ['/crash', '/crash-later']) {
      const response = await request(`${running.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      const text = await response.body.text();
      expect(response.statusCode).toBe(500);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(text)).toMatchObject({ code: 'internal_error', status: 500 });
      expect(text).not.toMatch(/hunter2|secret|TypeError|at .*\.ts/);
    }
    // The operator sees what happened.
    expect(running.logText()).toContain('hunter2');
  });

  it('express: a catalog error is rendered in the route\'s envelope when the route sets one', async () => {
    const key = await keyOf();
    const response = await request(`${running.url}/codat/quota`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    const body = (await response.body.json()) as { statusCode: number; correlationId: string; error: string };
    expect(response.statusCode).toBe(402);
    expect(response.headers['content-type']).toBe('application/json');
    expect(body.statusCode).toBe(402);
    expect(body.correlationId).toBe(response.headers['x-correlation-id']);
    expect(body.error).toContain('widgets');
  });

  it('express: an entity slot is kept only when the app answers 2xx, the deferred release running once it finished', async () => {
    const { accountId, key } = await accountWithKey();
    const send = (headers: Record<string, string> = {}): Promise<Dispatcher.ResponseData> =>
      request(`${running.url}/widgets`, { method: 'POST', headers: { authorization: `Bearer ${key}`, ...headers } });
    const refusedByApp = await send({ 'x-refuse': '1' });
    await refusedByApp.body.dump();
    expect(refusedByApp.statusCode).toBe(409);
    await vi.waitFor(async () => expect((await admin.admin.showAccount(accountId)).entities['widgets'] ?? 0).toBe(0));
    const created = await send();
    await created.body.dump();
    expect(created.statusCode).toBe(201);
    const full = await send();
    await expectProblem(full, 402, 'entity_limit_reached');
    expect((await admin.admin.showAccount(accountId)).entities['widgets']).toBe(1);
  });

  it('express: the app\'s answer carries the CORS headers when an allowed origin calls', async () => {
    const key = await keyOf();
    const response = await request(`${running.url}/things`, { headers: { authorization: `Bearer ${key}`, origin: 'https://app.example' } });
    await response.body.dump();
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example');
  });

  it('express: 503 maintenance with Retry-After, the app not called, when the route is switched off', async () => {
    running.portier.maintenance.setRoute('maintained', { enabled: true, retryAfterSeconds: 120 });
    try {
      const response = await request(`${running.url}/maintained`);
      expect(response.headers['retry-after']).toBe('120');
      await expectProblem(response, 503, 'maintenance');
    } finally {
      running.portier.maintenance.setRoute('maintained', { enabled: false });
    }
    const back = await request(`${running.url}/maintained`);
    expect((await back.body.json()) as unknown).toEqual({ up: true });
  });

  it('express: 404 not_found for a path under the middleware that no config route has', async () => {
    await expectProblem(await request(`${running.url}/nowhere`), 404, 'not_found');
  });

  it('express: 500 internal_error, logged, when an app route has no handler in the app', async () => {
    const response = await request(`${running.url}/forgotten`);
    const problem = await expectProblem(response, 500, 'internal_error');
    expect(JSON.stringify(problem)).not.toContain('no handler');
    expect(running.logText()).toContain('route forgotten is answered by the app');
  });
});

describe('portier/express under a server that listens to checkContinue', () => {
  it('express: 100 Continue once the stages passed, and none before a refusal', async () => {
    const portier = createPortier({ ...config, routes: [{ id: 'upload', path: '/upload', methods: ['POST'], app: true, auth: {} }] }, { logDestination: new Writable({ write: (_c, _e, done) => done() }), env: {} });
    const app = express5();
    app.use(portier.middleware);
    app.use(express5.text({ type: '*/*' }));
    app.post('/upload', (req, res) => res.json({ got: req.body as string }));
    app.use(portier.errorHandler);
    const server = createServer(app);
    // The app decides on Expect itself: Node sends no 100 of its own.
    server.on('checkContinue', app);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const { key } = await accountWithKey();
      const refused = await RawConversation.open(url);
      refused.write('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
      await refused.waitFor('HTTP/1.1 401');
      expect(refused.text).not.toContain('100 Continue');
      refused.reset();
      const accepted = await RawConversation.open(url);
      accepted.write(`POST /upload HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${key}\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
      await accepted.waitFor('HTTP/1.1 100 Continue\r\n\r\n');
      accepted.write('hello');
      await accepted.closed;
      expect(accepted.text.match(/HTTP\/1\.1 100 Continue/g)?.length).toBe(1);
      expect(accepted.text).toContain('{"got":"hello"}');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await portier.close();
    }
  });
});

describe('portier/express mounted under a prefix', () => {
  it('express: config paths are relative to the mount, and routes outside it are not Portier\'s', async () => {
    const portier = createPortier({ ...config, routes: [{ id: 'mounted', path: '/things', methods: ['GET'], app: true, auth: {} }] }, { logDestination: new Writable({ write: (_c, _e, done) => done() }), env: {} });
    const app = express5();
    app.get('/', (_req, res) => res.send('landing'));
    app.use('/v1', portier.middleware);
    app.get('/v1/things', (req, res) => res.json({ route: req.portier?.routeId, account: req.portier?.account?.id }));
    app.use(portier.errorHandler);
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const { accountId, key } = await accountWithKey();
      const guarded = await request(`${url}/v1/things`, { headers: { authorization: `Bearer ${key}` } });
      expect(guarded.statusCode).toBe(200);
      expect((await guarded.body.json()) as unknown).toEqual({ route: 'mounted', account: accountId });
      await expectProblem(await request(`${url}/v1/things`), 401, 'authentication_required');
      await expectProblem(await request(`${url}/v1/other`), 404, 'not_found');
      const landing = await request(`${url}/`);
      expect(await landing.body.text()).toBe('landing');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await portier.close();
    }
  });
});

describe('portier/express config', () => {
  it('express: the config is refused with every problem when a route has neither upstream nor app', () => {
    const broken = { ...config, routes: [{ id: 'orphan', path: '/orphan', methods: ['GET'] }, { id: 'both', path: '/both', app: true, upstream: 'x' }] };
    let refused: unknown;
    try {
      createPortier(broken, { env: {} });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(PortierConfigError);
    const messages = (refused as PortierConfigError).problems.map((problem) => `${problem.path}: ${problem.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([expect.stringMatching(/^routes\[0\]: the route has no answer/), expect.stringMatching(/^routes\[1\]\.app: .*not both/)]),
    );
  });

  it('express: portier start refuses a config with app routes, naming each, when run as a gateway', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'portier-app-')), 'portier.yaml');
    writeFileSync(file, stringify({ server: { port: 0 }, routes: [{ id: 'things', path: '/things', app: true }] }));
    const result = await runCli(['start', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('routes[0] (things): answered by the app');
  });
});
