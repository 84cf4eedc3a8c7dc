import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { configOf, policyContext, recordingResponse, type RequestShape } from '../../../test/helpers/policy-context.js';
import { tempDbPath } from '../../../test/helpers/accounts.js';
import type { KeyEntry } from '../../accounts/key-directory.js';
import { configuredSpec } from '../../pipeline/compile-routes.js';
import { PortierError } from '../../errors/portier-error.js';
import { phrase } from '../../errors/param-phrases.js';
import type { PortierConfig } from '../../config/config-types.js';
import type { Logger } from '../../log/create-logger.js';
import { Tracing } from '../../tracing/tracing.js';
import type { Decision, Terminal } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { idempotencyStage } from './index.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { parseIdempotencyKey } from './parse-idempotency-key.js';
import { idempotencyScopeProblem } from './check-idempotency-scope.js';
import { SqliteIdempotencyStore } from './sqlite-idempotency-store.js';

const clock = { value: Date.UTC(2026, 11, 2, 12, 0, 0), now: () => clock.value };
const logger = pino({ level: 'silent' });

const yaml = `
upstreams: { app: { url: 'http://127.0.0.1:9' } }
auth: { instance: eu1, store: { sqlitePath: ':memory:' } }
idempotency: { ttl: 10m, lockTimeoutMs: 5000, maxStoredBodyBytes: 20 }
correlation: { header: X-Request-ID }
routes:
  - { id: pay, path: /pay, methods: [POST, PUT], upstream: app, maxBodyBytes: 30, auth: {}, idempotency: { required: true, methods: [POST] } }
  - { id: order, path: /order, methods: [POST], upstream: app, auth: {}, idempotency: {} }
  - { id: plain, path: /plain, upstream: app, auth: {} }
`;
const config = configOf(yaml);
const store = new SqliteIdempotencyStore(tempDbPath(), clock);
afterAll(() => store.close());

/** A route's answer that counts its calls and writes what it is told to. */
function fakeTerminal(answer: { status: number; headers?: Record<string, string>; body?: string } = { status: 201, body: '{"id":1}' }) {
  const calls: RequestContext[] = [];
  const terminal: Terminal = {
    name: 'fake',
    handle: async (ctx) => {
      calls.push(ctx);
      for (const [name, value] of Object.entries(answer.headers ?? {})) ctx.res.setHeader(name, value);
      ctx.res.writeHead(answer.status, { 'content-type': 'application/json', 'x-request-id': ctx.correlationId });
      ctx.res.end(answer.body ?? '');
      return undefined;
    },
  };
  return { terminal, calls };
}

function settingsFor(routeId: string, from: PortierConfig = config) {
  const route = from.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(routeId);
  return idempotencyStage.settingsOf(configuredSpec(route, from), from);
}

function wrap(routeId: string, inner: Terminal, using: IdempotencyStore = store, log: Logger = logger): Terminal {
  const settings = settingsFor(routeId);
  if (settings === undefined) throw new Error('the route uses idempotency');
  return idempotencyStage.create(settings, { store: using, clock, logger: log })(inner);
}

let account = 0;
function newAccount(): KeyEntry {
  account++;
  return { account: { id: `acc${account}` }, key: { id: `key${account}` } } as unknown as KeyEntry;
}

async function send(terminal: Terminal, auth: KeyEntry | undefined, shape: RequestShape, correlationId = 'corr-1') {
  const { res, written } = recordingResponse();
  const ctx = policyContext({ method: 'POST', url: '/pay', ...shape }, res);
  ctx.auth = auth;
  ctx.correlationId = correlationId;
  const decision: Decision = await terminal.handle(ctx);
  await new Promise((resolve) => setImmediate(resolve));
  return { decision, written: written(), ctx, res };
}

function headerOf(headers: string[], name: string): string | undefined {
  const at = headers.findIndex((item, index) => index % 2 === 0 && item.toLowerCase() === name);
  return at === -1 ? undefined : headers[at + 1];
}

function refusal(decision: unknown): PortierError {
  expect(decision).toBeInstanceOf(PortierError);
  return decision as PortierError;
}

describe('idempotency policy', () => {
  it('idempotency: is left out of routes without idempotency, and reads the section and route settings', () => {
    expect(settingsFor('plain')).toBeUndefined();
    expect(settingsFor('pay')).toEqual({
      route: { required: true, methods: ['POST'] },
      routeId: 'pay',
      ttlMs: 600_000,
      lockTimeoutMs: 5000,
      maxStoredBodyBytes: 20,
      maxBodyBytes: 30,
      correlationHeader: 'x-request-id',
      inRedis: false,
    });
  });

  it('idempotency: codes add idempotency_key_required on routes that require a key, and service_unavailable with Redis', () => {
    const base = ['idempotency_key_invalid', 'idempotency_key_mismatch', 'idempotency_request_in_flight'];
    expect(idempotencyStage.codes(settingsFor('pay') as never, config)).toEqual([...base, 'idempotency_key_required']);
    expect(idempotencyStage.codes(settingsFor('order') as never, config)).toEqual(base);
    const redis = configOf(yaml.replace('idempotency: { ttl', 'idempotency: { redis: { url: redis://127.0.0.1:6379 }, ttl'));
    expect(idempotencyStage.codes(settingsFor('order', redis) as never, redis)).toEqual([...base, 'service_unavailable']);
    expect(settingsFor('order', redis)?.inRedis).toBe(true);
  });

  it('idempotency: the first keyed request runs; a repeat gets the stored answer with the new correlation ID and replay markers', async () => {
    const { terminal, calls } = fakeTerminal({ status: 201, headers: { etag: '"v1"', 'set-cookie': 'a=b' }, body: '{"id":1}' });
    const pay = wrap('pay', terminal);
    const auth = newAccount();
    const first = await send(pay, auth, { headers: { 'idempotency-key': 'k1' }, body: '{"amount":5}' }, 'corr-1');
    expect(first.decision).toBeUndefined();
    expect(first.written.status).toBe(201);
    expect(first.ctx.body?.toString()).toBe('{"amount":5}');
    const again = await send(pay, auth, { headers: { 'idempotency-key': 'k1' }, body: '{"amount":5}' }, 'corr-2');
    expect(again.decision).toBeUndefined();
    expect(calls).toHaveLength(1);
    expect(again.written.status).toBe(201);
    expect(again.written.body.toString()).toBe('{"id":1}');
    const headers = again.written.headers;
    expect(headerOf(headers, 'etag')).toBe('"v1"');
    expect(headerOf(headers, 'content-type')).toBe('application/json');
    expect(headerOf(headers, 'set-cookie')).toBeUndefined();
    expect(headerOf(headers, 'content-length')).toBe('8');
    expect(headerOf(headers, 'x-request-id')).toBe('corr-2');
    expect(headers.filter((item) => item === 'x-request-id')).toHaveLength(1);
    expect(headerOf(headers, 'idempotent-replayed')).toBe('true');
    expect(headerOf(headers, 'x-portier-original-correlation-id')).toBe('corr-1');
    expect(headerOf(headers, 'x-portier-replay-body')).toBeUndefined();
  });

  it('idempotency: a replay carries the response headers policies added for this request', async () => {
    const pay = wrap('pay', fakeTerminal().terminal);
    const auth = newAccount();
    await send(pay, auth, { headers: { 'idempotency-key': 'k' } });
    const { res, written } = recordingResponse();
    const ctx = policyContext({ method: 'POST', url: '/pay', headers: { 'idempotency-key': 'k' } }, res);
    ctx.auth = auth;
    ctx.responseHeaders.push('ratelimit', 'r=1');
    await pay.handle(ctx);
    expect(headerOf(written().headers, 'ratelimit')).toBe('r=1');
  });

  it('idempotency: keys are per account and per key; the same key with another request is 422 mismatch', async () => {
    const { terminal, calls } = fakeTerminal();
    const pay = wrap('pay', terminal);
    const auth = newAccount();
    await send(pay, auth, { headers: { 'idempotency-key': 'k' }, body: 'a' });
    await send(pay, newAccount(), { headers: { 'idempotency-key': 'k' }, body: 'a' });
    await send(pay, auth, { headers: { 'idempotency-key': 'other' }, body: 'a' });
    expect(calls).toHaveLength(3);
    for (const shape of [{ body: 'b' }, { url: '/pay?x=1', body: 'a' }]) {
      const error = refusal((await send(pay, auth, { headers: { 'idempotency-key': 'k' }, ...shape })).decision);
      expect(error.code).toBe('idempotency_key_mismatch');
      expect(error.params).toEqual({ key: 'k' });
    }
    expect(calls).toHaveLength(3);
  });

  it('idempotency: a repeat while the first still runs is 409 in_flight with Retry-After 1, until the lock times out', async () => {
    const gate: { open?: () => void } = {};
    const slow: Terminal = { name: 'slow', handle: () => new Promise((resolve) => (gate.open = () => resolve(undefined))) };
    const pay = wrap('pay', slow);
    const auth = newAccount();
    const first = send(pay, auth, { headers: { 'idempotency-key': 'k' } });
    await new Promise((resolve) => setImmediate(resolve));
    const error = refusal((await send(pay, auth, { headers: { 'idempotency-key': 'k' } })).decision);
    expect(error.code).toBe('idempotency_request_in_flight');
    expect(error.headers).toEqual({ 'Retry-After': '1' });
    expect(error.params).toEqual({ key: 'k' });
    clock.value += 5000;
    const { terminal, calls } = fakeTerminal();
    expect((await send(wrap('pay', terminal), auth, { headers: { 'idempotency-key': 'k' } })).decision).toBeUndefined();
    expect(calls).toHaveLength(1);
    gate.open?.();
    await first;
  });

  it('idempotency: answers that are not final (5xx, 408, 409, 425, 429) are not kept, so a retry runs again', async () => {
    for (const status of [500, 503, 408, 409, 425, 429]) {
      const { terminal, calls } = fakeTerminal({ status });
      const pay = wrap('pay', terminal);
      const auth = newAccount();
      await send(pay, auth, { headers: { 'idempotency-key': 'k' } });
      await send(pay, auth, { headers: { 'idempotency-key': 'k' } });
      expect(calls, String(status)).toHaveLength(2);
    }
    for (const status of [200, 400, 404, 422, 499]) {
      const { terminal, calls } = fakeTerminal({ status });
      const pay = wrap('pay', terminal);
      const auth = newAccount();
      await send(pay, auth, { headers: { 'idempotency-key': 'k' } });
      expect((await send(pay, auth, { headers: { 'idempotency-key': 'k' } })).written.status).toBe(status);
      expect(calls, String(status)).toHaveLength(1);
    }
  });

  it('idempotency: a response cut off before its end is forgotten, so a retry runs again', async () => {
    const cut: Terminal = { name: 'cut', handle: async (ctx) => { ctx.res.writeHead(200); ctx.res.destroy(); return undefined; } };
    const auth = newAccount();
    await send(wrap('pay', cut), auth, { headers: { 'idempotency-key': 'k' } });
    const { terminal, calls } = fakeTerminal();
    await send(wrap('pay', terminal), auth, { headers: { 'idempotency-key': 'k' } });
    expect(calls).toHaveLength(1);
  });

  it('idempotency: a body larger than the storage cap replays as status and headers only, marked omitted', async () => {
    const { terminal } = fakeTerminal({ status: 200, body: 'x'.repeat(21) });
    const pay = wrap('pay', terminal);
    const auth = newAccount();
    await send(pay, auth, { headers: { 'idempotency-key': 'k' } });
    const again = await send(pay, auth, { headers: { 'idempotency-key': 'k' } });
    expect(again.written.body.length).toBe(0);
    expect(headerOf(again.written.headers, 'content-length')).toBe('0');
    expect(headerOf(again.written.headers, 'x-portier-replay-body')).toBe('omitted');
  });

  it('idempotency: records expire after the ttl and the key runs again', async () => {
    const { terminal, calls } = fakeTerminal();
    const pay = wrap('pay', terminal);
    const auth = newAccount();
    await send(pay, auth, { headers: { 'idempotency-key': 'k' } });
    clock.value += 600_000 - 1;
    await send(pay, auth, { headers: { 'idempotency-key': 'k' } });
    expect(calls).toHaveLength(1);
    clock.value += 1;
    await send(pay, auth, { headers: { 'idempotency-key': 'k' } });
    expect(calls).toHaveLength(2);
  });

  it('idempotency: a sweep deletes every expired record, batch after batch, and keeps the live ones', async () => {
    const sweepStore = new SqliteIdempotencyStore(tempDbPath(), clock);
    try {
      const now = clock.value;
      for (let i = 0; i < 2500; i++) await sweepStore.begin({ scope: `old-${i}`, fingerprint: 'f', owner: 'o', now: now - 20_000, lockUntil: now - 15_000, expiresAt: now - 10_000 });
      for (let i = 0; i < 3; i++) await sweepStore.begin({ scope: `live-${i}`, fingerprint: 'f', owner: 'o', now, lockUntil: now + 5_000, expiresAt: now + 60_000 });
      expect(await sweepStore.sweepExpired()).toBe(2500);
      expect(await sweepStore.sweepExpired()).toBe(0);
      expect((await sweepStore.begin({ scope: 'live-0', fingerprint: 'f', owner: 'other', now, lockUntil: now + 5_000, expiresAt: now + 60_000 })).kind).toBe('in_flight');
    } finally {
      sweepStore.close();
    }
  });

  it('idempotency: a required key missing is 422 idempotency_key_required; other methods and optional routes pass through', async () => {
    const { terminal, calls } = fakeTerminal();
    const error = refusal((await send(wrap('pay', terminal), newAccount(), { headers: {} })).decision);
    expect(error.code).toBe('idempotency_key_required');
    expect(error.params).toEqual({ method: 'POST', path: '/pay' });
    expect(calls).toHaveLength(0);
    await send(wrap('pay', terminal), undefined, { method: 'PUT', headers: { 'idempotency-key': 'k' } });
    await send(wrap('order', terminal), undefined, { url: '/order', headers: {} });
    expect(calls).toHaveLength(2);
  });

  it('idempotency: an unusable key is 400 idempotency_key_invalid with the reason, and a body over the cap is 413', async () => {
    const pay = wrap('pay', fakeTerminal().terminal);
    const error = refusal((await send(pay, newAccount(), { headers: { 'idempotency-key': '"open' } })).decision);
    expect(error.code).toBe('idempotency_key_invalid');
    expect(error.params).toEqual({ reason: phrase('idempotencyQuoteOpen') });
    expect(refusal((await send(pay, newAccount(), { headers: { 'idempotency-key': 'k' }, body: 'x'.repeat(31) })).decision).code).toBe('payload_too_large');
    await expect(send(pay, undefined, { headers: { 'idempotency-key': 'k' } })).rejects.toThrow(/without a key/);
  });

  it('idempotency: a store that fails is 503 service_unavailable with Retry-After 1, and the request does not run', async () => {
    const failing = { begin: () => Promise.reject(new Error('down')) } as unknown as IdempotencyStore;
    const { terminal, calls } = fakeTerminal();
    const error = refusal((await send(wrap('pay', terminal, failing), newAccount(), { headers: { 'idempotency-key': 'k' } })).decision);
    expect(error.code).toBe('service_unavailable');
    expect(error.params).toEqual({ service: 'idempotency store' });
    expect(error.headers).toEqual({ 'Retry-After': '1' });
    expect(calls).toHaveLength(0);
    expect(() => idempotencyStage.create(settingsFor('pay') as never, { store: undefined, clock, logger })).toThrow(/store/);
  });

  it('idempotency: a store that fails is logged as an error with the correlation ID and the cause', async () => {
    const lines: { level: number; msg: string; correlationId?: string; err?: { message: string } }[] = [];
    const recorder = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) }) as unknown as Logger;
    const failing = { begin: () => Promise.reject(new Error('down')) } as unknown as IdempotencyStore;
    await send(wrap('pay', fakeTerminal().terminal, failing, recorder), newAccount(), { headers: { 'idempotency-key': 'k' } }, 'corr-down');
    expect(lines.map((line) => [line.level, line.msg, line.correlationId, line.err?.message])).toEqual([[50, 'idempotency store unavailable', 'corr-down', 'down']]);
  });

  it('idempotency: the store span of begin says what the store decided (started, then replay)', async () => {
    const spans: ReadableSpan[] = [];
    const exporter: SpanExporter = {
      export: (batch, done) => {
        spans.push(...batch);
        done({ code: 0 });
      },
      shutdown: async () => undefined,
    };
    const tracing = new Tracing({ ...config.tracing, enabled: true, sampleRatio: 1 }, logger, exporter);
    const pay = wrap('pay', fakeTerminal().terminal);
    const auth = newAccount();
    for (const correlationId of ['corr-1', 'corr-2']) {
      const { res } = recordingResponse();
      const ctx = policyContext({ method: 'POST', url: '/pay', headers: { 'idempotency-key': 'traced' } }, res);
      ctx.auth = auth;
      ctx.correlationId = correlationId;
      ctx.trace = tracing.startRequest(ctx.req);
      await pay.handle(ctx);
      await new Promise((resolve) => setImmediate(resolve));
      ctx.trace.span.end();
    }
    await tracing.shutdown();
    const begins = spans.filter((span) => span.name === 'idempotency begin').map((span) => span.attributes['portier.idempotency.result']);
    expect(begins).toEqual(['started', 'replay']);
  });

  it('idempotency: the fingerprint is the SHA-256 of method, target and body as records already stored hold it', async () => {
    const begun: string[] = [];
    const recording: IdempotencyStore = {
      begin: (request) => {
        begun.push(request.fingerprint);
        return store.begin(request);
      },
      complete: (scope, owner, response) => store.complete(scope, owner, response),
      release: (scope, owner) => store.release(scope, owner),
      close: () => undefined,
    };
    await send(wrap('pay', fakeTerminal().terminal, recording), newAccount(), { url: '/pay?x=1', headers: { 'idempotency-key': 'k' }, body: '{"a":1}' });
    expect(begun).toEqual([createHash('sha256').update('POST\n/pay?x=1\n{"a":1}').digest('hex')]);
  });

  it('idempotency: a key is per route too: the same key on another route of the same account runs there, no mismatch', async () => {
    const { terminal, calls } = fakeTerminal();
    const auth = newAccount();
    const first = await send(wrap('pay', terminal), auth, { url: '/pay', headers: { 'idempotency-key': 'shared' }, body: 'a' });
    const second = await send(wrap('order', terminal), auth, { url: '/order', headers: { 'idempotency-key': 'shared' }, body: 'a' });
    expect([first.decision, second.decision]).toEqual([undefined, undefined]);
    expect(calls).toHaveLength(2);
    expect(headerOf(second.written.headers, 'idempotent-replayed')).toBeUndefined();
  });

  it('idempotency: the scope check refuses only a route that keeps records without a required key', () => {
    const order = config.routes[1] as (typeof config.routes)[number];
    const plain = config.routes[2] as (typeof config.routes)[number];
    expect(idempotencyScopeProblem(order)).toBeUndefined();
    expect(idempotencyScopeProblem({ ...plain, auth: undefined } as never)).toBeUndefined();
    expect(idempotencyScopeProblem({ ...order, auth: undefined } as never)).toMatch(/^idempotency needs route `auth` with a required key/);
    expect(idempotencyScopeProblem({ ...order, auth: { ...order.auth, required: false } } as never)).toMatch(/^idempotency needs route `auth`/);
  });

  it('idempotency: parseIdempotencyKey takes bare and quoted keys and says why others cannot be used', () => {
    expect(parseIdempotencyKey(' abc ')).toEqual({ key: 'abc' });
    expect(parseIdempotencyKey('"a\\"b\\\\c"')).toEqual({ key: 'a"b\\c' });
    expect(parseIdempotencyKey('x'.repeat(255))).toEqual({ key: 'x'.repeat(255) });
    expect(parseIdempotencyKey('~ !')).toEqual({ key: '~ !' });
    const cases: [string | string[], string][] = [
      [['a', 'b'], phrase('idempotencySentTwice')],
      ['  ', phrase('idempotencyEmpty')],
      ['""', phrase('idempotencyEmpty')],
      ['x'.repeat(256), phrase('idempotencyTooLong', { max: '255' })],
      ['a\u0001', phrase('idempotencyNotAscii')],
      ['a\u007f', phrase('idempotencyNotAscii')],
      ['"', phrase('idempotencyQuoteOpen')],
      ['"abc', phrase('idempotencyQuoteOpen')],
      ['"a\\b"', phrase('idempotencyBadEscape')],
      ['"a\\"', phrase('idempotencyBadEscape')],
      ['"a"b"', phrase('idempotencyInnerQuote')],
    ];
    for (const [header, reason] of cases) expect(parseIdempotencyKey(header), JSON.stringify(header)).toEqual({ reason });
  });

  it('idempotency: config check wants a required key and a store', () => {
    const problems: string[] = [];
    const report = (path: readonly (string | number)[], message: string): void => void problems.push(`${path.join('.')}: ${message.slice(0, 40)}`);
    const order = config.routes[1] as (typeof config.routes)[number];
    idempotencyStage.checkRoute?.({ ...order, auth: { ...order.auth, required: false } } as never, 1, config, report);
    idempotencyStage.checkRoute?.(order, 1, { ...config, auth: undefined } as unknown as PortierConfig, report);
    idempotencyStage.checkRoute?.(order, 1, config, report);
    idempotencyStage.checkRoute?.(config.routes[2] as never, 2, { ...config, auth: undefined } as unknown as PortierConfig, report);
    expect(problems).toEqual(['routes.1.idempotency: idempotency needs route `auth` with a re', 'routes.1.idempotency: idempotency needs a store: `idempotency.']);
  });
});
