import { describe, expect, it } from 'vitest';
import { configOf, policyContext, recordingResponse } from '../../../test/helpers/policy-context.js';
import type { CompiledRoute } from '../../pipeline/compiled-route.js';
import { answered } from '../../pipeline/policy.js';
import { RouteTable } from '../../routes/route-table.js';
import { corsStage } from './index.js';

const orders = { id: 'orders', path: '/orders/:orderId', methods: ['GET', 'DELETE'] } as unknown as CompiledRoute;
const invoices = { id: 'invoices', path: '/invoices', methods: ['POST'] } as unknown as CompiledRoute;
const routes = new RouteTable([orders, invoices].map((route) => ({ path: route.path, methods: route.methods, target: route })));

const base = `
upstreams: { app: { url: 'http://127.0.0.1:9' } }
correlation: { header: X-Request-ID }
routes: [{ id: open, path: /open, upstream: app }]
`;

function corsFor(section: string) {
  const config = configOf(`${base}cors: ${section}\n`);
  const settings = corsStage.settingsOf(config);
  if (settings === undefined) throw new Error('cors is configured');
  return corsStage.create(settings, { routes });
}

// Built in each test, not when the file loads: what runs at import is invisible to mutation testing.
const listed = () => corsFor(`{ origins: ['https://app.example', 'https://admin.example'], allowHeaders: [authorization, x-trace], exposeHeaders: [ratelimit, location], maxAgeSeconds: 120 }`);

/** The headers as name -> value (each name once; the test fails on a repeat). */
function byName(headers: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < headers.length; i += 2) {
    const name = (headers[i] as string).toLowerCase();
    expect(out, `header ${name} twice`).not.toHaveProperty(name);
    out[name] = headers[i + 1] as string;
  }
  return out;
}

function preflight(origin: string, url: string, method: string, policy = listed(), extra: Record<string, string> = {}) {
  const { res, written } = recordingResponse();
  const ctx = policyContext({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': method, ...extra } }, res);
  ctx.correlationId = 'corr-1';
  const decision = policy.handle(ctx);
  return { decision, ctx, ...written() };
}

function simple(origin: string | undefined, policy = listed(), method = 'GET') {
  const ctx = policyContext({ method, url: '/orders/7', headers: origin === undefined ? {} : { origin } });
  const decision = policy.handle(ctx);
  return { decision, headers: ctx.responseHeaders };
}

/** What `config check` says of a cors section (given as parsed, defaults filled in). */
function problemsOf(cors: { origins: string[]; credentials?: boolean }): { path: readonly (string | number)[]; message: string }[] {
  const config = configOf(`${base}cors: { origins: ['https://app.example'] }\n`);
  const problems: { path: readonly (string | number)[]; message: string }[] = [];
  const section = { ...(config.cors as NonNullable<typeof config.cors>), ...cors };
  corsStage.checkConfig?.({ ...config, cors: section }, (path, message) => problems.push({ path, message }));
  return problems;
}

describe('cors stage', () => {
  it('cors: is left out without a cors section; with one, it takes the section, the correlation header, and answers no route code', () => {
    const without = configOf(base);
    expect(corsStage.settingsOf(without)).toBeUndefined();
    const config = configOf(`${base}cors: { origins: ['https://app.example'] }\n`);
    expect(corsStage.settingsOf(config)).toEqual({
      cors: { origins: ['https://app.example'], allowHeaders: expect.arrayContaining(['authorization', 'idempotency-key']), exposeHeaders: expect.arrayContaining(['ratelimit', 'x-portier-warnings']), maxAgeSeconds: 600, credentials: false },
      correlationHeader: 'X-Request-ID',
    });
    expect(corsStage.codes(corsStage.settingsOf(config) as never, config)).toEqual([]);
    expect(corsStage.emits).toEqual([]);
    expect(listed().name).toBe('cors');
  });

  it('cors: config check refuses credentials with the origin *, and only that', () => {
    expect(problemsOf({ origins: ['https://app.example', '*'], credentials: true })).toEqual([{ path: ['cors', 'credentials'], message: expect.stringContaining('origin `*`') }]);
    expect(problemsOf({ origins: ['*'], credentials: false })).toEqual([]);
    expect(problemsOf({ origins: ['https://app.example'], credentials: true })).toEqual([]);
    const problems: unknown[] = [];
    corsStage.checkConfig?.(configOf(base), () => problems.push(1));
    expect(problems).toEqual([]);
  });

  it('cors: answers a preflight from an allowed origin itself, 204 with the methods the route table gives the path', () => {
    const { decision, status, headers, body, ended } = preflight('https://app.example', '/orders/7', 'DELETE');
    expect(decision).toBe(answered);
    expect(status).toBe(204);
    expect(ended).toBe(true);
    expect(body.length).toBe(0);
    expect(byName(headers)).toEqual({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'DELETE, GET, HEAD',
      'access-control-allow-headers': 'authorization, x-trace',
      'access-control-max-age': '120',
      vary: 'Origin',
      'x-request-id': 'corr-1',
    });
    expect(byName(preflight('https://admin.example', '/invoices', 'POST').headers)['access-control-allow-methods']).toBe('POST');
  });

  it('cors: a preflight for a path no route serves gets the requested method, so the real request meets its 404', () => {
    const { decision, status, headers } = preflight('https://app.example', '/nowhere', 'PATCH');
    expect(decision).toBe(answered);
    expect(status).toBe(204);
    expect(byName(headers)['access-control-allow-methods']).toBe('PATCH');
  });

  it('cors: the methods are the path\'s whatever method is requested, and the requested headers do not change the allowed list', () => {
    const { headers } = preflight('https://app.example', '/orders/7', 'PUT', listed(), { 'access-control-request-headers': 'x-other, authorization' });
    const named = byName(headers);
    expect(named['access-control-allow-methods']).toBe('DELETE, GET, HEAD');
    expect(named['access-control-allow-headers']).toBe('authorization, x-trace');
  });

  it('cors: a preflight from an origin not listed is still answered 204, with only Vary and the correlation ID', () => {
    const { decision, status, headers } = preflight('https://evil.example', '/orders/7', 'DELETE');
    expect(decision).toBe(answered);
    expect(status).toBe(204);
    expect(byName(headers)).toEqual({ vary: 'Origin', 'x-request-id': 'corr-1' });
  });

  it('cors: OPTIONS without Access-Control-Request-Method is no preflight, and a request method other than OPTIONS with it neither', () => {
    const ctx = policyContext({ method: 'OPTIONS', url: '/orders/7', headers: { origin: 'https://app.example' } });
    expect(listed().handle(ctx)).toBeUndefined();
    expect(byName(ctx.responseHeaders)['access-control-allow-origin']).toBe('https://app.example');
    const post = policyContext({ method: 'POST', url: '/orders/7', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(listed().handle(post)).toBeUndefined();
    expect(byName(post.responseHeaders)).not.toHaveProperty('access-control-allow-methods');
  });

  it('cors: a request without Origin gets only Vary: Origin (a shared cache keeps copies apart), a preflight without one is left to routing', () => {
    expect(simple(undefined)).toEqual({ decision: undefined, headers: ['vary', 'Origin'] });
    const ctx = policyContext({ method: 'OPTIONS', url: '/orders/7', headers: { 'access-control-request-method': 'GET' } });
    expect(listed().handle(ctx)).toBeUndefined();
    expect(ctx.responseHeaders).toEqual(['vary', 'Origin']);
  });

  it('cors: a simple request from an allowed origin goes on with the origin, the exposed headers (correlation first) and Vary', () => {
    const { decision, headers } = simple('https://admin.example');
    expect(decision).toBeUndefined();
    expect(byName(headers)).toEqual({
      'access-control-allow-origin': 'https://admin.example',
      'access-control-expose-headers': 'x-request-id, ratelimit, location',
      vary: 'Origin',
    });
  });

  it('cors: a simple request from an origin not listed goes on with no CORS header but Vary: Origin', () => {
    expect(simple('https://evil.example')).toEqual({ decision: undefined, headers: ['vary', 'Origin'] });
    expect(simple('https://app.example.evil')).toEqual({ decision: undefined, headers: ['vary', 'Origin'] });
    expect(simple('')).toEqual({ decision: undefined, headers: ['vary', 'Origin'] });
  });

  it('cors: the first of repeated Origin headers is the one judged', () => {
    const ctx = policyContext({ url: '/orders/7', headers: { origin: ['https://app.example', 'https://evil.example'] } });
    expect(listed().handle(ctx)).toBeUndefined();
    expect(byName(ctx.responseHeaders)['access-control-allow-origin']).toBe('https://app.example');
  });

  it('cors: with the origin *, any origin is answered * (no credentials), on preflights and simple requests', () => {
    const any = corsFor(`{ origins: ['*'] }`);
    const named = byName(simple('https://anyone.example', any).headers);
    expect(named['access-control-allow-origin']).toBe('*');
    // A request without Origin is no cross-origin request: only Vary, even where any origin may call.
    expect(simple(undefined, any).headers).toEqual(['vary', 'Origin']);
    expect(named).not.toHaveProperty('access-control-allow-credentials');
    const flight = byName(preflight('https://anyone.example', '/invoices', 'POST', any).headers);
    expect(flight['access-control-allow-origin']).toBe('*');
    expect(flight['access-control-max-age']).toBe('600');
    expect(flight['access-control-allow-headers']).toBe('authorization, content-type, idempotency-key, accept-language, x-correlation-id, traceparent, x-retry-count');
    expect(flight).not.toHaveProperty('access-control-allow-credentials');
  });

  it('cors: with credentials, answers to an allowed origin allow them, preflights included; others get no CORS header', () => {
    const withCredentials = corsFor(`{ origins: ['https://app.example'], credentials: true }`);
    expect(byName(simple('https://app.example', withCredentials).headers)['access-control-allow-credentials']).toBe('true');
    expect(byName(preflight('https://app.example', '/invoices', 'POST', withCredentials).headers)['access-control-allow-credentials']).toBe('true');
    expect(simple('https://evil.example', withCredentials).headers).toEqual(['vary', 'Origin']);
    expect(byName(preflight('https://evil.example', '/invoices', 'POST', withCredentials).headers)).toEqual({ vary: 'Origin', 'x-request-id': 'corr-1' });
  });

  it('cors: a listed origin and * together answer the listed one by name; credentials with * echo the origin', () => {
    const mixed = corsFor(`{ origins: ['https://app.example', '*'] }`);
    expect(byName(simple('https://app.example', mixed).headers)['access-control-allow-origin']).toBe('https://app.example');
    expect(byName(simple('https://other.example', mixed).headers)['access-control-allow-origin']).toBe('*');
    // `config check` refuses this config; the policy still never answers `*` with credentials.
    const settings = corsStage.settingsOf(configOf(`${base}cors: { origins: ['*'] }\n`));
    if (settings === undefined) throw new Error('cors is configured');
    const echo = corsStage.create({ ...settings, cors: { ...settings.cors, credentials: true } }, { routes });
    const named = byName(simple('https://other.example', echo).headers);
    expect(named['access-control-allow-origin']).toBe('https://other.example');
    expect(named['access-control-allow-credentials']).toBe('true');
  });

  it('cors: adds to the headers other stages set, never replaces them', () => {
    const ctx = policyContext({ url: '/orders/7', headers: { origin: 'https://app.example' } });
    ctx.responseHeaders.push('ratelimit', 'limit=10');
    expect(listed().handle(ctx)).toBeUndefined();
    expect(ctx.responseHeaders.slice(0, 2)).toEqual(['ratelimit', 'limit=10']);
    expect(byName(ctx.responseHeaders)['vary']).toBe('Origin');
  });
});
