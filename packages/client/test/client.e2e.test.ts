import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  PortierApiError} from '@portier/client';
import {
  AbortedError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  createClient,
  GatewayTimeoutError,
  isPortierError,
  NotFoundError,
  OperationFailedError,
  PaymentRequiredError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  ServiceUnavailableError,
  TimeoutError,
  ValidationError,
  type ClientClock,
  type RetryInfo,
} from '@portier/client';
import type { AccountAdmin } from '../../gateway/src/admin/account-admin.js';
import { startGateway, type TestGateway } from '../../gateway/test/helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../../gateway/test/helpers/upstream.js';
import { adminOf, tempDbPath } from '../../gateway/test/helpers/accounts.js';
import { refusingPort, type RefusingPort } from '../../gateway/test/helpers/ports.js';

/**
 * The SDK against a real Portier on real sockets: every error class from a real answer, retries that
 * obey the server, pacing under a live limit, an idempotent retry that writes once, an async wait.
 */
let upstream: TestUpstream;
let closedPort: RefusingPort;
/** The /slow-job upstream answers once this settles (a test holds it to see the operation Pending). */
let slowJobGate: Promise<void> = Promise.resolve();
let portier: TestGateway;
let admin: AccountAdmin;
let secret: string;
const writes = new Map<string, number>();
const failuresLeft = new Map<string, number>();

beforeAll(async () => {
  closedPort = await refusingPort();
  upstream = await startUpstream(async (req, res) => {
    const url = req.url ?? '';
    const key = String(req.headers['idempotency-key'] ?? '');
    if (url.startsWith('/hang')) return undefined;
    if (url.startsWith('/crash')) return json(res, 500, { message: 'boom' });
    if (url.startsWith('/busy')) return json(res, 503, { message: 'busy' }, { 'retry-after': '1' });
    if (url.startsWith('/flaky')) {
      const left = failuresLeft.get(key) ?? 1;
      failuresLeft.set(key, left - 1);
      if (left > 0) return json(res, 503, { message: 'try again' }, { 'retry-after': '0' });
    }
    if (url.startsWith('/braze-partial')) return json(res, 201, { message: 'success', errors: ['one attribute ignored'] });
    if (url.startsWith('/braze')) return json(res, 400, { message: 'Invalid Campaign ID', errors: ['campaign_id is invalid'] });
    if (url.startsWith('/slow-job')) await slowJobGate;
    if (req.method === 'POST') writes.set(key, (writes.get(key) ?? 0) + 1);
    json(res, req.method === 'POST' ? 201 : 200, { ok: true, path: url });
  });
  const config = {
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    plans: { free: { features: [] }, pro: { features: ['exports'] } },
    operations: { retry: { baseDelayMs: 10, maxDelayMs: 20 } },
    upstreams: {
      app: { url: upstream.url, errors: 'normalize', responseTimeoutMs: 2000 },
      raw: { url: upstream.url },
      closed: { url: `http://127.0.0.1:${closedPort.port}`, connectTimeoutMs: 500 },
    },
    routes: [
      { id: 'items', path: '/items', methods: ['GET', 'POST'], upstream: 'app', auth: {}, idempotency: {} },
      { id: 'scoped', path: '/admin-only', upstream: 'app', auth: { scopes: ['admin'] } },
      { id: 'exports', path: '/exports', methods: ['POST'], upstream: 'app', auth: { feature: 'exports' } },
      {
        id: 'validated',
        path: '/validated',
        methods: ['POST'],
        upstream: 'app',
        auth: {},
        validation: { body: { type: 'object', required: ['name', 'email'], properties: { name: { type: 'string' }, email: { type: 'string' } } } },
      },
      { id: 'limited', path: '/limited', upstream: 'app', auth: {}, limits: [{ name: 'burst', limit: 3, per: '1s', algorithm: 'fixed', by: ['key'] }] },
      { id: 'once', path: '/once', upstream: 'app', auth: {}, limits: [{ name: 'hourly', limit: 1, per: 'hour', algorithm: 'fixed', by: ['key'] }] },
      { id: 'crash', path: '/crash', methods: ['GET', 'POST'], upstream: 'app', auth: {} },
      { id: 'busy', path: '/busy', upstream: 'app', auth: {} },
      { id: 'hang', path: '/hang', upstream: 'app', auth: {} },
      { id: 'hang-items', path: '/hang/items', methods: ['POST'], upstream: 'app', auth: {}, idempotency: {} },
      { id: 'closed', path: '/closed', upstream: 'closed', auth: {} },
      { id: 'flaky', path: '/flaky', methods: ['POST'], upstream: 'app', auth: {}, idempotency: {} },
      { id: 'braze', path: '/braze', methods: ['POST'], upstream: 'raw', auth: {} },
      { id: 'braze-partial', path: '/braze-partial', methods: ['POST'], upstream: 'raw', auth: {} },
      { id: 'jobs', path: '/slow-job', methods: ['POST'], upstream: 'app', auth: {}, async: {} },
      { id: 'failing-jobs', path: '/crash/jobs', methods: ['POST'], upstream: 'app', auth: {}, async: { deadline: '200ms' } },
    ],
  };
  portier = await startGateway(config);
  admin = adminOf(portier, config);
  secret = await newKey();
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
  await closedPort.release();
});

async function newKey(): Promise<string> {
  const account = await admin.createAccount(`sdk-${Math.random()}`, 'free');
  return (await admin.createKey({ accountId: account.id, name: 'sdk' })).secret;
}

/** A clock whose sleeps are recorded and skipped: retries are checked without waiting. */
function recordingClock(): ClientClock & { slept: number[] } {
  const slept: number[] = [];
  return { slept, now: () => Date.now(), sleep: (ms) => (slept.push(ms), Promise.resolve()) };
}

async function caught(promise: Promise<unknown>): Promise<PortierApiError> {
  try {
    await promise;
  } catch (error) {
    if (isPortierError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('@portier/client against Portier', () => {
  it('sdk: returns parsed JSON with the status, correlation ID and rate-limit state', async () => {
    const client = createClient({ baseUrl: portier.url, apiKey: secret });
    const response = await client.get<{ ok: boolean }>('/limited');
    expect(response.data).toEqual({ ok: true, path: '/limited' });
    expect(response.status).toBe(200);
    expect(response.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.rateLimit).toMatchObject({ name: 'burst', remaining: 2, policies: [{ name: 'burst', quota: 3, windowSeconds: 1 }] });
  });

  it('sdk: turns each failure family into its own error class with code, detail and correlation ID', async () => {
    const client = createClient({ baseUrl: portier.url, apiKey: secret, maxRetries: 0, timeoutMs: 300 });
    const cases: [() => Promise<unknown>, typeof PortierApiError, string | undefined][] = [
      [() => createClient({ baseUrl: portier.url, maxRetries: 0 }).get('/items'), AuthenticationError, 'authentication_required'],
      [() => client.get('/admin-only'), PermissionDeniedError, 'access_denied'],
      [() => client.post('/exports', {}), PaymentRequiredError, 'feature_not_in_plan'],
      [() => client.get('/nowhere'), NotFoundError, 'not_found'],
      [() => client.post('/validated', { name: 1 }), ValidationError, 'validation_failed'],
      [() => client.get('/crash'), ServerError, 'upstream_server_error'],
      [() => client.get('/busy'), ServiceUnavailableError, 'service_unavailable'],
      [() => client.get('/hang', { timeoutMs: 5000 }), GatewayTimeoutError, 'gateway_timeout'],
      [() => client.get('/hang'), TimeoutError, undefined],
      [() => createClient({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0 }).get('/x'), ConnectionError, undefined],
    ];
    for (const [call, type, code] of cases) {
      const error = await caught(call());
      expect(error, error.message).toBeInstanceOf(type);
      expect(error.code).toBe(code);
      if (error.status !== undefined) {
        expect(error.correlationId).toBe(error.headers['x-correlation-id']);
        expect(error.detail?.length).toBeGreaterThan(0);
      }
    }
    const validation = await caught(client.post('/validated', { name: 1 }));
    expect(validation.items.map((item) => item.pointer).sort()).toEqual(['/email', '/name']);
  });

  it('sdk: ConflictError for a request in flight, RateLimitError with Retry-After, AbortedError on a signal', async () => {
    const client = createClient({ baseUrl: portier.url, apiKey: secret, maxRetries: 0 });
    await client.get('/once');
    const limited = (await caught(client.get('/once'))) as RateLimitError;
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(limited.code).toBe('rate_limited');
    expect(limited.retryAfterSeconds).toBeGreaterThan(0);

    // The first request with this key hangs at the upstream; the second is 409 while it runs.
    const arrived = upstream.seen.length;
    const first = client.post('/hang/items', {}, { idempotencyKey: 'same-key-for-both', timeoutMs: 3000 }).catch(() => undefined);
    await upstream.received(arrived + 1);
    const conflict = await caught(client.post('/hang/items', {}, { idempotencyKey: 'same-key-for-both' }));
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict.code).toBe('idempotency_request_in_flight');
    void first;

    const controller = new AbortController();
    const hanging = upstream.seen.length;
    const aborted = client.get('/hang', { signal: controller.signal });
    // Aborted while the request is in flight (at the upstream), not before it is sent.
    await upstream.received(hanging + 1);
    controller.abort();
    expect(await caught(aborted)).toBeInstanceOf(AbortedError);
  });

  it('sdk: parses Braze-shaped errors and returns Braze non-fatal errors on success as warnings', async () => {
    const client = createClient({ baseUrl: portier.url, apiKey: secret, maxRetries: 0 });
    const error = await caught(client.post('/braze', {}));
    expect(error.detail).toBe('Invalid Campaign ID');
    expect(error.items.map((item) => item.message)).toEqual(['campaign_id is invalid']);
    expect(error.correlationId).toBe(error.headers['x-correlation-id']);
    const partial = await client.post('/braze-partial', {});
    expect(partial.warnings.map((item) => item.message)).toEqual(['one attribute ignored']);
  });
});

describe('retries', () => {
  it('sdk: waits what Retry-After says, then gives up after maxRetries with the last error', async () => {
    const clock = recordingClock();
    const retries: RetryInfo[] = [];
    const client = createClient({ baseUrl: portier.url, apiKey: secret, maxRetries: 2, clock, onRetry: (info) => retries.push(info) });
    const error = await caught(client.get('/busy'));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(clock.slept).toEqual([1000, 1000]);
    expect(retries.map((info) => [info.retry, info.source, info.status])).toEqual([
      [1, 'server', 503],
      [2, 'server', 503],
    ]);
    expect(error.request.attempts).toBe(3);
    expect(error.request.headers['x-retry-count']).toBe('2');
  });

  it('sdk: retries a POST after a 503 with one Idempotency-Key, and the upstream writes once', async () => {
    const clock = recordingClock();
    const client = createClient({ baseUrl: portier.url, apiKey: secret, clock });
    const response = await client.post<{ ok: boolean }>('/flaky', { amount: 10 });
    expect(response.status).toBe(201);
    expect(clock.slept).toEqual([0]);
    const sent = upstream.seen.filter((item) => item.url === '/flaky');
    const key = String(sent.at(-1)?.headers['idempotency-key']);
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.filter((item) => item.headers['idempotency-key'] === key)).toHaveLength(2);
    expect(writes.get(key)).toBe(1);
  });

  it('sdk: does not retry a 500 on a POST sent without an Idempotency-Key, and backs off (with jitter) on a GET', async () => {
    const clock = recordingClock();
    const client = createClient({ baseUrl: portier.url, apiKey: secret, clock, random: () => 0.5, backoff: { initialDelayMs: 100, maxDelayMs: 1000 } });
    await caught(client.post('/crash', {}, { idempotencyKey: false }));
    expect(clock.slept).toEqual([]);
    await caught(client.get('/crash'));
    expect(clock.slept).toEqual([50, 100]);
  });

  it('sdk: never retries a streamed body', async () => {
    const clock = recordingClock();
    const client = createClient({ baseUrl: portier.url, apiKey: secret, clock });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"a":1}'));
        controller.close();
      },
    });
    await caught(client.post('/busy', stream));
    expect(clock.slept).toEqual([]);
  });
});

describe('pacing', () => {
  it('sdk: keeps a burst under a live 3-per-second limit without a single 429, shared by two clients of one key', async () => {
    const key = await newKey();
    const a = createClient({ baseUrl: portier.url, apiKey: key, pacing: true, maxRetries: 0 });
    const b = createClient({ baseUrl: portier.url, apiKey: key, pacing: true, maxRetries: 0 });
    const results = await Promise.allSettled([...Array.from({ length: 5 }, () => a.get('/limited')), ...Array.from({ length: 5 }, () => b.get('/limited'))]);
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(rejected.map((result) => String(result.reason))).toEqual([]);
    expect(results).toHaveLength(10);
  });

  it('sdk: without pacing the same burst is refused with 429s (the limit is real)', async () => {
    const client = createClient({ baseUrl: portier.url, apiKey: await newKey(), maxRetries: 0 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => client.get('/limited')));
    expect(results.filter((result) => result.status === 'rejected').length).toBeGreaterThan(0);
  });
});

describe('async operations and support reports', () => {
  it('sdk: waits for an async operation and returns the upstream answer', async () => {
    const client = createClient({ baseUrl: portier.url, apiKey: secret });
    let release!: () => void;
    slowJobGate = new Promise((resolve) => (release = resolve));
    const accepted = await client.post<{ id: string }>('/slow-job', { export: 'rows' });
    expect(accepted.status).toBe(202);
    const location = String(accepted.headers['location']);
    const waiting = client.waitForOperation<{ ok: boolean }>(location, { pollMs: 20 });
    // The SDK asks while the upstream still works on it, and only then does the upstream answer.
    await portier.logged((line) => line['path'] === new URL(location, portier.url).pathname && line['msg'] === 'request', 'the SDK polling the running operation');
    release();
    const done = await waiting;
    expect(done.operation['status']).toBe('Success');
    expect(done.result).toEqual({ ok: true, path: '/slow-job' });
    const byId = await client.waitForOperation(accepted.data.id, { pollMs: 20 });
    expect(byId.operation['id']).toBe(accepted.data.id);
  });

  it('sdk: throws OperationFailedError with the operation error when it times out', async () => {
    const client = createClient({ baseUrl: portier.url, apiKey: secret });
    const accepted = await client.post<{ id: string }>('/crash/jobs', {});
    const error = await caught(client.waitForOperation(accepted.data.id, { pollMs: 20 }));
    expect(error).toBeInstanceOf(OperationFailedError);
    expect(error.code).toBe('operation_timed_out');
    expect((error as OperationFailedError).operation).toMatchObject({ status: 'TimedOut' });
  });

  it('sdk: writes a support report with the full request, every message and the correlation ID, and no secret', async () => {
    const client = createClient({ baseUrl: portier.url, apiKey: secret, maxRetries: 0 });
    const error = await caught(client.post('/validated?api_key=leak&page=1', { name: 1, password: 'hunter2' }));
    const report = error.supportReport();
    expect(report).toContain(`POST ${portier.url}/validated?api_key=%5Bredacted%5D&page=1`);
    expect(report).toContain('authorization: [redacted]');
    expect(report).toContain('"password": "[redacted]"');
    expect(report).toContain('"name": 1');
    expect(report).toContain('Status: 400');
    expect(report).toContain(`Correlation ID: ${String(error.correlationId)}`);
    expect(report).toContain('Code: validation_failed');
    for (const item of error.items) expect(report).toContain(item.message);
    expect(report).not.toContain(secret);
    expect(report).not.toContain('hunter2');
    expect(report).not.toContain('leak');
  });
});
