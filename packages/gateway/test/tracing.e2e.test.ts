import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';
import { requireSharedRedis, sharedRedisUrl, uniquePrefix } from './helpers/redis.js';
import { waitFor } from './helpers/wait-for.js';
import { stringify } from 'yaml';
import { parseConfig } from '../src/config-loader/load-config.js';

/*
 * Tracing end to end: a real OTLP/HTTP receiver on a free port takes what the gateway's exporter sends
 * (the JSON encoding) and decodes it; the spans' names, kinds, parent links and attributes are checked
 * against the requests the test made, and the traceparent the upstream received against the span the
 * gateway says it sent it from.
 */

/** OTLP JSON, as far as these tests read it. */
interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: OtlpValue }[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number };
}
interface OtlpExport {
  resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

const kind = { server: 2, client: 3, producer: 4, consumer: 5 } as const;
const statusError = 2;

/** A span as the tests read it: attributes flattened to plain values. */
interface Received {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, string | number | boolean>;
  readonly links: readonly { traceId: string; spanId: string }[];
  readonly error: boolean;
}

interface Receiver {
  readonly url: string;
  readonly spans: Received[];
  readonly exports: { headers: IncomingHttpHeaders; contentType: string | undefined; resource: Record<string, string | number | boolean> }[];
  close(): Promise<void>;
}

function valueOf(value: OtlpValue): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.doubleValue !== undefined) return value.doubleValue;
  throw new Error(`an attribute value of an unexpected type: ${JSON.stringify(value)}`);
}

function flatten(attributes: readonly { key: string; value: OtlpValue }[] | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, valueOf(value)]));
}

/** An OTLP/HTTP traces receiver: answers 200 to every export and keeps the decoded spans. */
async function startReceiver(): Promise<Receiver> {
  const spans: Received[] = [];
  const exports: Receiver['exports'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
      for (const resourceSpans of payload.resourceSpans) {
        exports.push({ headers: req.headers, contentType: req.headers['content-type'], resource: flatten(resourceSpans.resource.attributes) });
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans) {
            spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? '',
              name: span.name,
              kind: span.kind,
              attributes: flatten(span.attributes),
              links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
              error: span.status?.code === statusError,
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    exports,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpanId = '00f067aa0ba902b7';
const traceparentFormat = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function parseTraceparent(value: string | string[] | undefined): { traceId: string; parentId: string; flags: string } {
  const match = typeof value === 'string' ? traceparentFormat.exec(value) : null;
  if (match === null) throw new Error(`not a traceparent: ${String(value)}`);
  return { traceId: match[1] as string, parentId: match[2] as string, flags: match[3] as string };
}

describe('tracing (OpenTelemetry over OTLP/HTTP)', () => {
  let receiver: Receiver;
  let upstream: TestUpstream;
  let portier: TestGateway;
  let admin: AccountAdmin;
  let secret: string;
  let accountId: string;
  let operationUrl: string;
  /** Traceparent headers of the upstream requests, by the test's marker header. */
  const upstreamSaw = new Map<string, IncomingHttpHeaders>();

  beforeAll(async () => {
    await requireSharedRedis();
    receiver = await startReceiver();
    upstream = await startUpstream((req, res) => {
      upstreamSaw.set(String(req.headers['x-test'] ?? req.url), req.headers);
      json(res, req.method === 'POST' ? 201 : 200, { ok: true });
    });
    const config = {
      tracing: { enabled: true, endpoint: receiver.url, serviceName: 'portier-under-test', headers: { 'x-collector-key': 'collector-secret' } },
      auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
      plans: { free: {} },
      rateLimits: { redis: { url: sharedRedisUrl, keyPrefix: uniquePrefix(), timeoutMs: 1000 } },
      operations: { path: '/operations', retry: { baseDelayMs: 20, maxDelayMs: 100 } },
      upstreams: { app: { url: upstream.url }, gone: { url: 'http://127.0.0.1:9', connectTimeoutMs: 1000 } },
      routes: [
        { id: 'items', path: '/items/:id', methods: ['GET'], upstream: 'app', auth: {}, limits: [{ name: 'minute', limit: 1000, per: 'minute', by: ['account'] }] },
        { id: 'orders', path: '/orders', methods: ['POST'], upstream: 'app', auth: {}, idempotency: {} },
        { id: 'push', path: '/push', methods: ['POST'], upstream: 'app', auth: {}, async: {} },
        { id: 'open', path: '/open', methods: ['GET'], upstream: 'app' },
        { id: 'broken', path: '/broken', methods: ['GET'], upstream: 'gone' },
      ],
    };
    portier = await startGateway(config);
    admin = adminOf(portier, config);
    const account = await admin.createAccount('tracing-test', 'free');
    accountId = account.id;
    secret = (await admin.createKey({ accountId, name: 'k' })).secret;

    // The requests whose spans the tests below read, made once; the gateway's shutdown flushes them.
    const calls: [string, Record<string, string>, string?][] = [
      ['/items/42?api_key=in-the-query&page=2', { authorization: `Bearer ${secret}`, traceparent: `00-${traceId}-${callerSpanId}-01`, tracestate: 'caller=1', 'x-test': 'items' }],
      ['/items/43', { 'x-test': 'no-key' }],
      ['/open', { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`, 'x-test': 'unsampled' }],
      ['/broken', { 'x-test': 'broken' }],
    ];
    for (const [path, headers] of calls) {
      const response = await request(`${portier.url}${path}`, { headers });
      await response.body.dump();
    }
    const order = await request(`${portier.url}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'idempotency-key': 'order-1', 'content-type': 'application/json', 'x-test': 'orders' },
      body: '{"amount":1}',
    });
    expect(order.statusCode).toBe(201);
    await order.body.dump();
    const pushed = await request(`${portier.url}/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', traceparent: `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`, 'x-test': 'push' },
      body: '{"amount":2}',
    });
    expect(pushed.statusCode).toBe(202);
    operationUrl = String(pushed.headers['location']);
    await pushed.body.dump();
    // The attempt ends once its answer is stored: wait for that, then stop (which flushes the spans).
    await waitFor(
      async () => {
        const response = await request(`${portier.url}${operationUrl}`, { headers: { authorization: `Bearer ${secret}` } });
        return (await response.body.json()) as { status: string };
      },
      { what: 'the operation to leave Pending', until: (operation) => operation.status !== 'Pending' },
    );
    await portier.close();
  });
  afterAll(async () => {
    await upstream.close();
    await receiver.close();
  });

  const serverSpanOf = (routeId: string, path?: string): Received => {
    const found = receiver.spans.filter((span) => span.kind === kind.server && span.attributes['portier.route.id'] === routeId && (path === undefined || span.attributes['url.path'] === path));
    expect(found, `one server span for route ${routeId}`).toHaveLength(1);
    return found[0] as Received;
  };
  const childrenOf = (parent: Received): Received[] => receiver.spans.filter((span) => span.traceId === parent.traceId && span.parentSpanId === parent.spanId);

  it('exports over OTLP/HTTP in JSON with the configured headers and service name, flushed on shutdown', () => {
    expect(receiver.exports.length).toBeGreaterThan(0);
    for (const sent of receiver.exports) {
      expect(sent.contentType).toMatch(/^application\/json/);
      expect(sent.headers['x-collector-key']).toBe('collector-secret');
      expect(sent.resource['service.name']).toBe('portier-under-test');
    }
  });

  it('a server span per request, child of the caller\'s traceparent, with route, method, status and account', () => {
    const span = serverSpanOf('items', '/items/42');
    expect(span).toMatchObject({ traceId, parentSpanId: callerSpanId, name: 'GET /items/:id', error: false });
    expect(span.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/items/:id',
      'http.response.status_code': 200,
      'url.path': '/items/42',
      'url.scheme': 'http',
      'portier.account.id': accountId,
      'portier.correlation_id': traceId,
    });
    expect(span.attributes['portier.error.code']).toBeUndefined();
  });

  it('child spans for the key store lookup that missed the cache, the Redis rate-limit decision and the upstream call', () => {
    const server = serverSpanOf('items', '/items/42');
    const children = childrenOf(server);
    expect(children.map((span) => span.name).sort()).toEqual(['GET', 'key lookup', 'rate-limit decision']);
    expect(children.find((span) => span.name === 'key lookup')).toMatchObject({ kind: kind.client, attributes: { 'db.system.name': 'sqlite', 'portier.key.found': true } });
    expect(children.find((span) => span.name === 'rate-limit decision')).toMatchObject({ kind: kind.client, attributes: { 'db.system.name': 'redis', 'portier.rate_limit.admitted': true } });
    const call = children.find((span) => span.name === 'GET') as Received;
    const upstreamPort = Number(new URL(upstream.url).port);
    expect(call).toMatchObject({ kind: kind.client, error: false });
    expect(call.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.response.status_code': 200, 'server.address': '127.0.0.1', 'server.port': upstreamPort, 'url.path': '/items/42', 'portier.upstream': 'app' });
  });

  it('the upstream receives a traceparent whose parent is the gateway\'s upstream span, not the caller\'s', () => {
    const call = childrenOf(serverSpanOf('items', '/items/42')).find((span) => span.name === 'GET') as Received;
    const headers = upstreamSaw.get('items') as IncomingHttpHeaders;
    expect(parseTraceparent(headers.traceparent)).toEqual({ traceId, parentId: call.spanId, flags: '01' });
    // The caller's tracestate goes on, once; its traceparent is not forwarded beside the gateway's.
    expect(headers.tracestate).toBe('caller=1');
    expect(headers.traceparent).not.toContain(callerSpanId);
  });

  it('an error answer carries its catalog code; a 5xx marks the server span and the failed upstream call as errors', () => {
    const unauthenticated = receiver.spans.find((span) => span.kind === kind.server && span.attributes['url.path'] === '/items/43') as Received;
    expect(unauthenticated.attributes).toMatchObject({ 'http.response.status_code': 401, 'portier.error.code': 'authentication_required', 'portier.route.id': 'items' });
    expect(unauthenticated.error).toBe(false);
    expect(unauthenticated.attributes['portier.account.id']).toBeUndefined();
    const broken = serverSpanOf('broken');
    expect(broken.attributes).toMatchObject({ 'http.response.status_code': 502, 'portier.error.code': 'bad_gateway', 'error.type': 'bad_gateway' });
    expect(broken.error).toBe(true);
    const call = childrenOf(broken).find((span) => span.kind === kind.client) as Received;
    expect(call).toMatchObject({ name: 'GET', error: true, attributes: { 'error.type': 'bad_gateway', 'server.port': 9 } });
    expect(call.attributes['http.response.status_code']).toBeUndefined();
  });

  it('the idempotency store calls are spans of the request', () => {
    const server = serverSpanOf('orders');
    expect(server.name).toBe('POST /orders');
    const names = childrenOf(server).map((span) => span.name).sort();
    // The key was cached by the first request: no store lookup, so no `key lookup` span this time.
    expect(names).toEqual(['POST', 'idempotency begin', 'idempotency complete']);
    expect(childrenOf(server).find((span) => span.name === 'idempotency begin')).toMatchObject({ kind: kind.client, attributes: { 'db.system.name': 'sqlite', 'portier.idempotency.result': 'started' } });
  });

  it('the worker\'s attempt is a span of its own, linked to the enqueue span of the request that queued it', () => {
    const server = serverSpanOf('push');
    expect(server).toMatchObject({ traceId: 'c'.repeat(32), parentSpanId: 'd'.repeat(16), attributes: { 'http.response.status_code': 202 } });
    const enqueue = childrenOf(server).find((span) => span.name === 'operation enqueue') as Received;
    expect(enqueue).toMatchObject({ kind: kind.producer, attributes: { 'portier.route.id': 'push', 'portier.account.id': accountId } });
    const operationId = String(enqueue.attributes['portier.operation.id']);
    expect(operationUrl).toContain(operationId);
    const attempts = receiver.spans.filter((span) => span.name === 'operation attempt');
    expect(attempts).toHaveLength(1);
    const attempt = attempts[0] as Received;
    expect(attempt).toMatchObject({ kind: kind.consumer, parentSpanId: '', links: [{ traceId: server.traceId, spanId: enqueue.spanId }] });
    expect(attempt.traceId).not.toBe(server.traceId);
    expect(attempt.attributes).toMatchObject({ 'portier.operation.id': operationId, 'portier.operation.attempt': 1, 'portier.operation.outcome': 'Success', 'portier.route.id': 'push', 'portier.account.id': accountId });
    // The attempt's upstream call is its child, and the span the upstream is told is its parent.
    const call = childrenOf(attempt).find((span) => span.kind === kind.client) as Received;
    expect(call).toMatchObject({ name: 'POST', attributes: { 'http.response.status_code': 201, 'url.path': '/push' } });
    const headers = upstreamSaw.get('push') as IncomingHttpHeaders;
    expect(parseTraceparent(headers.traceparent)).toEqual({ traceId: attempt.traceId, parentId: call.spanId, flags: '01' });
  });

  it('a caller that did not sample its trace gets no span exported, and the upstream still gets a continued, unsampled traceparent', () => {
    expect(receiver.spans.filter((span) => span.traceId === 'a'.repeat(32))).toEqual([]);
    const sent = parseTraceparent(upstreamSaw.get('unsampled')?.traceparent);
    expect(sent).toMatchObject({ traceId: 'a'.repeat(32), flags: '00' });
    expect(sent.parentId).not.toBe('b'.repeat(16));
  });

  it('no key, token, query string or header value appears in any attribute', () => {
    expect(receiver.spans.length).toBeGreaterThan(10);
    // pt_<env>_<instance>_<id 8><secret 24><checksum 6>: neither the whole key, nor its secret part, nor its id.
    const tail = secret.slice(secret.lastIndexOf('_') + 1);
    const keyId = tail.slice(0, 8);
    const keySecret = tail.slice(8, 32);
    expect(keySecret).toHaveLength(24);
    for (const span of receiver.spans) {
      for (const [name, value] of Object.entries(span.attributes)) {
        const text = String(value);
        expect(text, `${span.name} ${name}`).not.toContain(secret);
        expect(text, `${span.name} ${name}`).not.toContain(keyId);
        expect(text, `${span.name} ${name}`).not.toContain(keySecret);
        expect(text, `${span.name} ${name}`).not.toContain('?');
        expect(text, `${span.name} ${name}`).not.toContain('api_key');
        expect(text, `${span.name} ${name}`).not.toContain('in-the-query');
        expect(text, `${span.name} ${name}`).not.toContain('collector-secret');
        expect(text, `${span.name} ${name}`).not.toContain('Bearer');
      }
    }
  });
});

describe('tracing off (the default)', () => {
  it('exports nothing and forwards the caller\'s traceparent and tracestate as they came', async () => {
    const receiver = await startReceiver();
    let seen: IncomingHttpHeaders = {};
    const upstream = await startUpstream((req, res) => {
      seen = req.headers;
      json(res, 200, {});
    });
    const portier = await startGateway({
      tracing: { endpoint: receiver.url },
      upstreams: { app: { url: upstream.url } },
      routes: [{ id: 'open', path: '/open', upstream: 'app' }],
    });
    try {
      const traceparent = `00-${traceId}-${callerSpanId}-01`;
      const response = await request(`${portier.url}/open`, { headers: { traceparent, tracestate: 'caller=1' } });
      expect(response.statusCode).toBe(200);
      await response.body.dump();
      expect(seen.traceparent).toBe(traceparent);
      expect(seen.tracestate).toBe('caller=1');
    } finally {
      await portier.close();
      await upstream.close();
    }
    expect(receiver.exports).toEqual([]);
    await receiver.close();
  });
});

describe('tracing config', () => {
  const base = { upstreams: { app: { url: 'http://127.0.0.1:9' } }, routes: [{ id: 'r', path: '/r', upstream: 'app' }] };
  it('is off by default, with the OTLP/HTTP default endpoint, and refuses a ratio outside 0..1 or an endpoint that is not http(s)', () => {
    const loaded = parseConfig(stringify(base), 'test.yaml', {});
    expect(loaded.ok && loaded.config.tracing).toEqual({ enabled: false, endpoint: 'http://127.0.0.1:4318/v1/traces', serviceName: 'portier', sampleRatio: 1, headers: {} });
    for (const tracing of [{ sampleRatio: 1.5 }, { sampleRatio: -0.1 }, { endpoint: 'grpc://collector:4317' }, { headers: { 'bad name': 'x' } }, { serviceName: '' }]) {
      const result = parseConfig(stringify({ ...base, tracing }), 'test.yaml', {});
      expect(result.ok, JSON.stringify(tracing)).toBe(false);
      if (!result.ok) expect(result.problems.map((problem) => problem.path).join(' ')).toContain('tracing');
    }
  });
});
