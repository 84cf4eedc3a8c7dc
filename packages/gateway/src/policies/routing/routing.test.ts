import { describe, expect, it } from 'vitest';
import { configOf, policyContext } from '../../../test/helpers/policy-context.js';
import type { CompiledRoute } from '../../pipeline/compiled-route.js';
import type { PortierError } from '../../errors/portier-error.js';
import { RouteTable } from '../../routes/route-table.js';
import { routingStage } from './index.js';
import { pageSecurityHeaders } from '../../pages/page-assets.js';

const orders = { id: 'orders', path: '/orders/:orderId', methods: ['GET', 'DELETE'] } as unknown as CompiledRoute;
const routes = new RouteTable([{ path: orders.path, methods: orders.methods, target: orders }]);
const routing = routingStage.create({ headersUnder: [] }, { routes });

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
    expect(routingStage.settingsOf(config)).toEqual({ headersUnder: [] });
    expect(routingStage.codes({ headersUnder: [] }, config)).toEqual(['method_not_allowed']);
    const ctx = policyContext({ url: '/orders/42' });
    (ctx.req as { method: string | undefined }).method = undefined;
    expect(routing.handle(ctx)).toBeUndefined();
    expect(ctx.route).toBe(orders);
  });

  it('routing: a 404 or 405 under the portal carries the page headers (CSP, no framing), elsewhere not', () => {
    const underPortal = routingStage.create({ headersUnder: [{ prefix: '/portal', headers: pageSecurityHeaders }] }, { routes });
    const csp = pageSecurityHeaders['content-security-policy'];
    for (const url of ['/portal', '/portal/api/nope', '/portal/a/b']) {
      expect((underPortal.handle(policyContext({ url })) as PortierError).headers?.['content-security-policy'], url).toBe(csp);
    }
    expect((underPortal.handle(policyContext({ url: '/portalx' })) as PortierError).headers?.['content-security-policy']).toBeUndefined();
    const wrongMethod = underPortal.handle(policyContext({ method: 'POST', url: '/orders/42' })) as PortierError;
    expect(wrongMethod.headers).toEqual({ Allow: 'DELETE, GET, HEAD' });
    // A portal at the root: every path is under it.
    const atRoot = routingStage.create({ headersUnder: [{ prefix: '/', headers: pageSecurityHeaders }] }, { routes });
    for (const url of ['/', '/invoices', '/a/b']) {
      expect((atRoot.handle(policyContext({ url })) as PortierError).headers?.['content-security-policy'], url).toBe(csp);
    }
  });

  it('routing: the stage is named routing, as traces and the lifecycle list call it', () => {
    // Created here, not at import: what runs when the file loads is invisible to mutation testing.
    expect(routingStage.create({ headersUnder: [] }, { routes }).name).toBe('routing');
  });
});
