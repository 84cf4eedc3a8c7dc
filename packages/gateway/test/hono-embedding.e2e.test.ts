import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { validator } from 'hono/validator';
import { request, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { systemClock } from '../src/clock.js';
import { createPortier, portierError, type PortierEnv, type PortierHono, type PortierRequest } from '../src/embed/hono/index.js';
import { outsideAdmin, tempDbPath } from './helpers/accounts.js';
import { expectProblem } from './helpers/expect-problem.js';

// Portier inside a Hono app on @hono/node-server: the middleware runs every stage on Node's request
// and response before the app's handlers, over a real socket.

const config = {
  auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
  plans: { free: { entities: { widgets: 1 } } },
  cors: { origins: ['https://app.example'] },
  routes: [
    {
      id: 'things-create',
      path: '/v1/things',
      methods: ['POST'],
      app: true,
      auth: { scopes: ['things:write'] },
      validation: {
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', maxLength: 20, allOf: [{ minLength: 3, 'x-fatal': false, 'x-message': 'a name this short may be truncated' }] } },
        },
      },
      idempotency: {},
    },
    { id: 'things-list', path: '/v1/things', methods: ['GET'], app: true, auth: {}, limits: [{ name: 'burst', limit: 2, per: 'minute', by: ['key'] }] },
    { id: 'quota', path: '/v1/quota', methods: ['POST'], app: true, auth: {} },
    { id: 'quota-codat', path: '/v1/codat/quota', methods: ['POST'], app: true, auth: {}, envelope: 'codat' },
    { id: 'crash', path: '/v1/crash', methods: ['GET'], app: true, auth: {} },
    { id: 'crash-string', path: '/v1/crash-string', methods: ['GET'], app: true, auth: {} },
    { id: 'refused', path: '/v1/refused', methods: ['GET'], app: true },
    { id: 'widgets', path: '/v1/widgets', methods: ['POST'], app: true, auth: { entity: { name: 'widgets', action: 'create' } } },
    { id: 'forgotten', path: '/v1/forgotten', methods: ['GET'], app: true },
    { id: 'maintained', path: '/v1/maintained', methods: ['GET'], app: true },
  ],
};

let admin: { admin: AccountAdmin; close(): void };
let portier: PortierHono;
let url: string;
let closeServer: () => Promise<void> = () => Promise.resolve();
const seen: PortierRequest[] = [];
const lines: string[] = [];
let created = 0;

async function accountWithKey(scopes: string[] = []): Promise<{ accountId: string; key: string }> {
  const account = await admin.admin.createAccount(`hono-${Math.random()}`, 'free');
  return { accountId: account.id, key: (await admin.admin.createKey({ accountId: account.id, name: 'k', scopes })).secret };
}

async function keyOf(scopes: string[] = []): Promise<string> {
  return (await accountWithKey(scopes)).key;
}

beforeAll(async () => {
  // Keys are made from outside, like the CLI, on the store the embedded Portier uses.
  admin = outsideAdmin(config, systemClock);
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  portier = createPortier(config, { logDestination, env: {} });
  const app = new Hono<PortierEnv>();
  app.get('/', (c) => c.text('landing'));
  app.use('/v1/*', portier.middleware);
  app.onError(portier.onError);
  app.notFound(portier.notFound);
  app.post(
    '/v1/things',
    validator('json', (value) => value as { name: string }),
    async (c) => {
      const view = c.get('portier');
      seen.push(view);
      created++;
      // The body a stage read is handed back to Hono: its validator and c.req.json() read the same bytes.
      const body = await c.req.json<{ name: string }>();
      c.header('x-app', 'things');
      return c.json({ id: `thing-${created}`, name: body.name, validated: c.req.valid('json').name, by: view.account?.id, remote: c.env.incoming.socket.remoteAddress }, 201);
    },
  );
  app.get('/v1/things', (c) => {
    seen.push(c.get('portier'));
    return c.json({ things: [], correlationId: c.get('portier').correlationId });
  });
  app.post('/v1/quota', (c) => {
    throw portierError('entity_limit_reached', { plan: c.get('portier').plan ?? '', entity: 'widgets', limit: 3, usage: 3 });
  });
  app.post('/v1/codat/quota', () => {
    throw portierError('entity_limit_reached', { plan: 'free', entity: 'widgets', limit: 3, usage: 3 });
  });
  app.get('/v1/crash', () => {
    throw new Error('database password is hunter2');
  });
  app.get('/v1/crash-string', () => {
    // What a careless library may throw.
    throw 'the secret is swordfish';
  });
  app.get('/v1/refused', () => {
    throw new HTTPException(418, { message: 'hono says no' });
  });
  app.post('/v1/widgets', (c) => (c.req.header('x-refuse') === undefined ? c.json({ created: true }, 201) : c.json({ message: 'widget exists' }, 409)));
  app.get('/v1/maintained', (c) => c.json({ up: true }));
  const server = createAdaptorServer({ fetch: app.fetch });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeServer = async (): Promise<void> => {
    (server as Server).closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
});
afterAll(async () => {
  await closeServer();
  await portier.close();
  admin.close();
});

describe('portier/hono', () => {
  it('hono: the handler answers with c.get(\'portier\') and the validated body when the key is valid', async () => {
    const key = await keyOf(['things:write']);
    const response = await request(`${url}/v1/things`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-correlation-id': 'corr-hono-1' },
      body: JSON.stringify({ name: 'la' }),
    });
    const body = (await response.body.json()) as { name: string; validated: string; by: string; remote: string };
    expect(response.statusCode).toBe(201);
    expect(body.name).toBe('la');
    expect(body.validated).toBe('la');
    expect(body.remote).toBe('127.0.0.1');
    expect(response.headers['x-correlation-id']).toBe('corr-hono-1');
    expect(response.headers['x-app']).toBe('things');
    expect(String(response.headers['x-portier-warnings'])).toContain('may be truncated');
    const last = seen.at(-1) as PortierRequest;
    expect(last.routeId).toBe('things-create');
    expect(last.correlationId).toBe('corr-hono-1');
    expect(last.account?.id).toBe(body.by);
    expect(last.plan).toBe('free');
    expect(last.scopes).toEqual(['things:write']);
    expect(typeof last.keyId).toBe('string');
    expect(last.body).toEqual({ name: 'la' });
    expect(last.warnings.length).toBe(1);
  });

  it('hono: 401 authentication_required in the problem envelope, the handler not called, when no key is sent', async () => {
    const before = seen.length;
    const problem = await expectProblem(await request(`${url}/v1/things`), 401, 'authentication_required');
    expect(problem.instance).toBe('/v1/things');
    expect(seen.length).toBe(before);
  });

  it('hono: 403 access_denied when the key lacks the route scope', async () => {
    const response = await request(`${url}/v1/things`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await keyOf([])}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'lamp' }),
    });
    await expectProblem(response, 403, 'access_denied');
  });

  it('hono: 429 rate_limited with RateLimit and Retry-After headers when the limit + 1 is sent', async () => {
    const headers = { authorization: `Bearer ${await keyOf()}` };
    for (const remaining of [1, 0]) {
      const passed = await request(`${url}/v1/things`, { headers });
      expect(passed.statusCode).toBe(200);
      expect((await passed.body.json()) as unknown).toMatchObject({ things: [] });
      expect(passed.headers['ratelimit-policy']).toBe('"burst";q=2;w=60');
      expect(String(passed.headers['ratelimit'])).toMatch(new RegExp(`^"burst";r=${remaining};t=\\d+$`));
    }
    const refused = await request(`${url}/v1/things`, { headers });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(String(refused.headers['ratelimit'])).toMatch(/^"burst";r=0;t=\d+$/);
    await expectProblem(refused, 429, 'rate_limited');
  });

  it('hono: 400 validation_failed with every problem, the handler not called, when the body breaks the schema', async () => {
    const before = seen.length;
    const response = await request(`${url}/v1/things`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await keyOf(['things:write'])}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'a name far longer than twenty', colour: 'red' }),
    });
    const problem = await expectProblem(response, 400, 'validation_failed');
    expect(problem.errors.length).toBe(2);
    expect(seen.length).toBe(before);
  });

  it('hono: an idempotent repeat gets the app\'s first answer byte for byte, the handler called once, when the key is reused', async () => {
    const key = await keyOf(['things:write']);
    const send = (): Promise<Dispatcher.ResponseData> =>
      request(`${url}/v1/things`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': 'hono-lamp-1' },
        body: JSON.stringify({ name: 'lamp' }),
      });
    const first = await send();
    const firstBody = Buffer.from(await first.body.arrayBuffer());
    const handled = seen.length;
    const madeBefore = created;
    const second = await send();
    const secondBody = Buffer.from(await second.body.arrayBuffer());
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(secondBody.equals(firstBody)).toBe(true);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers['x-app']).toBe('things');
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.headers['x-portier-original-correlation-id']).toBe(first.headers['x-correlation-id']);
    expect(seen.length).toBe(handled);
    expect(created).toBe(madeBefore);
  });

  it('hono: a catalog error the handler throws is rendered like the gateway\'s, in the caller\'s language', async () => {
    const response = await request(`${url}/v1/quota`, { method: 'POST', headers: { authorization: `Bearer ${await keyOf()}`, 'accept-language': 'de' } });
    const problem = await expectProblem(response, 402, 'entity_limit_reached');
    expect(response.headers['content-language']).toBe('de');
    expect(problem.detail).toContain('widgets');
  });

  it('hono: a catalog error is rendered in the route\'s envelope when the route sets one', async () => {
    const response = await request(`${url}/v1/codat/quota`, { method: 'POST', headers: { authorization: `Bearer ${await keyOf()}` } });
    const body = (await response.body.json()) as { statusCode: number; correlationId: string; error: string };
    expect(response.statusCode).toBe(402);
    expect(response.headers['content-type']).toBe('application/json');
    expect(body.statusCode).toBe(402);
    expect(body.correlationId).toBe(response.headers['x-correlation-id']);
    expect(body.error).toContain('widgets');
  });

  it('hono: an app crash is a 500 internal_error with nothing of it sent when a handler throws an Error or a string', async () => {
    const key = await keyOf();
    for (const path of ['/v1/crash', '/v1/crash-string']) {
      const response = await request(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      const text = await response.body.text();
      expect(response.statusCode).toBe(500);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(text)).toMatchObject({ code: 'internal_error', status: 500 });
      expect(text).not.toMatch(/hunter2|swordfish|Error:|at .*\.ts/);
    }
    // The operator sees what happened.
    expect(lines.join('')).toContain('hunter2');
    expect(lines.join('')).toContain('swordfish');
  });

  it('hono: an HTTPException 4xx the handler throws stays Hono\'s answer', async () => {
    const response = await request(`${url}/v1/refused`);
    expect(response.statusCode).toBe(418);
    expect(await response.body.text()).toBe('hono says no');
    expect(response.headers['x-correlation-id']).toBeDefined();
  });

  it('hono: an entity slot is kept only when the app answers 2xx, the deferred release running once it finished', async () => {
    const { accountId, key } = await accountWithKey();
    const send = (headers: Record<string, string> = {}): Promise<Dispatcher.ResponseData> =>
      request(`${url}/v1/widgets`, { method: 'POST', headers: { authorization: `Bearer ${key}`, ...headers } });
    const refusedByApp = await send({ 'x-refuse': '1' });
    await refusedByApp.body.dump();
    expect(refusedByApp.statusCode).toBe(409);
    await vi.waitFor(async () => expect((await admin.admin.showAccount(accountId)).entities['widgets'] ?? 0).toBe(0));
    const made = await send();
    await made.body.dump();
    expect(made.statusCode).toBe(201);
    await expectProblem(await send(), 402, 'entity_limit_reached');
    expect((await admin.admin.showAccount(accountId)).entities['widgets']).toBe(1);
  });

  it('hono: the app\'s answer carries the CORS headers when an allowed origin calls', async () => {
    const response = await request(`${url}/v1/things`, { headers: { authorization: `Bearer ${await keyOf()}`, origin: 'https://app.example' } });
    await response.body.dump();
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example');
  });

  it('hono: 503 maintenance with Retry-After, the app not called, when the route is switched off', async () => {
    portier.maintenance.setRoute('maintained', { enabled: true, retryAfterSeconds: 120 });
    try {
      const response = await request(`${url}/v1/maintained`);
      expect(response.headers['retry-after']).toBe('120');
      await expectProblem(response, 503, 'maintenance');
    } finally {
      portier.maintenance.setRoute('maintained', { enabled: false });
    }
    const back = await request(`${url}/v1/maintained`);
    expect((await back.body.json()) as unknown).toEqual({ up: true });
  });

  it('hono: 404 not_found under the middleware for a path no config route has, and routes outside it are not Portier\'s', async () => {
    await expectProblem(await request(`${url}/v1/nowhere`), 404, 'not_found');
    const landing = await request(`${url}/`);
    expect(await landing.body.text()).toBe('landing');
    expect(landing.headers['x-correlation-id']).toBeUndefined();
    const outside = await request(`${url}/elsewhere`);
    expect(outside.statusCode).toBe(404);
    expect(await outside.body.text()).toBe('404 Not Found');
  });

  it('hono: 500 internal_error, logged, when an app route has no handler in the app', async () => {
    const problem = await expectProblem(await request(`${url}/v1/forgotten`), 500, 'internal_error');
    expect(JSON.stringify(problem)).not.toContain('no handler');
    expect(lines.join('')).toContain('route forgotten is answered by the app');
  });

  it('hono: a HEAD that Portier answers gets its status and headers alone, Hono writing nothing after it', async () => {
    // @hono/node-server reports a second write of a response on console.error (ERR_HTTP_HEADERS_SENT).
    const reported = vi.spyOn(console, 'error');
    const refused = await request(`${url}/v1/things`, { method: 'HEAD' });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(await refused.body.text()).toBe('');
    const crashed = await request(`${url}/v1/crash`, { method: 'HEAD', headers: { authorization: `Bearer ${await keyOf()}` } });
    expect(crashed.statusCode).toBe(500);
    expect(await crashed.body.text()).toBe('');
    // The server still answers: nothing was written twice.
    const after = await request(`${url}/v1/things`);
    await expectProblem(after, 401, 'authentication_required');
    expect(reported).not.toHaveBeenCalled();
    reported.mockRestore();
  });
});

describe('portier/hono without its onError and notFound', () => {
  it('hono: a crash is still internal_error with nothing sent, and an app route without a handler gets Hono\'s 404', async () => {
    const quiet = createPortier(
      { ...config, routes: [{ id: 'crash', path: '/crash', methods: ['GET'], app: true }, { id: 'forgotten', path: '/forgotten', methods: ['GET'], app: true }] },
      { logDestination: new Writable({ write: (_chunk, _encoding, done) => done() }), env: {} },
    );
    const app = new Hono<PortierEnv>();
    app.use('*', quiet.middleware);
    app.get('/crash', () => {
      throw new Error('database password is hunter2');
    });
    // Hono's default error handler prints the error; Portier still renders the answer.
    const printedByHono = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const server = createAdaptorServer({ fetch: app.fetch }) as Server;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const crashed = await request(`${base}/crash`);
      const text = await crashed.body.text();
      expect(crashed.statusCode).toBe(500);
      expect(JSON.parse(text)).toMatchObject({ code: 'internal_error' });
      expect(text).not.toContain('hunter2');
      expect(printedByHono).toHaveBeenCalled();
      const forgotten = await request(`${base}/forgotten`);
      expect(forgotten.statusCode).toBe(404);
      expect(await forgotten.body.text()).toBe('404 Not Found');
    } finally {
      printedByHono.mockRestore();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await quiet.close();
    }
  });
});
