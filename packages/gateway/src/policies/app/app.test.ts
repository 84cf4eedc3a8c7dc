import { describe, expect, it } from 'vitest';
import { configOf, policyContext } from '../../../test/helpers/policy-context.js';
import { nodeExchange } from '../../../test/helpers/node-exchange.js';
import type { PortierConfig, RouteConfig } from '../../config/config-types.js';
import { Admission, AppHandover } from '../../embed/app-handover.js';
import type { PortierRequest } from '../../embed/portier-request.js';
import type { CompiledRoute } from '../../pipeline/compiled-route.js';
import { configuredSpec } from '../../pipeline/compile-routes.js';
import { answered, type Decision } from '../../pipeline/policy.js';
import { RequestContext } from '../../pipeline/request-context.js';
import { appStage } from './index.js';

// Parsed per call, not when the file loads: what runs at import is invisible to mutation testing.
const configOfApp = () => configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
correlation: { header: X-Request-ID }
routes:
  - { id: profile, path: /profile, app: true }
  - { id: orders, path: /orders, upstream: app }
`);

function routeOf(routeId: string, config: PortierConfig = configOfApp()): RouteConfig {
  const route = config.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(routeId);
  return route;
}

function problemsOf(route: RouteConfig, from: PortierConfig = configOfApp()): { path: readonly (string | number)[]; message: string }[] {
  const problems: { path: readonly (string | number)[]; message: string }[] = [];
  appStage.checkRoute?.(route, 2, from, (path, message) => problems.push({ path, message }));
  return problems;
}

describe('app stage module', () => {
  it('app: answers only routes with app: true, by route id', () => {
    const config = configOfApp();
    expect(appStage.settingsOf(configuredSpec(routeOf('profile'), config), config)).toEqual({ routeId: 'profile' });
    expect(appStage.settingsOf(configuredSpec(routeOf('orders'), config), config)).toBeUndefined();
    expect(appStage.settingsOf({ ...configuredSpec(routeOf('profile'), config), config: undefined }, config)).toBeUndefined();
  });

  it('app: its one route code is internal_error (a route no handler answered)', () => {
    const config = configOfApp();
    expect(appStage.codes({ routeId: 'profile' }, config)).toEqual(['internal_error']);
    expect(appStage.emits).toEqual(['internal_error']);
  });

  it('app: config check wants exactly one answer per route; an app route may be async (the app registers its work)', () => {
    expect(problemsOf(routeOf('profile'))).toEqual([]);
    expect(problemsOf(routeOf('orders'))).toEqual([]);
    expect(problemsOf({ ...routeOf('profile'), upstream: 'app' })).toEqual([
      { path: ['routes', 2, 'app'], message: 'a route is answered by its upstream or by the app, not both: drop `upstream` or `app`' },
    ]);
    const withoutUpstream = { ...routeOf('orders') };
    delete withoutUpstream.upstream;
    expect(problemsOf(withoutUpstream)).toEqual([
      { path: ['routes', 2], message: 'the route has no answer: set `upstream` (an upstream serves it) or `app: true` (the app Portier is embedded in serves it)' },
    ]);
    expect(problemsOf({ ...routeOf('profile'), async: { deadline: '1h', forwardCredentials: false } })).toEqual([]);
  });

  it('app: without an app to hand over to (the gateway alone), the route cannot be created', () => {
    expect(() => appStage.create({ routeId: 'profile' }, undefined)).toThrow('route profile is answered by the app (`app: true`)');
  });

  it('app: the stage hands the request over and answers what the handover settles with', async () => {
    const seen: RequestContext[] = [];
    const outcomes: Decision[] = [answered, undefined];
    const terminal = appStage.create({ routeId: 'profile' }, { handOver: async (ctx) => (seen.push(ctx), outcomes.shift()) });
    expect(terminal.name).toBe('app');
    const ctx = policyContext();
    expect(await terminal.handle(ctx)).toBe(answered);
    expect(await terminal.handle(ctx)).toBeUndefined();
    expect(seen).toEqual([ctx, ctx]);
  });
});

describe('app handover', () => {
  /** An adapter's record of one request: counts what it was told. */
  class Recorded extends Admission {
    readonly entered: { portier: PortierRequest; body: Buffer | undefined }[] = [];
    answeredCount = 0;

    enterApp(portier: PortierRequest, body: Buffer | undefined): void {
      this.entered.push({ portier, body });
    }

    override answered(): void {
      this.answeredCount++;
    }
  }

  function handover() {
    return { bridge: new AppHandover('X-Request-ID') };
  }

  function nodeContext(shape: Parameters<typeof nodeExchange>[0] = {}) {
    const { req, res } = nodeExchange(shape);
    const ctx = new RequestContext(req, res, 0);
    ctx.correlationId = 'corr-1';
    ctx.route = { id: 'profile' } as unknown as CompiledRoute;
    return { ctx, req, res };
  }

  it('handover: rejects a request the adapter did not admit', async () => {
    const { bridge } = handover();
    const { ctx, req } = nodeContext();
    await expect(bridge.handOver(ctx)).rejects.toThrow('a request reached the app stage without being admitted by the adapter');
    expect(bridge.fail(req, new Error('late'))).toBe(false);
    expect(bridge.unanswered(req)).toBe(false);
  });

  it('handover: rejects a request that is not Node\'s (the app stage runs only under the adapters)', async () => {
    const { bridge } = handover();
    await expect(bridge.handOver(policyContext())).rejects.toThrow('the app stage runs only under the Express, Fastify and Hono adapters');
  });

  it('handover: an admitted request enters the app with the stages\' headers and what Portier knows, and settles when the response closes', async () => {
    const { bridge } = handover();
    const { ctx, req, res } = nodeContext({ method: 'POST', url: '/profile', headers: { 'content-type': 'application/json' } });
    ctx.responseHeaders.push('ratelimit', 'limit=10');
    ctx.warnings.push({ pointer: '/x', message: 'old', rule: 'deprecated' });
    ctx.body = Buffer.from('{"name":"Ada"}');
    // A name repeated in the list, or one the response had already, keeps every value.
    ctx.responseHeaders.push('vary', 'Origin', 'Vary', 'Accept', 'link', '<b>');
    res.setHeader('Link', '<a>');
    const admitted = new Recorded();
    bridge.admit(req, res, admitted);
    const settled = bridge.handOver(ctx);
    expect(admitted.phase).toBe('app');
    expect(res.getHeader('ratelimit')).toBe('limit=10');
    expect(res.getHeader('vary')).toEqual(['Origin', 'Accept']);
    expect(res.getHeader('link')).toEqual(['<a>', '<b>']);
    expect(res.getHeader('X-Request-ID')).toBe('corr-1');
    expect(JSON.parse(String(res.getHeader('x-portier-warnings')))).toHaveLength(1);
    expect(admitted.entered).toHaveLength(1);
    expect(admitted.entered[0]?.portier).toMatchObject({ routeId: 'profile', correlationId: 'corr-1', body: { name: 'Ada' } });
    expect(admitted.entered[0]?.body?.toString()).toBe('{"name":"Ada"}');
    // The connection closed (no socket here: the event a socket's close gives the response).
    res.emit('close');
    expect(await settled).toBe(answered);
    expect(ctx.upstreamStatus).toBeUndefined();
    // 'finish' after 'close' changes nothing; Portier's answer is not reported for a request the app had.
    res.emit('finish');
    expect(admitted.phase).toBe('over');
    expect(admitted.answeredCount).toBe(0);
    // Once settled, a failure is the framework's to handle.
    expect(bridge.fail(req, new Error('late'))).toBe(false);
    expect(bridge.unanswered(req)).toBe(false);
  });

  it('handover: a response that ends before the hand-over is Portier\'s answer, told once; the app stage then settles at once, the app not entered', async () => {
    const { bridge } = handover();
    const { ctx, req, res } = nodeContext();
    const admitted = new Recorded();
    bridge.admit(req, res, admitted);
    res.emit('finish');
    res.emit('close');
    expect(admitted.answeredCount).toBe(1);
    expect(await bridge.handOver(ctx)).toBe(answered);
    expect(admitted.entered).toEqual([]);
    expect(res.getHeader('X-Request-ID')).toBeUndefined();
    expect(bridge.fail(req, new Error('late'))).toBe(false);
  });

  it('handover: a failure the app reports while it has the request is the pipeline\'s to render; no handler answering is one too', async () => {
    const { bridge } = handover();
    const first = nodeContext();
    bridge.admit(first.req, first.res, new Recorded());
    const failing = bridge.handOver(first.ctx);
    const error = new Error('app broke');
    expect(bridge.fail(first.req, error)).toBe(true);
    await expect(failing).rejects.toBe(error);
    const second = nodeContext();
    bridge.admit(second.req, second.res, new Recorded());
    const unanswered = bridge.handOver(second.ctx);
    expect(bridge.unanswered(second.req)).toBe(true);
    await expect(unanswered).rejects.toThrow('route profile is answered by the app (`app: true`), but no handler of the app answered it');
  });
});
