import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { nodeRequest } from '../../../test/helpers/node-request.js';
import { refusingPort } from '../../../test/helpers/ports.js';
import { startUpstream } from '../../../test/helpers/upstream.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import type { Decision, Terminal } from '../../pipeline/policy.js';
import { RequestContext } from '../../pipeline/request-context.js';
import { configOf, policyContext, type RequestShape } from '../../../test/helpers/policy-context.js';
import { configuredSpec } from '../../pipeline/compile-routes.js';
import { PortierError } from '../../errors/portier-error.js';
import type { ErrorItem } from '../../errors/portier-error.js';
import type { PortierConfig } from '../../config/config-types.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { classifyUpstreamFailure } from './classify-upstream-failure.js';
import { credentialHeaders, forwardOptionsOf, queuedCredentialHeaders } from './credential-headers.js';
import { BodyCollector } from './body-collector.js';
import { buildUpstreamHeaders, type ForwardOptions } from './forward-headers.js';
import { connectionScopedHeaders, hopByHopHeaders } from './hop-by-hop.js';
import { proxyStage } from './index.js';
import { mergeWarnings } from './merge-warnings.js';
import { extractMessage, maxErrorBodyBytes, normalizeUpstreamError } from './normalize-upstream-error.js';
import { parseRetryAfter } from './parse-retry-after.js';
import { createProxyTerminal, type ProxyOptions } from './policy.js';
import { buildClientHeaders } from './response-headers.js';
import { UpstreamClient } from './upstream-client.js';
import { warningsHeader } from './warnings-header.js';

/** A clock the test moves by hand. */
class TestClock {
  constructor(public value = Date.UTC(2026, 11, 2, 12, 0, 0)) {}
  now(): number {
    return this.value;
  }
  advance(ms: number): void {
    this.value += ms;
  }
}

const logger = pino({ level: 'silent' });
const yaml = `
upstreams:
  app: { url: 'http://127.0.0.1:9', connectTimeoutMs: 1111, responseTimeoutMs: 2222, bodyTimeoutMs: 3333, unavailableRetryAfterSeconds: 17 }
  billing: { url: 'http://127.0.0.1:9/v2/', serviceName: Billing, errors: normalize }
auth: { instance: eu1, store: { sqlitePath: ':memory:' }, schemes: [bearer, header], header: X-Api-Key }
correlation: { header: X-Request-ID }
server: { trustForwardedHeaders: true }
routes:
  - { id: orders, path: /orders, upstream: app, maxBodyBytes: 64, validation: { warningsInBody: { pointer: /meta/warnings, as: messages } } }
  - { id: pay, path: /pay, methods: [POST], upstream: billing, auth: {}, async: {} }
`;
const config = configOf(yaml);
const clients: UpstreamClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

function upstreamOf(key: string, from: PortierConfig = config, clock = new TestClock()): UpstreamClient {
  const upstreamConfig = from.upstreams[key];
  if (upstreamConfig === undefined) throw new Error(key);
  const client = new UpstreamClient(key, upstreamConfig, clock);
  clients.push(client);
  return client;
}

function routeSpec(routeId: string, from: PortierConfig = config) {
  const route = from.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(routeId);
  return configuredSpec(route, from);
}

/** The headers as name -> values, names lower-cased. */
function byName(headers: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < headers.length; i += 2) (out[(headers[i] as string).toLowerCase()] ??= []).push(headers[i + 1] as string);
  return out;
}

function refusal(decision: unknown): PortierError {
  expect(decision).toBeInstanceOf(PortierError);
  return decision as PortierError;
}

describe('proxy stage module', () => {
  it('proxy: answers every route with an upstream, forwarding as the deployment says and without the caller\'s key', () => {
    const settings = proxyStage.settingsOf(routeSpec('orders'), config);
    expect(settings).toEqual({
      routeId: 'orders',
      upstream: 'app',
      forward: { correlationHeader: 'x-request-id', trustForwardedHeaders: true, dropHeaders: new Set(['authorization', 'x-api-key']) },
      maxBodyBytes: 64,
      warningsInBody: { pointer: '/meta/warnings', as: 'messages' },
    });
    expect(proxyStage.settingsOf(routeSpec('pay'), config)?.warningsInBody).toBeUndefined();
    expect(proxyStage.settingsOf({ ...routeSpec('orders'), config: undefined }, config)).toBeUndefined();
    const withoutUpstream = { ...(config.routes[0] as PortierConfig['routes'][number]) };
    delete withoutUpstream.upstream;
    expect(proxyStage.settingsOf({ ...routeSpec('orders'), config: { ...withoutUpstream, app: true } }, config)).toBeUndefined();
  });

  it('proxy: its route codes are the upstream failures; payload_too_large is emitted but documented by the body stage', () => {
    const codes = proxyStage.codes(proxyStage.settingsOf(routeSpec('orders'), config) as never, config);
    expect(codes).toEqual(['service_unavailable', 'upstream_circuit_open', 'bad_gateway', 'gateway_timeout', 'upstream_client_error', 'upstream_server_error']);
    expect(proxyStage.emits).toEqual(['payload_too_large', ...codes]);
  });

  it('proxy: config check refuses a route whose upstream is not defined, and nothing else', () => {
    const problems: { path: readonly (string | number)[]; message: string }[] = [];
    const report = (path: readonly (string | number)[], message: string) => problems.push({ path, message });
    const route = config.routes[0] as PortierConfig['routes'][number];
    proxyStage.checkRoute?.(route, 0, config, report);
    const withoutUpstream = { ...route };
    delete withoutUpstream.upstream;
    proxyStage.checkRoute?.(withoutUpstream, 1, config, report);
    expect(problems).toEqual([]);
    proxyStage.checkRoute?.({ ...route, upstream: 'nowhere' }, 3, config, report);
    proxyStage.checkRoute?.({ ...route, upstream: 'app' }, 4, { ...config, upstreams: undefined } as unknown as PortierConfig, report);
    expect(problems).toEqual([
      { path: ['routes', 3, 'upstream'], message: 'upstream "nowhere" is not defined under upstreams' },
      { path: ['routes', 4, 'upstream'], message: 'upstream "app" is not defined under upstreams' },
    ]);
  });

  it('proxy: create needs the route\'s upstream client, and makes the proxy terminal', () => {
    const settings = proxyStage.settingsOf(routeSpec('orders'), config);
    if (settings === undefined) throw new Error('orders has an upstream');
    expect(() => proxyStage.create(settings, { upstreams: new Map(), clock: new TestClock(), logger })).toThrow('route orders: upstream app was not created');
    const terminal = proxyStage.create(settings, { upstreams: new Map([['app', upstreamOf('app')]]), clock: new TestClock(), logger });
    expect(terminal.name).toBe('proxy');
  });
});

describe('classifyUpstreamFailure', () => {
  const app = upstreamOf('app');
  const billing = upstreamOf('billing');
  const failure = (error: unknown, upstream = app) => classifyUpstreamFailure(error, upstream);
  const coded = (code: string, name = 'Error') => Object.assign(new Error('x'), { code, name });

  it('upstream failure: each timeout is 504 gateway_timeout with its own configured limit and the service', () => {
    for (const [code, timeoutMs] of [['UND_ERR_CONNECT_TIMEOUT', 1111], ['UND_ERR_HEADERS_TIMEOUT', 2222], ['UND_ERR_BODY_TIMEOUT', 3333]] as const) {
      const result = failure(coded(code, 'TimeoutError'));
      expect(result?.kind).toBe(`TimeoutError ${code}`);
      expect(result?.error.code).toBe('gateway_timeout');
      expect(result?.error.params).toEqual({ service: 'app', timeoutMs });
      expect(result?.error.service).toBe('app');
    }
  });

  it('upstream failure: refused, reset, cut short, not HTTP is 502 bad_gateway named for the service', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_RES_EXCEEDED_MAX_SIZE', 'UND_ERR_RESPONSE_STATUS_CODE', 'UND_ERR_INFO', 'HPE_INVALID_CONSTANT']) {
      const result = failure(coded(code), billing);
      expect(result?.error.code, code).toBe('bad_gateway');
      expect(result?.error.params).toEqual({ service: 'Billing' });
      expect(result?.error.service).toBe('Billing');
      expect(result?.kind).toBe(`Error ${code}`);
    }
    const parser = failure(Object.assign(new Error('bytes'), { name: 'HTTPParserError' }));
    expect(parser).toMatchObject({ kind: 'HTTPParserError', error: { code: 'bad_gateway' } });
  });

  it('upstream failure: anything else is not the upstream\'s (undici refusing our arguments, a plain error, nothing)', () => {
    expect(failure(coded('UND_ERR_INVALID_ARG', 'InvalidArgumentError'))).toBeUndefined();
    expect(failure(new Error('plain'))).toBeUndefined();
    expect(failure({ code: 42, name: 'HTTPParser' })).toBeUndefined();
    expect(failure(null)).toBeUndefined();
    expect(failure(undefined)).toBeUndefined();
    expect(failure({ code: 'XHPE_NOT_A_PREFIX' })).toBeUndefined();
  });

  it('upstream failure: the kind for the log is the class and the code, with Error for a nameless one', () => {
    expect(failure({ code: 'ECONNRESET' })?.kind).toBe('Error ECONNRESET');
    expect(failure({ code: 'ECONNRESET', name: 7 })?.kind).toBe('Error ECONNRESET');
    expect(failure({ name: 'HTTPParserError', code: 3 })?.kind).toBe('HTTPParserError');
  });
});

describe('CircuitBreaker', () => {
  function breakerWithLog(threshold = 2, openMs = 10_000) {
    const clock = new TestClock();
    const events: string[] = [];
    const breaker = new CircuitBreaker({ failureThreshold: threshold, openMs }, clock, {
      opened: (failures, ms) => events.push(`opened after ${failures} for ${ms}`),
      closed: () => events.push('closed'),
    });
    return { breaker, clock, events };
  }

  it('circuit breaker: stays closed one failure below the threshold and opens at it', () => {
    const { breaker, events } = breakerWithLog(3);
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
    expect(breaker.isOpen).toBe(false);
    expect(breaker.admit()).toEqual({ waitSeconds: 0, trial: false });
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.isOpen).toBe(true);
    expect(breaker.admit()).toEqual({ waitSeconds: 10, trial: false });
    expect(events).toEqual(['opened after 3 for 10000']);
    expect(breaker.opens).toBe(1);
  });

  it('circuit breaker: a success between failures resets the count, and closing a closed breaker tells nobody', () => {
    const { breaker, events } = breakerWithLog(2);
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
    expect(events).toEqual([]);
  });

  it('circuit breaker: the wait is the open time left, rounded up, never under one second', () => {
    const { breaker, clock } = breakerWithLog(1, 10_000);
    breaker.recordFailure();
    clock.advance(8_500);
    expect(breaker.admit().waitSeconds).toBe(2);
    clock.advance(1_499);
    expect(breaker.admit()).toEqual({ waitSeconds: 1, trial: false });
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('circuit breaker: late failures while open neither extend it nor count as another opening', () => {
    const { breaker, clock, events } = breakerWithLog(2);
    breaker.recordFailure();
    breaker.recordFailure();
    clock.advance(4000);
    breaker.recordFailure();
    expect(breaker.admit().waitSeconds).toBe(6);
    expect(events).toEqual(['opened after 2 for 10000']);
    expect(breaker.opens).toBe(1);
  });

  it('circuit breaker: a failure once the open time is over reopens it, even without a trial', () => {
    const { breaker, clock, events } = breakerWithLog(1);
    breaker.recordFailure();
    clock.advance(10_000);
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.opens).toBe(2);
    expect(events).toEqual(['opened after 1 for 10000', 'opened after 2 for 10000']);
  });

  it('circuit breaker: admits exactly one trial when half-open, and a released trial lets the next one go', () => {
    const { breaker, clock } = breakerWithLog(1);
    breaker.recordFailure();
    clock.advance(10_000);
    expect(breaker.state).toBe('half-open');
    expect(breaker.admit()).toEqual({ waitSeconds: 0, trial: true });
    expect(breaker.admit()).toEqual({ waitSeconds: 1, trial: false });
    expect(breaker.admit()).toEqual({ waitSeconds: 1, trial: false });
    breaker.releaseTrial();
    expect(breaker.admit()).toEqual({ waitSeconds: 0, trial: true });
  });

  it('circuit breaker: a successful trial closes it, a failed one reopens it and counts another opening', () => {
    const { breaker, clock, events } = breakerWithLog(1);
    breaker.recordFailure();
    clock.advance(10_000);
    breaker.admit();
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.opens).toBe(2);
    clock.advance(10_000);
    expect(breaker.admit().trial).toBe(true);
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.admit()).toEqual({ waitSeconds: 0, trial: false });
    expect(events).toEqual(['opened after 1 for 10000', 'opened after 2 for 10000', 'closed']);
  });

  it('circuit breaker: a failed trial frees the trial slot for the next half-open period', () => {
    const { breaker, clock } = breakerWithLog(1);
    breaker.recordFailure();
    clock.advance(10_000);
    expect(breaker.admit().trial).toBe(true);
    breaker.recordFailure();
    clock.advance(10_000);
    expect(breaker.admit()).toEqual({ waitSeconds: 0, trial: true });
  });

  it('circuit breaker: runs without a listener', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 1000 }, new TestClock());
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
  });
});

describe('buildUpstreamHeaders', () => {
  const trusted: ForwardOptions = { correlationHeader: 'x-request-id', trustForwardedHeaders: true, dropHeaders: new Set(['authorization', 'x-api-key']) };
  const untrusted: ForwardOptions = { ...trusted, trustForwardedHeaders: false };

  /** The request as the client sent it, header names in its own case. */
  function forwarded(headers: [string, string][], options = untrusted, shape: RequestShape = {}, extra: string[] = [], buffered?: number) {
    const lower: Record<string, string | string[]> = {};
    for (const [name, value] of headers) {
      const key = name.toLowerCase();
      const prior = lower[key];
      lower[key] = prior === undefined ? value : key === 'set-cookie' || Array.isArray(prior) ? [...[prior].flat(), value] : `${prior}, ${value}`;
    }
    const ctx = policyContext({ headers: lower, rawHeaders: headers.flat(), ...shape });
    return buildUpstreamHeaders(ctx.req, 'corr-9', extra, options, buffered);
  }

  it('forward headers: end-to-end headers pass in the client\'s case and order; the gateway\'s own follow', () => {
    const out = forwarded([['Accept', 'application/json'], ['X-Custom', 'a'], ['x-custom', 'b'], ['Host', 'api.example']], untrusted, { remoteAddress: '10.0.0.7' });
    expect(out).toEqual(['Accept', 'application/json', 'X-Custom', 'a', 'x-custom', 'b', 'x-forwarded-for', '10.0.0.7', 'x-forwarded-proto', 'http', 'x-forwarded-host', 'api.example', 'x-request-id', 'corr-9']);
  });

  it('forward headers: hop-by-hop headers never pass, nor Proxy-* (httpoxy) nor the settled ones', () => {
    const out = byName(forwarded([
      ['Connection', 'keep-alive'], ['Keep-Alive', 'timeout=5'], ['TE', 'trailers'], ['Trailer', 'x'], ['Upgrade', 'h2c'], ['HTTP2-Settings', 'AAA'],
      ['Proxy-Authorization', 'Basic x'], ['Proxy-Connection', 'keep-alive'], ['Proxy', 'http://evil'], ['Proxy-Anything', 'x'],
      ['Expect', '100-continue'], ['Content-Length', '3'], ['X-Forwarded-For', '1.1.1.1'], ['X-Forwarded-Proto', 'https'], ['X-Forwarded-Host', 'forged'],
      ['Accept', '*/*'],
    ]));
    expect(Object.keys(out).sort()).toEqual(['accept', 'content-length', 'x-forwarded-for', 'x-forwarded-proto', 'x-request-id']);
    expect(out['content-length']).toEqual(['3']);
    expect(out['x-forwarded-for']).toEqual(['127.0.0.1']);
    expect(out['x-forwarded-proto']).toEqual(['http']);
  });

  it('forward headers: a chunked body goes without Transfer-Encoding or Content-Length (undici chunks it again)', () => {
    const out = byName(forwarded([['Transfer-Encoding', 'chunked'], ['Accept', '*/*']]));
    expect(out).not.toHaveProperty('transfer-encoding');
    expect(out).not.toHaveProperty('content-length');
  });

  it('forward headers: headers the Connection header names are dropped, whatever their case or spacing', () => {
    const out = byName(forwarded([['Connection', 'X-Secret , keep-alive,x-other'], ['X-Secret', '1'], ['X-Other', '2'], ['X-Kept', '3']]));
    expect(Object.keys(out)).toContain('x-kept');
    expect(out).not.toHaveProperty('x-secret');
    expect(out).not.toHaveProperty('x-other');
    expect(out).not.toHaveProperty('connection');
    const listed = byName(forwarded([['Connection', 'x-a'], ['Connection', 'X-B'], ['X-A', '1'], ['X-B', '2'], ['X-C', '3']]));
    expect(Object.keys(listed).filter((name) => name.startsWith('x-') && !name.startsWith('x-forwarded') && name !== 'x-request-id')).toEqual(['x-c']);
    const close = byName(forwarded([['Connection', 'close'], ['X-Kept', '3']]));
    expect(close['x-kept']).toEqual(['3']);
  });

  it('forward headers: the connection-scoped set is the fixed one for the common values, extended by any other', () => {
    for (const value of [undefined, '', 'keep-alive', 'close']) expect(connectionScopedHeaders(value)).toBe(hopByHopHeaders);
    const named = connectionScopedHeaders('Keep-Alive, X-Foo');
    expect(named.has('x-foo')).toBe(true);
    expect(named.has('transfer-encoding')).toBe(true);
    expect(hopByHopHeaders.has('x-foo')).toBe(false);
  });

  it('forward headers: a client cannot forge X-Portier-* headers, its own correlation header, or send its key on', () => {
    const out = byName(forwarded(
      [['X-Portier-Account-Id', 'acc_forged'], ['x-portier-key-id', 'k'], ['X-Request-ID', 'client-chosen'], ['Authorization', 'Bearer sk'], ['X-Api-Key', 'sk'], ['X-Portierish', 'kept']],
      untrusted,
      {},
      ['x-portier-account-id', 'acc_real'],
    ));
    expect(out['x-portier-account-id']).toEqual(['acc_real']);
    expect(out).not.toHaveProperty('x-portier-key-id');
    expect(out['x-request-id']).toEqual(['corr-9']);
    expect(out).not.toHaveProperty('authorization');
    expect(out).not.toHaveProperty('x-api-key');
    expect(out['x-portierish']).toEqual(['kept']);
  });

  it('forward headers: credentials pass when the deployment forwards them (no drop list)', () => {
    const out = byName(forwarded([['Authorization', 'Bearer sk'], ['Cookie', 'a=b']], { ...untrusted, dropHeaders: new Set() }));
    expect(out['authorization']).toEqual(['Bearer sk']);
    expect(out['cookie']).toEqual(['a=b']);
  });

  it('forward headers: untrusted, X-Forwarded-* from the client are replaced by the peer, http and the Host', () => {
    const out = byName(forwarded([['Host', 'api.example'], ['X-Forwarded-For', '6.6.6.6'], ['X-Forwarded-Proto', 'https'], ['X-Forwarded-Host', 'evil.example']], untrusted, { remoteAddress: '10.0.0.7' }));
    expect(out['x-forwarded-for']).toEqual(['10.0.0.7']);
    expect(out['x-forwarded-proto']).toEqual(['http']);
    expect(out['x-forwarded-host']).toEqual(['api.example']);
  });

  it('forward headers: trusted, the chain is appended to, and the proxy\'s proto and host are kept (the first of repeats)', () => {
    const out = byName(forwarded(
      [['Host', 'internal:8080'], ['X-Forwarded-For', '1.1.1.1'], ['X-Forwarded-For', '2.2.2.2'], ['X-Forwarded-Proto', 'https'], ['X-Forwarded-Host', 'api.example']],
      trusted,
      { remoteAddress: '10.0.0.7' },
    ));
    expect(out['x-forwarded-for']).toEqual(['1.1.1.1, 2.2.2.2, 10.0.0.7']);
    expect(out['x-forwarded-proto']).toEqual(['https']);
    expect(out['x-forwarded-host']).toEqual(['api.example']);
    const listed = policyContext({ headers: { 'x-forwarded-for': ['1.1.1.1', '2.2.2.2'], 'x-forwarded-proto': ['https', 'http'], 'x-forwarded-host': ['a.example', 'b.example'] }, rawHeaders: [] });
    expect(byName(buildUpstreamHeaders(listed.req, 'c', [], trusted))).toMatchObject({ 'x-forwarded-for': ['1.1.1.1, 2.2.2.2, 127.0.0.1'], 'x-forwarded-proto': ['https'], 'x-forwarded-host': ['a.example'] });
  });

  it('forward headers: trusted but absent or empty X-Forwarded-* fall back to the peer, http and the Host', () => {
    const out = byName(forwarded([['Host', 'api.example'], ['X-Forwarded-For', ''], ['X-Forwarded-Proto', ''], ['X-Forwarded-Host', '']], trusted, { remoteAddress: '10.0.0.7' }));
    expect(out['x-forwarded-for']).toEqual(['10.0.0.7']);
    expect(out['x-forwarded-proto']).toEqual(['http']);
    expect(out['x-forwarded-host']).toEqual(['api.example']);
  });

  it('forward headers: no Host and no forwarded host means no X-Forwarded-Host; an unknown peer is an empty X-Forwarded-For', () => {
    const ctx = policyContext({ headers: { host: '' }, rawHeaders: [] });
    (ctx.req.socket as { remoteAddress?: string | undefined }).remoteAddress = undefined;
    const out = byName(buildUpstreamHeaders(ctx.req, 'c', [], untrusted));
    expect(out).not.toHaveProperty('x-forwarded-host');
    expect(out['x-forwarded-for']).toEqual(['']);
    expect(byName(forwarded([], trusted))).not.toHaveProperty('x-forwarded-host');
  });

  it('forward headers: a body a stage read goes with its own Content-Length, the policies\' headers last', () => {
    const out = forwarded([['Content-Length', '999'], ['Transfer-Encoding', 'chunked']], untrusted, {}, ['x-portier-account-id', 'acc1'], 12);
    expect(out.slice(-4)).toEqual(['content-length', '12', 'x-portier-account-id', 'acc1']);
    expect(byName(out)['content-length']).toEqual(['12']);
    expect(byName(forwarded([], untrusted, {}, [], 0))['content-length']).toEqual(['0']);
    expect(byName(forwarded([]))).not.toHaveProperty('content-length');
  });
});

describe('credential headers', () => {
  it('credentials: the bearer scheme drops Authorization; the header scheme its header too; forwarding or no auth drops nothing', () => {
    expect(credentialHeaders(config)).toEqual(new Set(['authorization', 'x-api-key']));
    const bearer = configOf(yaml.replace('schemes: [bearer, header], header: X-Api-Key', 'header: X-Api-Key'));
    expect(credentialHeaders(bearer)).toEqual(new Set(['authorization']));
    const forwarding = configOf(yaml.replace('header: X-Api-Key', 'header: X-Api-Key, forwardCredentials: true'));
    expect(credentialHeaders(forwarding)).toEqual(new Set());
    const open = configOf(`upstreams: { app: { url: 'http://127.0.0.1:9' } }\nroutes: [{ id: open, path: /open, upstream: app }]`);
    expect(credentialHeaders(open)).toEqual(new Set());
  });

  it('credentials: the queue keeps out every credential and cookie, even when the deployment forwards them, unless the route opts in', () => {
    const forwarding = configOf(yaml.replace('header: X-Api-Key', 'header: X-Api-Key, forwardCredentials: true'));
    const pay = forwarding.routes[1] as PortierConfig['routes'][number];
    const async = pay.async;
    if (async === undefined) throw new Error('pay is async');
    expect(queuedCredentialHeaders(forwarding, pay)).toEqual(new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']));
    expect(queuedCredentialHeaders(forwarding, { ...pay, async: { ...async, forwardCredentials: true } })).toEqual(new Set());
    expect(queuedCredentialHeaders(forwarding, { ...pay, async: { ...async, forwardCredentials: false } }).size).toBe(4);
    const open = configOf(`upstreams: { app: { url: 'http://127.0.0.1:9' } }\nroutes: [{ id: open, path: /open, upstream: app }]`);
    expect(queuedCredentialHeaders(open, open.routes[0] as PortierConfig['routes'][number])).toEqual(new Set(['authorization', 'proxy-authorization', 'cookie']));
  });

  it('credentials: forward options carry the lower-case correlation header and the trust setting', () => {
    const drop = new Set(['a']);
    expect(forwardOptionsOf(config, drop)).toEqual({ correlationHeader: 'x-request-id', trustForwardedHeaders: true, dropHeaders: drop });
    const open = configOf(`upstreams: { app: { url: 'http://127.0.0.1:9' } }\nroutes: [{ id: open, path: /open, upstream: app }]`);
    expect(forwardOptionsOf(open, drop).trustForwardedHeaders).toBe(false);
  });
});

describe('buildClientHeaders', () => {
  it('response headers: hop-by-hop and Connection-named headers and the upstream\'s correlation header are dropped; lists split', () => {
    const out = buildClientHeaders(
      {
        'content-type': 'application/json',
        connection: 'x-internal',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'x-internal': 'secret',
        'x-request-id': 'theirs',
        'set-cookie': ['a=1', 'b=2'],
        'x-missing': undefined,
        etag: '"v1"',
      },
      'x-request-id',
    );
    expect(out).toEqual(['content-type', 'application/json', 'set-cookie', 'a=1', 'set-cookie', 'b=2', 'etag', '"v1"']);
  });

  it('response headers: a Connection header given as a list names headers too', () => {
    expect(buildClientHeaders({ connection: ['x-a', 'x-b'], 'x-a': '1', 'x-b': '2', 'x-c': '3' }, 'x-request-id')).toEqual(['x-c', '3']);
    expect(buildClientHeaders({ connection: 'close', 'x-c': '3' }, 'x-request-id')).toEqual(['x-c', '3']);
  });
});

describe('normalizeUpstreamError', () => {
  const billing = upstreamOf('billing');
  const clock = new TestClock();
  const normalized = (statusCode: number, headers: Record<string, string | string[] | undefined>, body: string | undefined) =>
    normalizeUpstreamError({ statusCode, headers, body }, billing, clock);

  it('normalize: a 4xx keeps its status with the upstream\'s JSON message as detail and the service', () => {
    const error = normalized(422, { 'content-type': 'application/json; charset=utf-8' }, '{"message":"  amount must be positive "}');
    expect(error.code).toBe('upstream_client_error');
    expect(error.status).toBe(422);
    expect(error.params).toEqual({ message: 'amount must be positive' });
    expect(error.service).toBe('Billing');
    expect(normalized(400, { 'content-type': 'application/problem+json' }, '{"detail":"bad"}').params).toEqual({ message: 'bad' });
  });

  it('normalize: a 5xx other than 503 is upstream_server_error with its status; 499 is still a client error', () => {
    const error = normalized(500, { 'content-type': 'application/json' }, '{"error":"boom"}');
    expect(error.code).toBe('upstream_server_error');
    expect(error.status).toBe(500);
    expect(error.params).toEqual({ message: 'boom' });
    expect(normalized(499, {}, undefined).code).toBe('upstream_client_error');
    expect(normalized(504, {}, undefined)).toMatchObject({ code: 'upstream_server_error', status: 504 });
  });

  it('normalize: no message from a body that is not JSON, not parseable, too large or without a message field', () => {
    expect(normalized(404, { 'content-type': 'text/html' }, '{"message":"hidden"}').params).toEqual({ message: '' });
    expect(normalized(404, {}, '{"message":"hidden"}').params).toEqual({ message: '' });
    expect(normalized(404, { 'content-type': 'application/json' }, '{"message":').params).toEqual({ message: '' });
    expect(normalized(404, { 'content-type': 'application/json' }, undefined).params).toEqual({ message: '' });
    expect(normalized(404, { 'content-type': 'application/json' }, '{"code":7}').params).toEqual({ message: '' });
    expect(normalized(404, { 'content-type': 'application/jsonp' }, '{"message":"x"}').params).toEqual({ message: '' });
    expect(maxErrorBodyBytes).toBe(65536);
  });

  it('normalize: a 503 is service_unavailable with the upstream\'s Retry-After, or the configured default', () => {
    const error = normalized(503, { 'retry-after': '42' }, '{"message":"down"}');
    expect(error.code).toBe('service_unavailable');
    expect(error.params).toEqual({ service: 'Billing' });
    expect(error.service).toBe('Billing');
    expect(error.headers).toEqual({ 'Retry-After': '42' });
    expect(normalized(503, {}, undefined).headers).toEqual({ 'Retry-After': '5' });
    expect(normalized(503, { 'retry-after': 'soon' }, undefined).headers).toEqual({ 'Retry-After': '5' });
    expect(normalized(503, { 'retry-after': new Date(clock.now() + 30_000).toUTCString() }, undefined).headers).toEqual({ 'Retry-After': '30' });
  });

  it('normalize: the message is the first non-blank of message, detail, error_msg, error_description, title, error; nested error objects too', () => {
    expect(extractMessage({ title: 't', detail: 'd', message: 'm' })).toBe('m');
    expect(extractMessage({ title: 't', detail: 'd' })).toBe('d');
    expect(extractMessage({ title: 't', error_msg: 'e' })).toBe('e');
    expect(extractMessage({ title: 't', error_description: 'desc' })).toBe('desc');
    expect(extractMessage({ error: 'plain', title: 't' })).toBe('t');
    expect(extractMessage({ message: '   ', detail: 7, error: { message: 'inner' } })).toBe('inner');
    expect(extractMessage({ error: { code: 1 } })).toBeUndefined();
    expect(extractMessage({ error: null })).toBeUndefined();
    expect(extractMessage({ message: ['not', 'text'] })).toBeUndefined();
    expect(extractMessage(['message'])).toBeUndefined();
    expect(extractMessage(null)).toBeUndefined();
    expect(extractMessage('message')).toBeUndefined();
  });

  it('normalize: a message over 500 characters is cut to 500 with an ellipsis', () => {
    expect(extractMessage({ message: 'x'.repeat(500) })).toBe('x'.repeat(500));
    const cut = extractMessage({ message: 'y'.repeat(501) });
    expect(cut).toBe(`${'y'.repeat(499)}…`);
    expect(cut?.length).toBe(500);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 11, 2, 12, 0, 0);

  it('retry-after: delay-seconds up to a day, trimmed; the first of a list', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 120 ', now)).toBe(120);
    expect(parseRetryAfter('86400', now)).toBe(86400);
    expect(parseRetryAfter('86401', now)).toBeUndefined();
    expect(parseRetryAfter(['7', '9'], now)).toBe(7);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter([], now)).toBeUndefined();
  });

  it('retry-after: malformed is undefined: signs, fractions, too many digits, words, dates without GMT', () => {
    for (const value of ['-5', '1.5', '1234567', 'soon', '', 'Wed, 02 Dec 2026 12:01:00', '2026-12-02T12:01:00Z', 'x 120', '120 x']) {
      expect(parseRetryAfter(value, now), value).toBeUndefined();
    }
  });

  it('retry-after: an HTTP-date is the seconds until it, rounded up; a past date is 0; over a day is undefined', () => {
    expect(parseRetryAfter('Wed, 02 Dec 2026 12:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter('Wed, 02 Dec 2026 12:01:00 GMT', now + 500)).toBe(60);
    expect(parseRetryAfter('Wed, 02 Dec 2026 12:01:00 GMT', now + 1000)).toBe(59);
    expect(parseRetryAfter('Wed, 02 Dec 2026 12:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('Wed, 02 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('Thu, 03 Dec 2026 12:00:00 GMT', now)).toBe(86400);
    expect(parseRetryAfter('Thu, 03 Dec 2026 12:00:01 GMT', now)).toBeUndefined();
    expect(parseRetryAfter('Wed, 02 Dec 2026 12:01:00 GMTX', now)).toBeUndefined();
  });
});

describe('mergeWarnings', () => {
  const warnings: ErrorItem[] = [
    { pointer: '/amount', message: 'amount is deprecated', rule: 'deprecated' },
    { pointer: '/note', message: 'note is long', rule: 'maxLength' },
  ];

  it('merge warnings: appended as messages, items or Codat validation items at the pointer, parents created', () => {
    expect(JSON.parse(mergeWarnings('{"id":1}', warnings, { pointer: '/meta/warnings', as: 'messages' }) as string)).toEqual({ id: 1, meta: { warnings: ['amount is deprecated', 'note is long'] } });
    expect(JSON.parse(mergeWarnings('{"id":1}', warnings, { pointer: '/warnings', as: 'items' }) as string)).toEqual({ id: 1, warnings });
    expect(JSON.parse(mergeWarnings('{}', warnings.slice(0, 1), { pointer: '/validation/warnings', as: 'codat' }) as string)).toEqual({
      validation: { warnings: [{ itemId: '/amount', message: 'amount is deprecated', validatorName: 'deprecated' }] },
    });
  });

  it('merge warnings: an existing array is appended to; anything else in the way is replaced', () => {
    expect(JSON.parse(mergeWarnings('{"w":["old"]}', warnings, { pointer: '/w', as: 'messages' }) as string)).toEqual({ w: ['old', 'amount is deprecated', 'note is long'] });
    expect(JSON.parse(mergeWarnings('{"w":"old"}', warnings.slice(0, 1), { pointer: '/w', as: 'messages' }) as string)).toEqual({ w: ['amount is deprecated'] });
    expect(JSON.parse(mergeWarnings('{"a":[1],"b":{"keep":true}}', warnings.slice(0, 1), { pointer: '/a/w', as: 'messages' }) as string)).toEqual({ a: { w: ['amount is deprecated'] }, b: { keep: true } });
    expect(JSON.parse(mergeWarnings('{"a":null}', warnings.slice(0, 1), { pointer: '/a/w', as: 'messages' }) as string)).toEqual({ a: { w: ['amount is deprecated'] } });
    expect(JSON.parse(mergeWarnings('{"a":"text"}', warnings.slice(0, 1), { pointer: '/a/w', as: 'messages' }) as string)).toEqual({ a: { w: ['amount is deprecated'] } });
    expect(JSON.parse(mergeWarnings('{"a":{"b":{"w":[0]},"c":1}}', warnings.slice(0, 1), { pointer: '/a/b/w', as: 'messages' }) as string)).toEqual({ a: { b: { w: [0, 'amount is deprecated'] }, c: 1 } });
  });

  it('merge warnings: ~1 and ~0 in the pointer are / and ~', () => {
    expect(JSON.parse(mergeWarnings('{}', warnings.slice(0, 1), { pointer: '/a~1b/c~0d', as: 'messages' }) as string)).toEqual({ 'a/b': { 'c~d': ['amount is deprecated'] } });
    expect(JSON.parse(mergeWarnings('{}', warnings.slice(0, 1), { pointer: '/~01', as: 'messages' }) as string)).toEqual({ '~1': ['amount is deprecated'] });
  });

  it('merge warnings: a body that is not a JSON object is left as it was (undefined)', () => {
    for (const body of ['[1]', 'null', '"text"', '42', 'not json', '']) expect(mergeWarnings(body, warnings, { pointer: '/w', as: 'messages' }), body).toBeUndefined();
  });
});

describe('warningsHeader', () => {
  const item = (index: number, size = 10): ErrorItem => ({ pointer: `/f${index}`, message: 'm'.repeat(size), rule: 'r' });

  it('warnings header: a JSON array of the warnings when they fit in 4 KiB', () => {
    const list = [item(1), item(2)];
    expect(warningsHeader(list)).toBe(JSON.stringify(list));
    expect(warningsHeader([])).toBe('[]');
  });

  it('warnings header: text beyond ASCII (a client\'s property name in a pointer) is escaped, so the header is valid and parses back', () => {
    const list: ErrorItem[] = [{ pointer: '/metadata/日本', message: '/metadata/日本 must be at most 3 characters: zażółć 😀', rule: 'maxLength' }, { pointer: '/del', message: 'a\u007fb', rule: 'r' }];
    const text = warningsHeader(list);
    expect(text).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(text)).toEqual(list);
    // The 4 KiB is counted on what is sent: an escaped character takes six.
    const wide = Array.from({ length: 100 }, (_, index) => ({ pointer: `/f${index}`, message: '日'.repeat(60), rule: 'r' }));
    const kept = warningsHeader(wide);
    expect(kept.length).toBeLessThanOrEqual(4096);
    expect(kept).toMatch(/^[\x20-\x7e]*$/);
  });

  it('warnings header: keeps as many as fit, the last item saying how many were left out', () => {
    const list = Array.from({ length: 100 }, (_, index) => item(index, 60));
    const text = warningsHeader(list);
    expect(text.length).toBeLessThanOrEqual(4096);
    const parsed = JSON.parse(text) as ErrorItem[];
    const kept = parsed.length - 1;
    expect(parsed.slice(0, kept)).toEqual(list.slice(0, kept));
    expect(parsed[kept]).toEqual({ pointer: '', message: `${100 - kept} more warning(s) left out`, rule: 'truncated' });
    // One more would not have fitted.
    const oneMore = JSON.stringify([...list.slice(0, kept + 1), { pointer: '', message: `${100 - kept - 1} more warning(s) left out`, rule: 'truncated' }]);
    expect(oneMore.length).toBeGreaterThan(4096);
  });

  it('warnings header: exactly 4096 characters still fit; one warning too large for the header leaves only the note', () => {
    const overhead = JSON.stringify([item(1, 0)]).length;
    const exact = [item(1, 4096 - overhead)];
    expect(JSON.stringify(exact).length).toBe(4096);
    expect(warningsHeader(exact)).toBe(JSON.stringify(exact));
    const over = [item(1, 4097 - overhead)];
    expect(JSON.parse(warningsHeader(over))).toEqual([{ pointer: '', message: '1 more warning(s) left out', rule: 'truncated' }]);
  });
});

describe('BodyCollector', () => {
  function collect(maxBytes: number, chunks: string[]) {
    const collector = new BodyCollector(maxBytes);
    for (const chunk of chunks) expect(collector.write(Buffer.from(chunk))).toBe(true);
    return collector;
  }

  it('collected body: kept up to the limit, exactly the limit included; past it only counted', () => {
    expect(collect(6, ['abc', 'def']).text()).toBe('abcdef');
    const over = collect(6, ['abc', 'defg']);
    expect(over.text()).toBeUndefined();
    expect(over.overflowed).toBe(true);
    expect(collect(6, []).text()).toBe('');
  });
});

describe('UpstreamClient', () => {
  it('upstream client: the URL\'s path is a prefix without its trailing slash; the service is named by key unless configured', () => {
    const app = upstreamOf('app');
    expect(app.basePath).toBe('');
    expect(app.serviceName).toBe('app');
    expect(app.key).toBe('app');
    const billing = upstreamOf('billing');
    expect(billing.basePath).toBe('/v2');
    expect(billing.serviceName).toBe('Billing');
    expect(billing.breaker.state).toBe('closed');
  });

  it('upstream client: its breaker takes the configured threshold and logs when it opens and closes', () => {
    const lines: { level: number; msg: string; upstream?: string; failures?: number }[] = [];
    const recorder = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const clock = new TestClock();
    const upstreamConfig = { ...(config.upstreams.app as NonNullable<PortierConfig['upstreams'][string]>), circuitBreaker: { failureThreshold: 2, openMs: 1000 } };
    const client = new UpstreamClient('app', upstreamConfig, clock, recorder);
    clients.push(client);
    client.breaker.recordFailure();
    expect(client.breaker.state).toBe('closed');
    client.breaker.recordFailure();
    expect(client.breaker.state).toBe('open');
    clock.advance(1000);
    client.breaker.admit();
    client.breaker.recordSuccess();
    expect(lines.map((line) => [line.level, line.upstream, line.failures, line.msg.split(':')[0]])).toEqual([
      [40, 'app', 2, 'circuit breaker opened'],
      [30, 'app', undefined, 'circuit breaker closed'],
    ]);
  });
});

describe('proxy terminal without a server', () => {
  const options = { ...forwardOptionsOf(config, new Set()), maxBodyBytes: 64, warningsInBody: undefined, clock: new TestClock(), unavailableRetryAfterSeconds: 5, logger };

  it('proxy: an open breaker answers 503 upstream_circuit_open with the seconds left, before touching the request', async () => {
    const upstream = upstreamOf('billing');
    for (let i = 0; i < 5; i++) upstream.breaker.recordFailure();
    const decision = await createProxyTerminal(upstream, options).handle(policyContext());
    const error = refusal(decision);
    expect(error.code).toBe('upstream_circuit_open');
    expect(error.params).toEqual({ service: 'Billing', retryAfterSeconds: 30 });
    expect(error.service).toBe('Billing');
    expect(error.headers).toEqual({ 'Retry-After': '30' });
  });

  it('proxy: refuses to run on a request and response that are not Node\'s', async () => {
    await expect(createProxyTerminal(upstreamOf('app'), options).handle(policyContext())).rejects.toThrow('the proxy stage needs a node:http server under the pipeline');
  });
});

describe('proxy terminal over real sockets', () => {
  type Answer = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;
  let answer: Answer = (_req, res) => res.end();
  const upstreamReady = startUpstream((req, res, body) => answer(req, res, body));
  const settled: Promise<{ decision: Decision; ctx: RequestContext }>[] = [];
  let terminal: Terminal;
  let prepare: (ctx: RequestContext) => void | Promise<void> = () => undefined;
  const front = createServer((req, res) => {
    const ctx = new RequestContext(req, res, 0);
    ctx.correlationId = 'corr-1';
    settled.push(
      Promise.resolve(prepare(ctx)).then(async () => {
        const decision = await terminal.handle(ctx);
        if (decision instanceof PortierError && !res.headersSent) {
          res.writeHead(decision.status, { 'x-code': decision.code });
          res.end();
        }
        return { decision, ctx };
      }),
    );
  });
  const frontReady = new Promise<string>((resolve) => front.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(front.address() as AddressInfo).port}`)));
  afterAll(async () => {
    front.closeAllConnections();
    await new Promise((resolve) => front.close(resolve));
    await (await upstreamReady).close();
  });

  async function setUp(options: { errors?: 'normalize'; threshold?: number; warningsInBody?: ProxyOptions['warningsInBody']; url?: string; logger?: ProxyOptions['logger']; bodyTimeoutMs?: number; connections?: number } = {}) {
    const upstream = await upstreamReady;
    const base = config.upstreams.app as NonNullable<PortierConfig['upstreams'][string]>;
    const client = new UpstreamClient('app', { ...base, url: options.url ?? `${upstream.url}/v2/`, errors: options.errors ?? 'passthrough', bodyTimeoutMs: options.bodyTimeoutMs ?? base.bodyTimeoutMs, connections: options.connections ?? base.connections, circuitBreaker: { failureThreshold: options.threshold ?? 5, openMs: 1000 } }, new TestClock());
    clients.push(client);
    terminal = createProxyTerminal(client, { ...forwardOptionsOf(config, new Set(['authorization'])), maxBodyBytes: 64, warningsInBody: options.warningsInBody, clock: new TestClock(), unavailableRetryAfterSeconds: 17, logger: options.logger ?? logger });
    prepare = () => undefined;
    settled.length = 0;
    return { upstream, client, url: await frontReady };
  }

  async function last() {
    expect(settled.length).toBe(1);
    return settled[0] as Promise<{ decision: Decision; ctx: RequestContext }>;
  }

  it('proxy: streams the answer through with the client\'s headers, our correlation ID and the stages\' headers, at the base path', async () => {
    const { upstream, client, url } = await setUp();
    for (let i = 0; i < 4; i++) client.breaker.recordFailure();
    answer = (_req, res) => {
      res.writeHead(201, { 'content-type': 'text/plain', 'x-request-id': 'theirs', 'set-cookie': ['a=1', 'b=2'] });
      res.end('created');
    };
    prepare = (ctx) => {
      ctx.responseHeaders.push('ratelimit', 'limit=10');
      ctx.warnings.push({ pointer: '/x', message: 'old', rule: 'deprecated' });
      ctx.forwardHeaders.push('x-portier-account-id', 'acc1');
    };
    const response = await nodeRequest(`${url}/orders?x=1`, { method: 'POST', headers: { authorization: 'Bearer sk', 'x-portier-account-id': 'forged', 'content-type': 'text/plain' }, body: 'hello' });
    const { decision, ctx } = await last();
    expect(decision).toBeUndefined();
    expect(response.status).toBe(201);
    expect(response.body).toBe('created');
    expect(response.headers['x-request-id']).toBe('corr-1');
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(response.headers['ratelimit']).toBe('limit=10');
    expect(JSON.parse(response.headers['x-portier-warnings'] as string)).toEqual([{ pointer: '/x', message: 'old', rule: 'deprecated' }]);
    expect(response.headers['retry-after']).toBeUndefined();
    const seen = upstream.seen.at(-1);
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/v2/orders?x=1');
    expect(seen?.body.toString()).toBe('hello');
    expect(seen?.headers['x-request-id']).toBe('corr-1');
    expect(seen?.headers['x-portier-account-id']).toBe('acc1');
    expect(seen?.headers['authorization']).toBeUndefined();
    expect(ctx.upstreamStatus).toBe(201);
    expect(ctx.upstreamMs).toBeGreaterThanOrEqual(0);
    // The success reset the four failures before it: one more does not open the breaker.
    client.breaker.recordFailure();
    expect(client.breaker.state).toBe('closed');
  });

  it('proxy: a warning about a property named beyond Latin-1 still lets the upstream\'s answer through, its header escaped', async () => {
    const { url } = await setUp();
    answer = (_req, res) => {
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.end('created');
    };
    const warning = { pointer: '/metadata/日本', message: '/metadata/日本 must be at most 3 characters', rule: 'maxLength' };
    prepare = (ctx) => void ctx.warnings.push(warning);
    const response = await nodeRequest(`${url}/orders`);
    expect((await last()).decision).toBeUndefined();
    expect(response.status).toBe(201);
    expect(JSON.parse(response.headers['x-portier-warnings'] as string)).toEqual([warning]);
  });

  it('proxy: a body a stage read is sent from memory; a request without a body sends none', async () => {
    const { upstream, url } = await setUp();
    answer = (_req, res) => res.end('ok');
    prepare = (ctx) => {
      ctx.body = Buffer.from('{"read":"ahead"}');
    };
    await nodeRequest(`${url}/orders`, { method: 'POST', body: 'ignored-by-the-stage' });
    await last();
    expect(upstream.seen.at(-1)?.body.toString()).toBe('{"read":"ahead"}');
    expect(upstream.seen.at(-1)?.headers['content-length']).toBe('16');
    prepare = () => undefined;
    settled.length = 0;
    await nodeRequest(`${url}/orders`);
    await last();
    expect(upstream.seen.at(-1)?.body.length).toBe(0);
    expect(upstream.seen.at(-1)?.headers['content-length']).toBeUndefined();
  });

  it('proxy: an upstream 503 without Retry-After is passed on with the configured one, with its own keeps only that, and counts against the breaker', async () => {
    const { client, url } = await setUp({ threshold: 1 });
    answer = (_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('down');
    };
    const response = await nodeRequest(`${url}/orders`);
    expect((await last()).decision).toBeUndefined();
    expect(response.status).toBe(503);
    expect(response.body).toBe('down');
    expect(response.headers['retry-after']).toBe('17');
    expect(client.breaker.state).toBe('open');
    settled.length = 0;
    answer = (_req, res) => {
      res.writeHead(503, { 'retry-after': '3' });
      res.end();
    };
    await setUp();
    // fetch joins repeated headers (Node's client keeps the first Retry-After): the upstream's is the only one.
    const own = await fetch(`${url}/orders`);
    await own.arrayBuffer();
    expect(own.headers.get('retry-after')).toBe('3');
  });

  it('proxy: an upstream 4xx passes through and does not count against the breaker', async () => {
    const { client, url } = await setUp({ threshold: 1 });
    answer = (_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"message":"no such order"}');
    };
    const response = await nodeRequest(`${url}/orders`);
    expect((await last()).decision).toBeUndefined();
    expect(response.status).toBe(404);
    expect(response.body).toBe('{"message":"no such order"}');
    expect(client.breaker.state).toBe('closed');
  });

  it('proxy: normalizing, an upstream 4xx comes back as the catalog error for the pipeline to render, nothing written', async () => {
    const { url } = await setUp({ errors: 'normalize' });
    answer = (_req, res) => {
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end('{"message":"amount must be positive"}');
    };
    const response = await nodeRequest(`${url}/orders`);
    const error = refusal((await last()).decision);
    expect(error).toMatchObject({ code: 'upstream_client_error', status: 422, params: { message: 'amount must be positive' }, service: 'app' });
    expect(response.headers['x-code']).toBe('upstream_client_error');
    settled.length = 0;
    answer = (_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"detail":"bad amount"}');
    };
    await nodeRequest(`${url}/orders`);
    expect(refusal((await last()).decision)).toMatchObject({ code: 'upstream_client_error', status: 400, params: { message: 'bad amount' } });
    settled.length = 0;
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    };
    expect((await nodeRequest(`${url}/orders`)).body).toBe('{"ok":true}');
  });

  it('proxy: with warningsInBody, a 2xx JSON answer gets the warnings merged in and its length recomputed; others stream as they are', async () => {
    const { url } = await setUp({ warningsInBody: { pointer: '/meta/warnings', as: 'messages' } });
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '8' });
      res.end('{"id":1}');
    };
    prepare = (ctx) => void ctx.warnings.push({ pointer: '/x', message: 'old', rule: 'deprecated' });
    const response = await nodeRequest(`${url}/orders`);
    expect((await last()).decision).toBeUndefined();
    expect(JSON.parse(response.body)).toEqual({ id: 1, meta: { warnings: ['old'] } });
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength(response.body)));
    expect(response.headers['x-request-id']).toBe('corr-1');
    expect(JSON.parse(response.headers['x-portier-warnings'] as string)).toHaveLength(1);
    // Not JSON, or no warnings: as it was.
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('{"id":1}');
    };
    expect((await nodeRequest(`${url}/orders`)).body).toBe('{"id":1}');
    prepare = () => undefined;
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":1}');
    };
    const plain = await nodeRequest(`${url}/orders`);
    expect(plain.body).toBe('{"id":1}');
    expect(plain.headers['x-portier-warnings']).toBeUndefined();
  });

  it('proxy: an upstream nobody listens on is 502 bad_gateway, counted against the breaker', async () => {
    const refusing = await refusingPort();
    try {
      const { client, url } = await setUp({ threshold: 1, url: `http://127.0.0.1:${refusing.port}` });
      const before = performance.now();
      await nodeRequest(`${url}/orders`);
      const { decision, ctx } = await last();
      const error = refusal(decision);
      expect(error.code).toBe('bad_gateway');
      expect(client.breaker.state).toBe('open');
      // The time to the failure is kept for the access log: from sending to the failure, within the request.
      expect(ctx.upstreamMs).toBeGreaterThanOrEqual(0);
      expect(ctx.upstreamMs).toBeLessThanOrEqual(performance.now() - before);
    } finally {
      await refusing.release();
    }
  });

  it('proxy: a chunked body over the route\'s cap is 413 payload_too_large with Connection: close, and the breaker hears nothing', async () => {
    const { client, url } = await setUp({ threshold: 1 });
    answer = (_req, res) => res.end('ok');
    await nodeRequest(`${url}/orders`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: 'x'.repeat(100) }).catch(() => undefined);
    const error = refusal((await last()).decision);
    expect(error.code).toBe('payload_too_large');
    expect(error.params).toEqual({ limitBytes: 64 });
    expect(error.headers).toEqual({ Connection: 'close' });
    expect(client.breaker.state).toBe('closed');
  });

  it('proxy: an upstream that breaks off its body after the status line cuts the client\'s connection, counted against the breaker', async () => {
    const { client, url } = await setUp({ threshold: 1 });
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
      res.write('partial', () => res.socket?.destroy());
    };
    const outcome = await nodeRequest(`${url}/orders`).then(
      (response) => `answered ${response.status} with ${response.body.length} bytes`,
      (error: Error) => `cut: ${error.message}`,
    );
    expect(outcome).toMatch(/^cut: /);
    const { decision, ctx } = await last();
    expect(decision).toBeUndefined();
    expect(ctx.brokenMidResponse).toBe(true);
    expect(ctx.upstreamStatus).toBe(200);
    expect(client.breaker.state).toBe('open');
  });

  it('proxy: an upstream 5xx that breaks off its body counts once against the breaker, and the failure is logged', async () => {
    const lines: { level: number; msg: string; correlationId?: string; upstream?: string; failure?: string; afterHeaders?: boolean }[] = [];
    const recorder = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const { client, url } = await setUp({ threshold: 2, logger: recorder });
    answer = (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/plain', 'content-length': '100' });
      res.write('partial', () => res.socket?.destroy());
    };
    await nodeRequest(`${url}/orders`).catch(() => undefined);
    const { ctx } = await last();
    expect(ctx.brokenMidResponse).toBe(true);
    // The 502 was counted when its status line came; the break after it is the same failure.
    expect(client.breaker.state).toBe('closed');
    expect(lines.map((line) => [line.level, line.msg, line.correlationId, line.upstream, line.failure, line.afterHeaders])).toEqual([[40, 'upstream failed', 'corr-1', 'app', 'SocketError UND_ERR_SOCKET', true]]);
  });

  it('proxy: a client that leaves while the upstream works is nobody\'s failure: nothing answered, nothing thrown, the breaker hears nothing', async () => {
    const { client, url } = await setUp({ threshold: 1 });
    const held: ServerResponse[] = [];
    const atUpstream = new Promise<void>((resolve) => {
      answer = (_req, res) => {
        held.push(res);
        resolve();
      };
    });
    const leaving = httpRequest(`${url}/orders`, { agent: false });
    leaving.on('error', () => undefined);
    leaving.end();
    await atUpstream;
    leaving.destroy();
    const { decision, ctx } = await last();
    for (const res of held) res.destroy();
    expect(decision).toBeUndefined();
    expect(ctx.brokenMidResponse).toBe(false);
    expect(client.breaker.state).toBe('closed');
  });

  it('proxy: a client gone before the proxy runs (during an earlier stage) costs no upstream call and settles at once', async () => {
    const { upstream, url } = await setUp();
    const before = upstream.seen.length;
    // The close event has come and gone by the time the proxy runs, as after a slow earlier stage.
    prepare = (ctx) =>
      new Promise<void>((resolve) => {
        const res = ctx.res as ServerResponse;
        res.once('close', () => setImmediate(resolve));
        res.destroy();
      });
    await nodeRequest(`${url}/orders`).catch(() => undefined);
    const { decision } = await last();
    expect(decision).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(upstream.seen.length).toBe(before);
  });

  it('proxy: a client that leaves mid-body aborts the upstream call; nobody\'s failure, the breaker hears nothing', async () => {
    // Only the abort can end the upstream's half-sent answer: its body timeout is out of the test's reach.
    const { client, url } = await setUp({ threshold: 1, bodyTimeoutMs: 60_000 });
    let upstreamClosed!: Promise<void>;
    answer = (_req, res) => {
      upstreamClosed = new Promise((resolve) => res.on('close', () => resolve()));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part ');
    };
    const leaving = httpRequest(`${url}/orders`, { agent: false });
    leaving.on('error', () => undefined);
    const firstChunk = new Promise<string>((resolve) => leaving.on('response', (res) => res.once('data', (chunk: Buffer) => resolve(chunk.toString()))));
    leaving.end();
    expect(await firstChunk).toBe('first part ');
    leaving.destroy();
    const { decision, ctx } = await last();
    await upstreamClosed;
    expect(decision).toBeUndefined();
    expect(ctx.brokenMidResponse).toBe(false);
    expect(client.breaker.state).toBe('closed');
  });

  it('proxy: a client that leaves while its call waits for a free connection is never sent upstream, and the connection is kept', async () => {
    const { upstream, url } = await setUp({ connections: 1 });
    let release!: () => void;
    const connections = new Set<Socket>();
    const firstAtUpstream = new Promise<void>((resolve) => {
      answer = (req, res) => {
        connections.add(req.socket);
        if (req.url?.endsWith('/first') === true) {
          release = () => res.end('first');
          resolve();
        } else res.end('other');
      };
    });
    const first = nodeRequest(`${url}/first`);
    await firstAtUpstream;
    const waiting = httpRequest(`${url}/second`, { agent: false });
    waiting.on('error', () => undefined);
    waiting.end();
    await waitFor(() => settled.length, { what: 'the second request at the proxy', until: (count) => count === 2 });
    waiting.destroy();
    expect((await settled[1])?.decision).toBeUndefined();
    release();
    expect((await first).body).toBe('first');
    await nodeRequest(`${url}/third`);
    expect(upstream.seen.map((seen) => seen.url)).not.toContain('/v2/second');
    expect(upstream.seen.map((seen) => seen.url)).toContain('/v2/third');
    // The dropped call did not take the warm connection down with it: the third came over the first's.
    expect(connections.size).toBe(1);
  });

  it('proxy: a pipelined request waiting behind another settles when its client leaves (its response never closes)', async () => {
    const { client, url } = await setUp({ threshold: 1 });
    let releaseFirst!: () => void;
    const bothAtUpstream = new Promise<void>((resolve) => {
      let seen = 0;
      answer = (req, res) => {
        if (req.url?.endsWith('/first') === true) releaseFirst = () => res.end('first');
        else res.end('second');
        if (++seen === 2) resolve();
      };
    });
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET /first HTTP/1.1\r\nhost: x\r\n\r\nGET /second HTTP/1.1\r\nhost: x\r\n\r\n');
    await bothAtUpstream;
    await waitFor(() => settled.length, { what: 'both requests at the proxy', until: (count) => count === 2 });
    socket.destroy();
    const [first, second] = await Promise.all(settled);
    releaseFirst();
    expect(first?.decision).toBeUndefined();
    expect(second?.decision).toBeUndefined();
    expect(second?.ctx.brokenMidResponse).toBe(false);
    expect(client.breaker.state).toBe('closed');
  });

  it('proxy: an upstream that breaks off during the upload is 502 with Connection: close (the rest of the body is still coming)', async () => {
    // Reads the head and the first part of the body, then resets.
    const breaking = createTcpServer((socket) => {
      let received = 0;
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > 1500) socket.destroy();
      });
    });
    await new Promise<void>((resolve) => breaking.listen(0, '127.0.0.1', resolve));
    try {
      const { url } = await setUp({ url: `http://127.0.0.1:${(breaking.address() as AddressInfo).port}/` });
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      socket.on('error', () => undefined);
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.write('POST /orders HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n');
      for (let i = 0; i < 10 && received.length === 0; i++) {
        socket.write('x'.repeat(500));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const { decision } = await last();
      expect(refusal(decision).code).toBe('bad_gateway');
      // Without Connection: close the client would wait on a keep-alive connection that reads its body as the next request.
      await closed;
      const head = Buffer.concat(received).toString('latin1');
      expect(head.startsWith('HTTP/1.1 502')).toBe(true);
      expect(head.toLowerCase()).toContain('connection: close\r\n');
    } finally {
      breaking.close();
    }
  });

  it('proxy: a large answer to a client that reads late arrives whole (the upstream waits for the client to drain)', async () => {
    const { url } = await setUp();
    const big = Buffer.alloc(8 * 1024 * 1024, 'abcdefghij');
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(big.length) });
      res.end(big);
    };
    const received = await new Promise<Buffer>((resolve, reject) => {
      const req = httpRequest(`${url}/orders`, { agent: false }, (res) => {
        res.pause();
        const chunks: Buffer[] = [];
        setTimeout(() => {
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.resume();
        }, 100);
      });
      req.on('error', reject);
      req.end();
    });
    expect(received.length).toBe(big.length);
    expect(received.equals(big)).toBe(true);
    expect((await last()).decision).toBeUndefined();
  });

  it('proxy: an upstream\'s 103 Early Hints are not passed on as the answer; the final status and body are', async () => {
    const { url } = await setUp();
    answer = (_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.end('made');
    };
    const response = await nodeRequest(`${url}/orders`);
    expect(response.status).toBe(201);
    expect(response.body).toBe('made');
    expect((await last()).decision).toBeUndefined();
  });

  it('proxy: a request with Content-Length 0 sends no body; a client waiting on 100-continue is told to send it', async () => {
    const { upstream, url } = await setUp();
    answer = (_req, res) => res.end('ok');
    await nodeRequest(`${url}/orders`, { method: 'POST', headers: { 'content-length': '0' } });
    await last();
    expect(upstream.seen.at(-1)?.headers['content-length']).toBe('0');
    expect(upstream.seen.at(-1)?.body.length).toBe(0);
    settled.length = 0;
    const continued: boolean[] = [];
    prepare = (ctx) => {
      ctx.continuePending = true;
      const writeContinue = ctx.res.writeContinue.bind(ctx.res);
      (ctx.res as { writeContinue: () => void }).writeContinue = () => {
        continued.push(true);
        writeContinue();
      };
    };
    await nodeRequest(`${url}/orders`, { method: 'POST', body: 'sent' });
    await last();
    expect(continued).toEqual([true]);
    expect(upstream.seen.at(-1)?.body.toString()).toBe('sent');
  });

  it('proxy: a chunked body under the cap streams through', async () => {
    const { upstream, url } = await setUp();
    answer = (_req, res) => res.end('ok');
    const response = await nodeRequest(`${url}/orders`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: 'x'.repeat(64) });
    expect((await last()).decision).toBeUndefined();
    expect(response.status).toBe(200);
    expect(upstream.seen.at(-1)?.body.toString()).toBe('x'.repeat(64));
  });
});
