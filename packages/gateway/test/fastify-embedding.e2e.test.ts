import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { request, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { systemClock } from '../src/clock.js';
import { portierError, portierPlugin, type PortierRequest } from '../src/embed/fastify/index.js';
import { outsideAdmin, tempDbPath } from './helpers/accounts.js';
import { expectProblem } from './helpers/expect-problem.js';

// Portier inside a Fastify 5 app: the plugin runs every stage before the app's handlers, over a real socket.

const config = {
  auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
  plans: { free: {} },
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
    { id: 'forgotten', path: '/forgotten', methods: ['GET'], app: true },
  ],
};

let admin: { admin: AccountAdmin; close(): void };
let app: FastifyInstance;
let url: string;
const seen: PortierRequest[] = [];
const lines: string[] = [];

async function keyOf(scopes: string[] = []): Promise<string> {
  const account = await admin.admin.createAccount(`fastify-${Math.random()}`, 'free');
  return (await admin.admin.createKey({ accountId: account.id, name: 'k', scopes })).secret;
}

beforeAll(async () => {
  admin = outsideAdmin(config, systemClock);
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  app = Fastify();
  await app.register(portierPlugin, { config, logDestination, env: {} });
  let created = 0;
  app.post('/things', async (req, reply) => {
    if (req.portier !== undefined) seen.push(req.portier);
    created++;
    return reply.code(201).header('x-app', 'things').send({ id: `thing-${created}`, name: (req.body as { name: string }).name });
  });
  app.get('/things', async (req) => {
    if (req.portier !== undefined) seen.push(req.portier);
    return { things: [] };
  });
  app.post('/quota', async (req) => {
    throw portierError('entity_limit_reached', { plan: req.portier?.plan ?? '', entity: 'widgets', limit: 3, usage: 3 });
  });
  app.get('/crash', async () => {
    throw new Error('database password is hunter2');
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app.close();
  admin.close();
});

describe('portier/fastify', () => {
  it('fastify: the handler answers with request.portier and the parsed body when the key is valid', async () => {
    const key = await keyOf(['things:write']);
    const response = await request(`${url}/things`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-correlation-id': 'corr-fastify-1' },
      body: JSON.stringify({ name: 'lamp' }),
    });
    expect(response.statusCode).toBe(201);
    expect(((await response.body.json()) as { name: string }).name).toBe('lamp');
    expect(response.headers['x-correlation-id']).toBe('corr-fastify-1');
    const last = seen.at(-1) as PortierRequest;
    expect(last.routeId).toBe('things-create');
    expect(last.scopes).toEqual(['things:write']);
    expect(last.body).toEqual({ name: 'lamp' });
    expect(typeof last.account?.id).toBe('string');
  });

  it('fastify: 401 authentication_required when no key is sent', async () => {
    await expectProblem(await request(`${url}/things`), 401, 'authentication_required');
  });

  it('fastify: 429 rate_limited with RateLimit and Retry-After when the limit + 1 is sent', async () => {
    const headers = { authorization: `Bearer ${await keyOf()}` };
    for (const remaining of [1, 0]) {
      const passed = await request(`${url}/things`, { headers });
      await passed.body.dump();
      expect(passed.statusCode).toBe(200);
      expect(String(passed.headers['ratelimit'])).toMatch(new RegExp(`^"burst";r=${remaining};t=\\d+$`));
    }
    const refused = await request(`${url}/things`, { headers });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['ratelimit-policy']).toBe('"burst";q=2;w=60');
    await expectProblem(refused, 429, 'rate_limited');
  });

  it('fastify: 400 validation_failed, the handler not called, when the body breaks the schema', async () => {
    const before = seen.length;
    const response = await request(`${url}/things`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await keyOf(['things:write'])}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'a name far longer than twenty', colour: 'red' }),
    });
    const problem = await expectProblem(response, 400, 'validation_failed');
    expect(problem.errors.length).toBe(2);
    expect(seen.length).toBe(before);
  });

  it('fastify: an idempotent repeat gets the app\'s first answer byte for byte when the key is reused', async () => {
    const key = await keyOf(['things:write']);
    const send = (): Promise<Dispatcher.ResponseData> =>
      request(`${url}/things`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': 'fastify-lamp-1' },
        body: JSON.stringify({ name: 'lamp' }),
      });
    const first = await send();
    const firstBody = Buffer.from(await first.body.arrayBuffer());
    const handled = seen.length;
    const second = await send();
    const secondBody = Buffer.from(await second.body.arrayBuffer());
    expect(second.statusCode).toBe(201);
    expect(secondBody.equals(firstBody)).toBe(true);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers['x-app']).toBe('things');
    expect(seen.length).toBe(handled);
  });

  it('fastify: a catalog error the handler throws is rendered like the gateway\'s', async () => {
    const response = await request(`${url}/quota`, { method: 'POST', headers: { authorization: `Bearer ${await keyOf()}` } });
    const problem = await expectProblem(response, 402, 'entity_limit_reached');
    expect(problem.detail).toContain('widgets');
  });

  it('fastify: an app crash is a 500 internal_error with nothing of it sent when a handler throws', async () => {
    const response = await request(`${url}/crash`, { headers: { authorization: `Bearer ${await keyOf()}` } });
    const text = await response.body.text();
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(text)).toMatchObject({ code: 'internal_error', status: 500 });
    expect(text).not.toMatch(/hunter2|Error:|at .*\.ts/);
    expect(lines.join('')).toContain('hunter2');
  });

  it('fastify: 404 not_found for a path no config route has, and 500 internal_error for an app route without a handler', async () => {
    await expectProblem(await request(`${url}/nowhere`), 404, 'not_found');
    await expectProblem(await request(`${url}/forgotten`), 500, 'internal_error');
    expect(lines.join('')).toContain('route forgotten is answered by the app');
  });
});
