import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import express from 'express';
import Fastify from 'fastify';
import { request, type Dispatcher } from 'undici';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { systemClock } from '../src/clock.js';
import { createPortier, portierError, PortierConfigError, type OperationHandlers, type OperationJob } from '../src/embed/express/index.js';
import { portierPlugin } from '../src/embed/fastify/index.js';
import { outsideAdmin, tempDbPath } from './helpers/accounts.js';
import { frameworks, startEmbeddedApp, type EmbeddedApp } from './helpers/async-app.js';
import { expectProblem } from './helpers/expect-problem.js';
import { waitFor } from './helpers/wait-for.js';

// Async routes answered by the app (`app: true` + `async`): the request is queued durably and answered
// 202; the worker runs the handler the app registered for the route, with the queue's leases and
// retries; the polling routes are Portier's, in the app. Over real sockets, for each framework.

function configOf(sqlitePath: string): Record<string, unknown> {
  const asyncRoute = (id: string, path: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ id, path, methods: ['POST'], app: true, auth: {}, async: { deadline: '1m' }, ...extra });
  return {
    auth: { instance: 'eu1', store: { sqlitePath } },
    plans: { free: {} },
    operations: { retry: { baseDelayMs: 10, maxDelayMs: 50 } },
    routes: [
      asyncRoute('exports-create', '/exports', {
        validation: { body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string' } } } },
      }),
      asyncRoute('exports-flaky', '/flaky'),
      asyncRoute('exports-refused', '/refused'),
      asyncRoute('exports-invalid', '/invalid'),
      { id: 'ping', path: '/ping', methods: ['GET'], app: true },
      asyncRoute('exports-bad-header', '/bad-header'),
    ],
  };
}

/** Every job the handlers were given, in order. */
const jobs: OperationJob[] = [];

const handlers: OperationHandlers = {
  'exports-create': (job) => {
    jobs.push(job);
    return { status: 201, headers: { 'x-export': 'ready', 'set-cookie': 'worker=1' }, body: { exportId: `exp-${job.operationId}`, name: (job.body as { name: string }).name } };
  },
  // Attempt 1 throws, attempt 2 answers 503 with Retry-After, attempt 3 succeeds.
  'exports-flaky': async (job) => {
    jobs.push(job);
    if (job.attempt === 1) throw new Error('database password is hunter2');
    if (job.attempt === 2) return { status: 503, headers: { 'retry-after': '0' }, body: { message: 'busy' } };
    return { status: 200, body: { attempt: job.attempt } };
  },
  'exports-refused': (job) => {
    jobs.push(job);
    throw portierError('entity_limit_reached', { plan: 'free', entity: 'exports', limit: 1, usage: 1 });
  },
  'exports-invalid': (job) => {
    jobs.push(job);
    return { status: 422, body: { message: 'unknown format' } };
  },
  // Attempt 1 answers a header value no HTTP answer may carry (a line break, from data echoed into it).
  'exports-bad-header': (job) => {
    jobs.push(job);
    return { status: 200, headers: { 'x-export-name': job.attempt === 1 ? 'q3\r\nset-cookie: a=b' : 'q3' }, body: { attempt: job.attempt } };
  },
};

interface OperationBody {
  id: string;
  status: string;
  statusCode: number | null;
  attempts: number;
  error: { code: string; status: number } | null;
  links: { self: string; result: string };
}

describe.each(frameworks)('async app routes on %s', (framework) => {
  const config = configOf(tempDbPath());
  let admin: { admin: AccountAdmin; close(): void };
  let app: EmbeddedApp;
  let key: { secret: string; id: string; accountId: string };

  beforeAll(async () => {
    admin = outsideAdmin(config, systemClock);
    const account = await admin.admin.createAccount(`async-${framework}`, 'free');
    const issued = await admin.admin.createKey({ accountId: account.id, name: 'k' });
    key = { secret: issued.secret, id: issued.key.id, accountId: account.id };
    app = await startEmbeddedApp(framework, config, handlers);
  });
  afterAll(async () => {
    await app.close();
    admin.close();
  });

  const post = (path: string, body: unknown): Promise<Dispatcher.ResponseData> =>
    request(`${app.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json', 'x-trace-me': 'yes' }, body: JSON.stringify(body) });
  const get = (path: string): Promise<Dispatcher.ResponseData> => request(`${app.url}${path}`, { headers: { authorization: `Bearer ${key.secret}` } });

  /** Queues one operation and returns its 202 body and Location. */
  async function queue(path: string, body: unknown): Promise<{ location: string; operation: OperationBody }> {
    const response = await post(path, body);
    const text = await response.body.text();
    expect(response.statusCode, text).toBe(202);
    const location = String(response.headers['location']);
    return { location, operation: JSON.parse(text) as OperationBody };
  }

  /** Polls the operation until it is no longer Pending. */
  async function finished(location: string): Promise<OperationBody> {
    return waitFor(
      async () => {
        const response = await get(location);
        expect(response.statusCode).toBe(200);
        return (await response.body.json()) as OperationBody;
      },
      { what: `operation ${location} finished`, until: (operation) => operation.status !== 'Pending' },
    );
  }

  it('async app route: answered 202 + Location, then Success with the handler\'s answer as its result when the handler returns', async () => {
    const { location, operation } = await queue('/exports?format=csv', { name: 'q3' });
    expect(operation.status).toBe('Pending');
    expect(location).toBe(`/operations/${operation.id}`);
    const done = await finished(location);
    expect(done).toMatchObject({ status: 'Success', statusCode: 201, attempts: 1, error: null });

    const result = await get(`${location}/result`);
    expect(result.statusCode).toBe(201);
    expect(result.headers['x-export']).toBe('ready');
    expect(result.headers['x-portier-operation-status']).toBe('Success');
    // What the handler set for itself is not replayed to the caller, as with an upstream's cookies.
    expect(result.headers['set-cookie']).toBeUndefined();
    expect(await result.body.json()).toEqual({ exportId: `exp-${operation.id}`, name: 'q3' });

    const job = jobs.find((seen) => seen.operationId === operation.id);
    expect(job).toMatchObject({ routeId: 'exports-create', attempt: 1, accountId: key.accountId, keyId: key.id, method: 'POST', path: '/exports', body: { name: 'q3' } });
    expect(job?.query.get('format')).toBe('csv');
    expect(job?.headers['x-trace-me']).toBe('yes');
    // The caller's credential is not the handler's to see: the worker stored none.
    expect(job?.headers['authorization']).toBeUndefined();
    expect(job?.signal.aborted).toBe(false);
  });

  it('async app route: retried with backoff when the handler throws or answers 503, then Success', async () => {
    const { location, operation } = await queue('/flaky', {});
    const done = await finished(location);
    expect(done).toMatchObject({ status: 'Success', statusCode: 200, attempts: 3 });
    expect(jobs.filter((seen) => seen.operationId === operation.id).map((seen) => seen.attempt)).toEqual([1, 2, 3]);
    const result = await get(`${location}/result`);
    expect(await result.body.json()).toEqual({ attempt: 3 });
    // The thrown error is logged for the app's operators, with the attempt; the caller never sees it.
    expect(app.logText()).toContain('hunter2');
    expect(JSON.stringify(done)).not.toContain('hunter2');
  });

  it('async app route: Failed with the catalog error, rendered like the gateway\'s, when the handler throws portierError', async () => {
    const { location, operation } = await queue('/refused', {});
    const done = await finished(location);
    expect(done).toMatchObject({ status: 'Failed', attempts: 1, error: { code: 'entity_limit_reached', status: 402 } });
    expect(jobs.filter((seen) => seen.operationId === operation.id)).toHaveLength(1);
    const problem = await expectProblem(await get(`${location}/result`), 402, 'entity_limit_reached');
    expect(problem.instance).toBe(`${location}/result`);
  });

  it('async app route: Failed with the handler\'s answer as its result when the handler answers a final 4xx', async () => {
    const { location, operation } = await queue('/invalid', {});
    const done = await finished(location);
    expect(done).toMatchObject({ status: 'Failed', statusCode: 422, attempts: 1 });
    expect(jobs.filter((seen) => seen.operationId === operation.id)).toHaveLength(1);
    const result = await get(`${location}/result`);
    expect(result.statusCode).toBe(422);
    expect(await result.body.json()).toEqual({ message: 'unknown format' });
  });

  it('async app route: an answer with a header Node cannot send is a failed attempt, retried, not a Success whose result cannot be read', async () => {
    const { location, operation } = await queue('/bad-header', {});
    const done = await finished(location);
    expect(done).toMatchObject({ status: 'Success', statusCode: 200, attempts: 2 });
    expect(jobs.filter((seen) => seen.operationId === operation.id).map((seen) => seen.attempt)).toEqual([1, 2]);
    const result = await get(`${location}/result`);
    expect(result.statusCode).toBe(200);
    expect(result.headers['x-export-name']).toBe('q3');
    expect(result.headers['set-cookie']).toBeUndefined();
    expect(await result.body.json()).toEqual({ attempt: 2 });
    expect(app.logText()).toContain('x-export-name');
  });

  it('async app route: nothing queued when validation refuses the body; a synchronous app route beside it is the app\'s', async () => {
    const before = jobs.length;
    await expectProblem(await post('/exports', { title: 'no name' }), 400, 'validation_failed');
    const ping = await request(`${app.url}/ping`);
    expect(ping.statusCode).toBe(200);
    expect(await ping.body.json()).toEqual({ pong: true });
    expect(jobs).toHaveLength(before);
  });
});

describe('async app routes: config checks', () => {
  const config = configOf(tempDbPath());
  const refusal = (options: { operations: OperationHandlers }): string => {
    try {
      createPortier(config, { env: {}, ...options });
    } catch (error) {
      expect(error).toBeInstanceOf(PortierConfigError);
      return (error as Error).message;
    }
    throw new Error('the config was accepted');
  };

  it('config: refused at start, naming the route, when an async app route has no handler', () => {
    const rest = Object.fromEntries(Object.entries(handlers).filter(([routeId]) => routeId !== 'exports-flaky'));
    const message = refusal({ operations: rest });
    expect(message).toContain('routes[1].async');
    expect(message).toContain('route "exports-flaky" is async and answered by the app');
    expect(message).not.toContain('exports-create');
  });

  it('config: refused when a handler names a route the config does not have, or one that is not async', () => {
    const message = refusal({ operations: { ...handlers, 'exports-typo': () => ({ status: 200 }), ping: () => ({ status: 200 }) } });
    expect(message).toContain('an operation handler is registered for route "exports-typo", which the config does not have');
    expect(message).toContain('routes[4]: an operation handler is registered for route "ping", which is not an async app route');
  });

  it('config: the Fastify plugin refuses to register when an async app route has no handler', async () => {
    const app = Fastify();
    await expect(app.register(portierPlugin, { config, env: {} })).rejects.toThrow(/route "exports-create" is async and answered by the app/);
    await app.close();
  });
});

describe('async app routes: leases and shutdown', () => {
  it('async app route: an attempt that outlives its lease has its signal aborted and is attempted again', async () => {
    const config = {
      auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
      plans: { free: {} },
      operations: { leaseMs: 1000, retry: { baseDelayMs: 10, maxDelayMs: 50 } },
      routes: [{ id: 'slow', path: '/slow', methods: ['POST'], app: true, auth: {}, async: {} }],
    };
    const seen: OperationJob[] = [];
    const app = await startEmbeddedApp('express', config, {
      // The first attempt never answers (it ignores its signal); the second answers at once.
      slow: (job) => {
        seen.push(job);
        return job.attempt === 1 ? new Promise(() => undefined) : { status: 200, body: { attempt: job.attempt } };
      },
    });
    const { admin, close } = outsideAdmin(config, systemClock);
    try {
      const account = await admin.createAccount('slow', 'free');
      const secret = (await admin.createKey({ accountId: account.id, name: 'k' })).secret;
      const accepted = await request(`${app.url}/slow`, { method: 'POST', headers: { authorization: `Bearer ${secret}` } });
      expect(accepted.statusCode).toBe(202);
      const location = String(accepted.headers['location']);
      await accepted.body.dump();
      const done = await waitFor(
        async () => (await (await request(`${app.url}${location}`, { headers: { authorization: `Bearer ${secret}` } })).body.json()) as OperationBody,
        { what: 'the slow operation finished', until: (operation) => operation.status !== 'Pending' },
      );
      expect(done).toMatchObject({ status: 'Success', statusCode: 200, attempts: 2 });
      expect(seen.map((job) => job.attempt)).toEqual([1, 2]);
      expect(seen[0]?.signal.aborted).toBe(true);
      expect(String((seen[0]?.signal.reason as Error).message)).toContain('ran past its lease');
      expect(seen[1]?.signal.aborted).toBe(false);
    } finally {
      close();
      await app.close();
    }
  });

  it('async app route: close() waits for an attempt under way within its grace, and aborts it past that', async () => {
    const config = {
      auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
      plans: { free: {} },
      routes: [{ id: 'held', path: '/held', methods: ['POST'], app: true, auth: {}, async: {} }],
    };
    let started!: (job: OperationJob) => void;
    const running = new Promise<OperationJob>((resolve) => (started = resolve));
    const portier = createPortier(config, {
      env: {},
      logDestination: new Writable({ write: (_chunk, _encoding, callback) => callback() }),
      operations: {
        held: (job) => {
          started(job);
          return new Promise(() => undefined);
        },
      },
    });
    const app = express();
    app.use(portier.middleware);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const { admin, close } = outsideAdmin(config, systemClock);
    try {
      const account = await admin.createAccount('held', 'free');
      const secret = (await admin.createKey({ accountId: account.id, name: 'k' })).secret;
      const accepted = await request(`${url}/held`, { method: 'POST', headers: { authorization: `Bearer ${secret}` } });
      expect(accepted.statusCode).toBe(202);
      await accepted.body.dump();
      const job = await running;
      expect(job.signal.aborted).toBe(false);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await portier.close(50);
      expect(job.signal.aborted).toBe(true);
      expect(String((job.signal.reason as Error).message)).toBe('the operation worker stopped');
    } finally {
      close();
    }
  });
});

describe('async app routes: reload', () => {
  it('config: a reload that adds an async app route with no handler is refused, naming it; the running config stays', async () => {
    const token = 'async-reload-token-0123456789abcdef';
    const dir = mkdtempSync(join(tmpdir(), 'portier-async-reload-'));
    const file = join(dir, 'portier.yaml');
    const base = { admin: { host: '127.0.0.1', port: 0, token }, auth: { instance: 'eu1', store: { sqlitePath: join(dir, 'portier.db') } }, plans: { free: {} } };
    const exportRoute = { id: 'exports-create', path: '/exports', methods: ['POST'], app: true, auth: {}, async: {} };
    writeFileSync(file, stringify({ ...base, routes: [exportRoute] }));
    const portier = createPortier(file, { env: {}, logDestination: new Writable({ write: (_chunk, _encoding, callback) => callback() }), operations: { 'exports-create': () => ({ status: 200 }) } });
    try {
      const adminUrl = (await portier.ready).adminUrl ?? '';
      const reload = async (): Promise<{ status: number; text: string }> => {
        const response = await request(`${adminUrl}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
        return { status: response.statusCode, text: await response.body.text() };
      };
      writeFileSync(file, stringify({ ...base, routes: [exportRoute, { ...exportRoute, id: 'exports-later', path: '/later' }] }));
      const refused = await reload();
      expect(refused.status).toBe(422);
      expect(refused.text).toContain('route \\"exports-later\\" is async and answered by the app');
      writeFileSync(file, stringify({ ...base, routes: [exportRoute, { id: 'ping', path: '/ping', methods: ['GET'], app: true }] }));
      expect((await reload()).status).toBe(200);
    } finally {
      await portier.close();
    }
  });
});
