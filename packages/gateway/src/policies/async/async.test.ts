import { afterAll, describe, expect, it } from 'vitest';
import { configOf, policyContext, recordingResponse, type RequestShape } from '../../../test/helpers/policy-context.js';
import { tempDbPath } from '../../../test/helpers/accounts.js';
import type { KeyEntry } from '../../accounts/key-directory.js';
import type { PortierConfig, RouteConfig } from '../../config/config-types.js';
import { PortierError } from '../../errors/portier-error.js';
import { createAcceptTerminal } from '../../operations/accept-terminal.js';
import { Operations } from '../../operations/operations.js';
import { SqliteOperationQueue } from '../../operations/sqlite-operation-queue.js';
import type { CompiledRoute } from '../../pipeline/compiled-route.js';
import { configuredSpec } from '../../pipeline/compile-routes.js';
import { asyncStage } from './index.js';

const clock = { value: Date.UTC(2026, 11, 2, 12, 0, 0), now: () => clock.value };

const yaml = `
upstreams: { app: { url: 'http://127.0.0.1:9' } }
auth: { instance: eu1, store: { sqlitePath: ':memory:' }, schemes: [bearer, header], header: X-Api-Key }
correlation: { header: X-Request-ID }
operations: { path: /companies/:companyId/push, pollAfterSeconds: 3, maxPending: 2 }
routes:
  - { id: push, path: '/companies/:companyId/data', methods: [POST], upstream: app, maxBodyBytes: 32, auth: {}, async: { deadline: 15m } }
  - { id: keyed, path: '/companies/:companyId/keyed', methods: [POST], upstream: app, auth: {}, async: { forwardCredentials: true } }
  - { id: plain, path: /plain, upstream: app }
`;
const config = configOf(yaml);
const stores: SqliteOperationQueue[] = [];
afterAll(() => {
  for (const store of stores) store.close();
});

function routeOf(routeId: string, from: PortierConfig = config): RouteConfig {
  const route = from.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(routeId);
  return route;
}

function settingsFor(routeId: string, from: PortierConfig = config) {
  return asyncStage.settingsOf(configuredSpec(routeOf(routeId, from), from), from);
}

/** The accept terminal of a route over a fresh SQLite queue, with the wakes it asked for. */
function acceptFor(routeId: string, from: PortierConfig = config) {
  const store = new SqliteOperationQueue(tempDbPath(), clock);
  stores.push(store);
  const operations = new Operations(store, from);
  const settings = settingsFor(routeId, from);
  if (settings === undefined) throw new Error(`${routeId} is async`);
  const wakes: number[] = [];
  const terminal = asyncStage.create(settings, { operations: { operations, wake: () => wakes.push(1) }, clock });
  return { terminal, store, operations, wakes };
}

const account = { account: { id: 'acc1' }, key: { id: 'key1' } } as unknown as KeyEntry;

async function send(terminal: ReturnType<typeof acceptFor>['terminal'], routeId: string, shape: RequestShape, params: Record<string, string | undefined> = { companyId: 'c1' }) {
  const { res, written } = recordingResponse();
  const ctx = policyContext({ method: 'POST', url: '/companies/c1/data?dry=1', ...shape }, res);
  ctx.correlationId = 'corr-1';
  ctx.auth = account;
  ctx.route = { id: routeId } as unknown as CompiledRoute;
  ctx.params = params;
  const decision = await terminal.handle(ctx);
  return { decision, ctx, written: written() };
}

/** The headers as name -> value, names lower-cased. */
function byName(headers: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < headers.length; i += 2) out[(headers[i] as string).toLowerCase()] = headers[i + 1] as string;
  return out;
}

function refusal(decision: unknown): PortierError {
  expect(decision).toBeInstanceOf(PortierError);
  return decision as PortierError;
}

type Problems = { path: readonly (string | number)[]; message: string }[];

function routeProblems(route: RouteConfig, from: PortierConfig = config): Problems {
  const problems: Problems = [];
  asyncStage.checkRoute?.(route, 4, from, (path, message) => problems.push({ path, message }));
  return problems;
}

function configProblems(from: PortierConfig): Problems {
  const problems: Problems = [];
  asyncStage.checkConfig?.(from, (path, message) => problems.push({ path, message }));
  return problems;
}

describe('async stage module', () => {
  it('async: answers only async routes; the worker forwards as the proxy would, minus every credential unless the route opts in', () => {
    expect(settingsFor('plain')).toBeUndefined();
    expect(asyncStage.settingsOf({ ...configuredSpec(routeOf('push'), config), config: undefined }, config)).toBeUndefined();
    expect(settingsFor('push')).toEqual({
      forward: { correlationHeader: 'x-request-id', trustForwardedHeaders: false, dropHeaders: new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']) },
      maxBodyBytes: 32,
    });
    expect(settingsFor('keyed')?.forward.dropHeaders).toEqual(new Set());
    expect(settingsFor('keyed')?.maxBodyBytes).toBe(config.server.maxBodyBytes);
  });

  it('async: its route code is operation_queue_full; it may also answer payload_too_large', () => {
    expect(asyncStage.codes(settingsFor('push') as never, config)).toEqual(['operation_queue_full']);
    expect(asyncStage.emits).toEqual(['operation_queue_full', 'payload_too_large']);
  });

  it('async: create needs the operation queue, and makes the async terminal', () => {
    const settings = settingsFor('push');
    if (settings === undefined) throw new Error('push is async');
    expect(() => asyncStage.create(settings, { operations: undefined, clock })).toThrow('async routes need the operation queue');
    expect(acceptFor('push').terminal.name).toBe('async');
  });

  it('async: config check on a route: nothing for routes that are not async or are well formed', () => {
    expect(routeProblems(routeOf('plain'))).toEqual([]);
    expect(routeProblems(routeOf('push'))).toEqual([]);
    expect(routeProblems(routeOf('keyed'))).toEqual([]);
  });

  it('async: config check refuses an async route without a required key, or counting entities', () => {
    const push = routeOf('push');
    const { auth, ...withoutAuth } = push;
    if (auth === undefined) throw new Error('push has auth');
    expect(routeProblems(withoutAuth)).toEqual([{ path: ['routes', 4, 'async'], message: 'async routes need route `auth` with a required key: operations belong to an account' }]);
    expect(routeProblems({ ...push, auth: { ...auth, required: false } })).toHaveLength(1);
    expect(routeProblems({ ...push, auth: { ...auth, entity: { name: 'orders', action: 'create' } } })).toEqual([
      { path: ['routes', 4, 'async'], message: 'async routes cannot count entities (`auth.entity`): the upstream answers later' },
    ]);
  });

  it('async: config check refuses a route whose path lacks a parameter operations.path names', () => {
    expect(routeProblems({ ...routeOf('push'), path: '/data' })).toEqual([
      { path: ['routes', 4, 'async'], message: '`operations.path` names ":companyId", which this route\'s path does not have' },
    ]);
  });

  it('async: config check refuses unknown fields in the route\'s operation body template, and accepts known ones', () => {
    const push = routeOf('push');
    const async = push.async;
    if (async === undefined) throw new Error('push is async');
    expect(routeProblems({ ...push, async: { ...async, body: { id: '{id}', who: '{nobody}' } } })).toEqual([
      { path: ['routes', 4, 'async', 'body'], message: 'unknown field "{nobody}" in the operation body template' },
    ]);
    expect(routeProblems({ ...push, async: { ...async, body: { id: '{id}', company: '{params.companyId}' } } })).toEqual([]);
  });

  it('async: config check on the operations section: :operationId is taken, templates may name only their fields', () => {
    expect(configProblems(config)).toEqual([]);
    const ops = config.operations;
    expect(configProblems({ ...config, operations: { ...ops, path: '/ops/:operationId' } })).toEqual([
      { path: ['operations', 'path'], message: '":operationId" is the parameter Portier appends itself' },
    ]);
    expect(configProblems({ ...config, operations: { ...ops, body: { x: '{bogus}' } } })).toEqual([
      { path: ['operations', 'body'], message: 'unknown field "{bogus}" in the operation body template' },
    ]);
    const list = configProblems({ ...config, operations: { ...ops, list: { ...ops.list, body: { data: '{operations}', bad: '{status}' } } } });
    expect(list).toHaveLength(1);
    expect(list[0]?.path).toEqual(['operations', 'list', 'body']);
    expect(list[0]?.message).toContain('unknown field "{status}" in the operation list template');
  });
});

describe('accept terminal', () => {
  it('accept: stores the request first, then answers 202 with Location, Retry-After and the operation body', async () => {
    const { terminal, store, wakes } = acceptFor('push');
    const { decision, written, ctx } = await send(terminal, 'push', { headers: { 'content-type': 'application/json', 'x-trace': 't1' }, body: '{"a":1}' });
    expect(decision).toBeUndefined();
    expect(written.status).toBe(202);
    expect(written.ended).toBe(true);
    const headers = byName(written.headers);
    const body = JSON.parse(written.body.toString()) as { id: string; status: string; links: { self: string } };
    expect(headers['location']).toBe(`/companies/c1/push/${body.id}`);
    expect(headers['retry-after']).toBe('3');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-request-id']).toBe('corr-1');
    expect(body.status).toBe('Pending');
    expect(body.links.self).toBe(headers['location']);
    expect(ctx.responseHeaders).toEqual(['location', headers['location'], 'retry-after', '3']);
    expect(wakes).toEqual([1]);
    const stored = await store.get(body.id);
    expect(stored).toMatchObject({
      accountId: 'acc1',
      routeId: 'push',
      method: 'POST',
      url: '/companies/c1/data?dry=1',
      params: { companyId: 'c1' },
      correlationId: 'corr-1',
      requestedAt: clock.value,
      deadlineAt: clock.value + 15 * 60_000,
      status: 'Pending',
    });
    expect(stored?.body?.toString()).toBe('{"a":1}');
    expect(byName(stored?.headers ?? [])).toMatchObject({ 'content-type': 'application/json', 'x-trace': 't1', 'x-request-id': 'corr-1', 'x-forwarded-for': '127.0.0.1' });
  });

  it('accept: the queued headers are lower-cased, without the Idempotency-Key and Content-Length the worker sets itself', async () => {
    const { terminal, store } = acceptFor('push');
    const { written } = await send(terminal, 'push', { rawHeaders: ['Content-Type', 'text/plain', 'Idempotency-Key', 'client-key', 'Content-Length', '2', 'X-Mixed-Case', 'v'], headers: { 'content-type': 'text/plain', 'idempotency-key': 'client-key', 'content-length': '2', 'x-mixed-case': 'v' }, body: 'hi' });
    const id = (JSON.parse(written.body.toString()) as { id: string }).id;
    const headers = (await store.get(id))?.headers ?? [];
    const names = headers.filter((_, index) => index % 2 === 0);
    expect(names).toContain('content-type');
    expect(names).toContain('x-mixed-case');
    expect(names).not.toContain('idempotency-key');
    expect(names).not.toContain('content-length');
    expect(names.every((name) => name === name.toLowerCase())).toBe(true);
  });

  it('accept: credentials and cookies are not queued, unless the route opts in', async () => {
    const credentials = { authorization: 'Bearer sk', 'x-api-key': 'sk', cookie: 'session=1', 'proxy-authorization': 'Basic x', accept: 'application/json' };
    const push = acceptFor('push');
    const plain = await send(push.terminal, 'push', { headers: credentials });
    const queued = byName((await push.store.get((JSON.parse(plain.written.body.toString()) as { id: string }).id))?.headers ?? []);
    expect(queued['accept']).toBe('application/json');
    for (const name of ['authorization', 'x-api-key', 'cookie', 'proxy-authorization']) expect(queued, name).not.toHaveProperty(name);
    const keyed = acceptFor('keyed');
    const opted = await send(keyed.terminal, 'keyed', { url: '/companies/c1/keyed', headers: credentials });
    const kept = byName((await keyed.store.get((JSON.parse(opted.written.body.toString()) as { id: string }).id))?.headers ?? []);
    expect(kept).toMatchObject({ authorization: 'Bearer sk', 'x-api-key': 'sk', cookie: 'session=1' });
  });

  it('accept: a full queue is 503 operation_queue_full with the limit and a Retry-After of five polls; nothing stored, nobody woken', async () => {
    const { terminal, wakes, store } = acceptFor('push');
    expect((await send(terminal, 'push', {})).written.status).toBe(202);
    expect((await send(terminal, 'push', {})).written.status).toBe(202);
    const { decision, ctx } = await send(terminal, 'push', {});
    const error = refusal(decision);
    expect(error.code).toBe('operation_queue_full');
    expect(error.params).toEqual({ limit: 2 });
    expect(error.headers).toEqual({ 'Retry-After': '15' });
    expect(wakes).toEqual([1, 1]);
    expect(ctx.responseHeaders).toEqual([]);
    expect((await store.stats(clock.value)).byStatus.Pending).toBe(2);
  });

  it('accept: a body over the route\'s cap is 413 payload_too_large, and nothing is queued', async () => {
    const { terminal, store, wakes } = acceptFor('push');
    const { decision } = await send(terminal, 'push', { body: 'x'.repeat(33) });
    const error = refusal(decision);
    expect(error.code).toBe('payload_too_large');
    expect(error.params).toEqual({ limitBytes: 32 });
    expect(wakes).toEqual([]);
    expect((await store.stats(clock.value)).byStatus.Pending).toBe(0);
    expect((await send(terminal, 'push', { body: 'x'.repeat(32) })).written.status).toBe(202);
  });

  it('accept: a body a stage already read is queued as read; no body is queued as empty', async () => {
    const { terminal, store } = acceptFor('push');
    const { res, written } = recordingResponse();
    const ctx = policyContext({ method: 'POST', url: '/companies/c1/data', body: 'from the socket' }, res);
    ctx.auth = account;
    ctx.route = { id: 'push' } as unknown as CompiledRoute;
    ctx.params = { companyId: 'c1' };
    ctx.body = Buffer.from('read ahead');
    await terminal.handle(ctx);
    const stored = await store.get((JSON.parse(written().body.toString()) as { id: string }).id);
    expect(stored?.body?.toString()).toBe('read ahead');
    const empty = await send(terminal, 'push', {});
    expect((await store.get((JSON.parse(empty.written.body.toString()) as { id: string }).id))?.body?.length ?? 0).toBe(0);
  });

  it('accept: path parameters without a value are not stored; the Location takes each parameter URL-encoded', async () => {
    const { terminal, store } = acceptFor('push');
    const { written } = await send(terminal, 'push', {}, { companyId: 'a b/c', missing: undefined });
    const id = (JSON.parse(written.body.toString()) as { id: string }).id;
    expect(byName(written.headers)['location']).toBe(`/companies/a%20b%2Fc/push/${id}`);
    expect((await store.get(id))?.params).toEqual({ companyId: 'a b/c' });
  });

  it('accept: a request the view gives without method or target is queued as POST to /', async () => {
    const { terminal, store } = acceptFor('push');
    const { res, written } = recordingResponse();
    const ctx = policyContext({}, res);
    const req = ctx.req as { method?: string | undefined; url?: string | undefined };
    req.method = undefined;
    req.url = undefined;
    ctx.auth = account;
    ctx.route = { id: 'push' } as unknown as CompiledRoute;
    await terminal.handle(ctx);
    const stored = await store.get((JSON.parse(written().body.toString()) as { id: string }).id);
    expect(stored).toMatchObject({ method: 'POST', url: '/' });
  });

  it('accept: each operation gets its own id', async () => {
    const { terminal } = acceptFor('push');
    const first = JSON.parse((await send(terminal, 'push', {})).written.body.toString()) as { id: string };
    const second = JSON.parse((await send(terminal, 'push', {})).written.body.toString()) as { id: string };
    expect(first.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.id).not.toBe(first.id);
  });

  it('accept: a request that reached it without a route or an account is the gateway\'s bug, not queued', async () => {
    const { terminal, store } = acceptFor('push');
    const noAccount = policyContext({ method: 'POST' }, recordingResponse().res);
    noAccount.route = { id: 'push' } as unknown as CompiledRoute;
    await expect(terminal.handle(noAccount)).rejects.toThrow('async route without route or account');
    const noRoute = policyContext({ method: 'POST' }, recordingResponse().res);
    noRoute.auth = account;
    await expect(terminal.handle(noRoute)).rejects.toThrow('async route without route or account');
    expect((await store.stats(clock.value)).byStatus.Pending).toBe(0);
  });

  it('accept: a route the queue does not know gets no deadline beyond its request time; a HEAD gets no body', async () => {
    const store = new SqliteOperationQueue(tempDbPath(), clock);
    stores.push(store);
    const operations = new Operations(store, config);
    const terminal = createAcceptTerminal(operations, { forward: { correlationHeader: 'x-request-id', trustForwardedHeaders: false, dropHeaders: new Set() }, maxBodyBytes: 10, clock, wake: () => undefined });
    const { written } = await send(terminal, 'gone', { method: 'HEAD' });
    expect(written.status).toBe(202);
    expect(written.body.length).toBe(0);
    const location = byName(written.headers)['location'] as string;
    const stored = await store.get(location.split('/').at(-1) as string);
    expect(stored?.method).toBe('HEAD');
    expect(stored?.deadlineAt).toBe(clock.value);
  });
});
