import { describe, expect, it } from 'vitest';
import { configOf, policyContext, recordingResponse } from '../../../test/helpers/policy-context.js';
import type { CompiledRoute } from '../../pipeline/compiled-route.js';
import { answered } from '../../pipeline/policy.js';
import type { PortierError } from '../../errors/portier-error.js';
import { RouteTable } from '../../routes/route-table.js';
import { corsStage } from '../cors/index.js';
import { routingStage } from './index.js';

const orders = { id: 'orders', path: '/orders/:orderId', methods: ['GET', 'DELETE'] } as unknown as CompiledRoute;
const routes = new RouteTable([{ path: orders.path, methods: orders.methods, target: orders }]);
const routing = routingStage.create(true, { routes });

describe('routing stage', () => {
  it('routing: picks the route and its path parameters', () => {
    const ctx = policyContext({ url: '/orders/42' });
    expect(routing.handle(ctx)).toBeUndefined();
    expect(ctx.route).toBe(orders);
    expect(ctx.params).toEqual({ orderId: '42' });
  });

  it('routing: a known path with another method is 405 method_not_allowed with Allow; an unknown path is 404 not_found', () => {
    const wrongMethod = routing.handle(policyContext({ method: 'POST', url: '/orders/42' }));
    expect((wrongMethod as PortierError).code).toBe('method_not_allowed');
    expect((wrongMethod as PortierError).headers).toEqual({ Allow: 'DELETE, GET, HEAD' });
    expect((routing.handle(policyContext({ url: '/invoices' })) as PortierError).code).toBe('not_found');
  });

  it('routing: its refusals name the method, the path and, for 405, the allowed methods', () => {
    expect((routing.handle(policyContext({ method: 'POST', url: '/orders/42' })) as PortierError).params).toEqual({ method: 'POST', path: '/orders/42', allowed: 'DELETE, GET, HEAD' });
    expect((routing.handle(policyContext({ method: 'PUT', url: '/invoices' })) as PortierError).params).toEqual({ method: 'PUT', path: '/invoices' });
  });

  it('routing: runs on every request, a request without a method is matched as GET, and only 405 is a route code', () => {
    const config = configOf(`upstreams: { app: { url: 'http://127.0.0.1:9' } }\nroutes: [{ id: open, path: /open, upstream: app }]`);
    expect(routingStage.settingsOf(config)).toBe(true);
    expect(routingStage.codes(true, config)).toEqual(['method_not_allowed']);
    const ctx = policyContext({ url: '/orders/42' });
    (ctx.req as { method: string | undefined }).method = undefined;
    expect(routing.handle(ctx)).toBeUndefined();
    expect(ctx.route).toBe(orders);
  });
});

describe('cors stage', () => {
  const config = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
cors: { origins: ['https://app.example'] }
routes: [{ id: open, path: /open, upstream: app }]
`);
  const settings = corsStage.settingsOf(config);
  if (settings === undefined) throw new Error('cors is configured');
  const cors = corsStage.create(settings, { routes });

  it('cors: is left out without a cors section', () => {
    expect(corsStage.settingsOf(configOf(`upstreams: { app: { url: 'http://127.0.0.1:9' } }\nroutes: [{ id: open, path: /open, upstream: app }]`))).toBeUndefined();
  });

  it('cors: answers a preflight itself, 204 with the methods the path accepts', () => {
    const { res, written } = recordingResponse();
    const ctx = policyContext({ method: 'OPTIONS', url: '/orders/7', headers: { origin: 'https://app.example', 'access-control-request-method': 'DELETE' } }, res);
    expect(cors.handle(ctx)).toBe(answered);
    const { status, headers, ended } = written();
    expect(status).toBe(204);
    expect(headers[headers.indexOf('access-control-allow-methods') + 1]).toBe('DELETE, GET, HEAD');
    expect(headers[headers.indexOf('access-control-allow-origin') + 1]).toBe('https://app.example');
    expect(ended).toBe(true);
  });

  it('cors: adds its headers to the answer for an allowed origin only, and lets the request go on', () => {
    const allowed = policyContext({ url: '/orders/7', headers: { origin: 'https://app.example' } });
    expect(cors.handle(allowed)).toBeUndefined();
    expect(allowed.responseHeaders).toContain('https://app.example');
    const other = policyContext({ url: '/orders/7', headers: { origin: 'https://evil.example' } });
    expect(cors.handle(other)).toBeUndefined();
    expect(other.responseHeaders).toEqual([]);
  });
});
