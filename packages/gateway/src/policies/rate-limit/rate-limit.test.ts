import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { configOf, policyContext, recordingResponse } from '../../../test/helpers/policy-context.js';
import type { KeyEntry } from '../../accounts/key-directory.js';
import type { PortierConfig } from '../../config/config-types.js';
import { Tracing } from '../../tracing/tracing.js';
import { configuredSpec } from '../../pipeline/compile-routes.js';
import { PortierError } from '../../errors/portier-error.js';
import type { Decision } from '../../pipeline/policy.js';
import { rateLimitStage, type RateLimitSettings } from './index.js';
import { isKnownTimeZone } from './is-known-time-zone.js';
import { compileLimit, compileRouteLimits } from './compile-limits.js';
import { describeUsage } from './describe-usage.js';
import { boundUsageParams, createUsageTerminal } from './usage-terminal.js';
import { LocalCounters, type CompiledLimit, type LimitCheck } from './local-counters.js';
import { localBackend, RedisBackend, type CounterAnswer, type CounterBackend } from './shared-counters.js';
import { RedisCounters } from './redis-counters.js';

const config = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
routes:
  - id: search
    path: /search
    upstream: app
    limits: [{ name: minute, limit: 2, per: minute, by: [ip] }]
  - { id: open, path: /open, upstream: app }
`);

function stageFor(routeId: string, now: { value: number }) {
  const route = config.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(routeId);
  const settings = rateLimitStage.settingsOf(configuredSpec(route, config), config);
  if (settings === undefined) return undefined;
  return rateLimitStage.create(settings, { counters: localBackend(new LocalCounters()), clock: { now: () => now.value } });
}

async function decide(policy: NonNullable<ReturnType<typeof stageFor>>, ip: string): Promise<Decision> {
  return policy.handle(policyContext({ url: '/search', remoteAddress: ip }));
}

describe('rate-limit policy', () => {
  it('rate-limit: is left out of a route where no limit can apply', () => {
    expect(stageFor('open', { value: 0 })).toBeUndefined();
  });

  it('rate-limit: admits the limit per subject, then answers 429 rate_limited with Retry-After, and each caller has its own counter', async () => {
    const now = { value: Date.UTC(2026, 11, 2, 10, 0, 0) };
    const policy = stageFor('search', now);
    if (policy === undefined) throw new Error('the route has a limit');
    expect(await decide(policy, '10.0.0.1')).toBeUndefined();
    expect(await decide(policy, '10.0.0.1')).toBeUndefined();
    const refused = await decide(policy, '10.0.0.1');
    expect(refused).toBeInstanceOf(PortierError);
    expect((refused as PortierError).code).toBe('rate_limited');
    expect(Number((refused as PortierError).headers?.['Retry-After'])).toBeGreaterThan(0);
    expect(await decide(policy, '10.0.0.2')).toBeUndefined();
  });

  it('rate-limit: a window that has passed admits again', async () => {
    const now = { value: Date.UTC(2026, 11, 2, 10, 0, 0) };
    const policy = stageFor('search', now);
    if (policy === undefined) throw new Error('the route has a limit');
    await decide(policy, '10.0.0.1');
    await decide(policy, '10.0.0.1');
    expect(await decide(policy, '10.0.0.1')).toBeInstanceOf(PortierError);
    now.value += 2 * 60_000;
    expect(await decide(policy, '10.0.0.1')).toBeUndefined();
  });

  it('rate-limit: documents rate_limited only where it runs', () => {
    const route = config.routes[0];
    if (route === undefined) throw new Error('search');
    const settings = rateLimitStage.settingsOf(configuredSpec(route, config), config);
    if (settings === undefined) throw new Error('the route has a limit');
    expect(rateLimitStage.codes(settings, config)).toEqual(['rate_limited']);
  });
});

const planConfig = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
auth: { instance: eu1, store: { sqlitePath: ':memory:' } }
plans:
  free:
    limits:
      - { name: day, limit: 100, per: day, algorithm: fixed, by: [account] }
      - { name: minute, limit: 50, per: minute, by: [account] }
      - { name: per-base, limit: 7, per: minute, by: ['param:base'] }
  pro: {}
routes:
  - id: rows
    path: /bases/:base/rows
    upstream: app
    auth: {}
    cost: 3
    limits: [{ name: minute, limit: 10, per: minute, by: [key, account, route] }]
  - { id: plain, path: /plain, upstream: app, auth: {} }
  - { id: public, path: /public, upstream: app, limits: [{ name: burst, limit: 4, per: 10s, by: [ip] }] }
`);

function keyEntry(plan: string): KeyEntry {
  return {
    key: { id: 'key1', accountId: 'acc1', name: 'k', scopes: [], bindings: [], hash: Buffer.alloc(32), status: 'active', createdAt: 0, lastUsedAt: undefined, expiresAt: undefined, revokedAt: undefined, rotatedAt: undefined, graceUntil: undefined, replacedBy: undefined },
    account: { id: 'acc1', name: 'a', plan, status: 'active', createdAt: 0, planSince: 0 },
  };
}

function settingsIn(from: PortierConfig, routeId: string): RateLimitSettings | undefined {
  const route = from.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(routeId);
  return rateLimitStage.settingsOf(configuredSpec(route, from), from);
}

/** A backend that records what it is asked and answers what the test says. */
function recordingBackend(answer: (checks: readonly LimitCheck[], cost: number) => CounterAnswer | Promise<CounterAnswer>) {
  const asked: { keys: string[]; cost: number; now: number }[] = [];
  const backend: CounterBackend = {
    decide: (checks, cost, now) => {
      asked.push({ keys: checks.map((check) => check.counterKey), cost, now });
      return answer(checks, cost);
    },
    status: () => ({ store: 'local', available: true, fallbackDecisions: 0, trackedLocalCounters: 0 }),
  };
  return { backend, asked };
}

const t0 = Date.UTC(2026, 11, 2, 10, 0, 0);

describe('rate-limit policy: limits, subjects and headers', () => {
  it('rate-limit: a route limit counts per route and per key, a plan limit per plan, with the route\'s cost', async () => {
    const settings = settingsIn(planConfig, 'rows');
    if (settings === undefined) throw new Error('the route has limits');
    expect(settings.cost).toBe(3);
    const { backend, asked } = recordingBackend((checks) => new LocalCounters().decide(checks, 3, t0));
    const policy = rateLimitStage.create(settings, { counters: backend, clock: { now: () => t0 } });
    expect(policy.name).toBe('rate-limit');
    const ctx = policyContext({ url: '/bases/b1/rows' });
    ctx.auth = keyEntry('free');
    ctx.params = { base: 'b1' };
    expect(await policy.handle(ctx)).toBeUndefined();
    expect(asked).toEqual([{ keys: ['r:rows:minute|key1|acc1|rows', 'p:free:day|acc1', 'p:free:per-base|b1'], cost: 3, now: t0 }]);
    // The plan's `minute` is replaced by the route's; the tightest relative to its limit is per-base (4/7 left).
    expect(ctx.responseHeaders).toEqual(['ratelimit-policy', '"minute";q=10;w=60, "day";q=100;w=86400, "per-base";q=7;w=60', 'ratelimit', '"per-base";r=4;t=60']);
  });

  it('rate-limit: without a key, or on a plan without limits, the route\'s own limits apply with their policy header', async () => {
    const settings = settingsIn(planConfig, 'rows');
    if (settings === undefined) throw new Error('the route has limits');
    const { backend, asked } = recordingBackend((checks) => new LocalCounters().decide(checks, 3, t0 + 30_500));
    const policy = rateLimitStage.create(settings, { counters: backend, clock: { now: () => t0 + 30_500 } });
    const anonymous = policyContext({ url: '/bases/b1/rows' });
    expect(await policy.handle(anonymous)).toBeUndefined();
    const pro = policyContext({ url: '/bases/b1/rows' });
    pro.auth = keyEntry('pro');
    expect(await policy.handle(pro)).toBeUndefined();
    const gone = policyContext({ url: '/bases/b1/rows' });
    gone.auth = keyEntry('gone');
    expect(await policy.handle(gone)).toBeUndefined();
    expect(asked.map((call) => call.keys)).toEqual([['r:rows:minute|-|-|rows'], ['r:rows:minute|key1|acc1|rows'], ['r:rows:minute|key1|acc1|rows']]);
    // 29.5 s to the end of the minute: rounded up.
    for (const ctx of [anonymous, pro, gone]) expect(ctx.responseHeaders).toEqual(['ratelimit-policy', '"minute";q=10;w=60', 'ratelimit', '"minute";r=7;t=30']);
  });

  it('rate-limit: a plan without route limits applies alone on a keyed route, and nothing applies without a key', async () => {
    const settings = settingsIn(planConfig, 'plain');
    if (settings === undefined) throw new Error('the plan has limits');
    const { backend, asked } = recordingBackend((checks) => new LocalCounters().decide(checks, 1, t0));
    const policy = rateLimitStage.create(settings, { counters: backend, clock: { now: () => t0 } });
    expect(await policy.handle(policyContext({ url: '/plain' }))).toBeUndefined();
    expect(asked).toEqual([]);
    const ctx = policyContext({ url: '/plain' });
    ctx.auth = keyEntry('free');
    expect(await policy.handle(ctx)).toBeUndefined();
    // per-base counts by a parameter /plain does not have: left out.
    expect(asked.map((call) => call.keys)).toEqual([['p:free:day|acc1', 'p:free:minute|acc1']]);
    expect(ctx.responseHeaders).toEqual(['ratelimit-policy', '"day";q=100;w=86400, "minute";q=50;w=60', 'ratelimit', '"minute";r=49;t=60']);
  });

  it('rate-limit: counts by the caller\'s address or a route parameter, and by a missing one as "-"', async () => {
    const settings = settingsIn(planConfig, 'public');
    if (settings === undefined) throw new Error('the route has limits');
    const { backend, asked } = recordingBackend((checks) => new LocalCounters().decide(checks, 1, t0));
    const policy = rateLimitStage.create(settings, { counters: backend, clock: { now: () => t0 } });
    await policy.handle(policyContext({ url: '/public', remoteAddress: '10.1.1.1' }));
    const gone = policyContext({ url: '/public' });
    Object.assign(gone.req.socket, { remoteAddress: undefined });
    await policy.handle(gone);
    expect(asked.map((call) => call.keys)).toEqual([['r:public:burst|10.1.1.1'], ['r:public:burst|-']]);
    const rows = settingsIn(planConfig, 'rows');
    if (rows === undefined) throw new Error('the route has limits');
    const recorded = recordingBackend((checks) => new LocalCounters().decide(checks, 1, t0));
    const withoutParam = policyContext();
    withoutParam.auth = keyEntry('free');
    await rateLimitStage.create(rows, { counters: recorded.backend, clock: { now: () => t0 } }).handle(withoutParam);
    expect(recorded.asked[0]?.keys).toContain('p:free:per-base|-');
  });

  it('rate-limit: X-RateLimit-* and X-Rate-Limit-* headers, each alone or both, with the reset as epoch seconds', async () => {
    const cases: [string, string[]][] = [
      ['[x-ratelimit]', ['x-ratelimit-limit', '2', 'x-ratelimit-remaining', '1', 'x-ratelimit-reset', String(t0 / 1000 + 60)]],
      ['[x-rate-limit]', ['x-rate-limit-limit', '2', 'x-rate-limit-remaining', '1', 'x-rate-limit-reset', String(t0 / 1000 + 60)]],
      [
        '[x-ratelimit, x-rate-limit]',
        ['x-ratelimit-limit', '2', 'x-ratelimit-remaining', '1', 'x-ratelimit-reset', String(t0 / 1000 + 60), 'x-rate-limit-limit', '2', 'x-rate-limit-remaining', '1', 'x-rate-limit-reset', String(t0 / 1000 + 60)],
      ],
      ['[]', []],
    ];
    for (const [headers, expected] of cases) {
      const withHeaders = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
rateLimits: { headers: ${headers} }
routes: [{ id: search, path: /search, upstream: app, limits: [{ name: minute, limit: 2, per: minute, by: [ip] }] }]
`);
      const settings = settingsIn(withHeaders, 'search');
      if (settings === undefined) throw new Error('the route has limits');
      const policy = rateLimitStage.create(settings, { counters: localBackend(new LocalCounters()), clock: { now: () => t0 + 100 } });
      const ctx = policyContext({ url: '/search' });
      expect(await policy.handle(ctx)).toBeUndefined();
      expect(ctx.responseHeaders, headers).toEqual(expected);
    }
  });

  it('rate-limit: a refusal names the limit, its window and the wait in whole seconds (at least one), also in Retry-After', async () => {
    const settings = settingsIn(planConfig, 'public');
    if (settings === undefined) throw new Error('the route has limits');
    const waits: [number, string][] = [
      [2001, '3'],
      [2000, '2'],
      [1, '1'],
      [0, '1'],
    ];
    for (const [retryAfterMs, seconds] of waits) {
      const { backend } = recordingBackend((checks) => ({ admitted: false, states: [{ limit: checks[0]?.limit as CompiledLimit, remaining: 0, resetAt: t0 + 10_000 }], rejectedBy: checks[0]?.limit as CompiledLimit, retryAfterMs }));
      const ctx = policyContext({ url: '/public' });
      const refused = await rateLimitStage.create(settings, { counters: backend, clock: { now: () => t0 } }).handle(ctx);
      expect(refused).toBeInstanceOf(PortierError);
      expect((refused as PortierError).code).toBe('rate_limited');
      expect((refused as PortierError).params).toEqual({ limit: 4, window: '10s', name: 'burst', retryAfter: Number(seconds) });
      expect((refused as PortierError).headers).toEqual({ 'Retry-After': seconds });
      expect(ctx.responseHeaders).toEqual(['ratelimit-policy', '"burst";q=4;w=10', 'ratelimit', '"burst";r=0;t=10']);
    }
  });

  it('rate-limit: a reset already past is reported as 0 seconds away', async () => {
    const settings = settingsIn(planConfig, 'public');
    if (settings === undefined) throw new Error('the route has limits');
    const { backend } = recordingBackend((checks) => ({ admitted: true, states: [{ limit: checks[0]?.limit as CompiledLimit, remaining: 3, resetAt: t0 - 5000 }] }));
    const ctx = policyContext({ url: '/public' });
    expect(await rateLimitStage.create(settings, { counters: backend, clock: { now: () => t0 } }).handle(ctx)).toBeUndefined();
    expect(ctx.responseHeaders[3]).toBe('"burst";r=3;t=0');
  });

  it('rate-limit: a store that cannot count for a closed limit is 503 rate_limiter_unavailable with the configured Retry-After, and no headers', async () => {
    const withRedis = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
rateLimits: { redis: { url: 'redis://127.0.0.1:9', retryAfterSeconds: 7 } }
routes: [{ id: search, path: /search, upstream: app, limits: [{ name: minute, limit: 2, per: minute, by: [ip], whenStoreDown: closed }] }]
`);
    const settings = settingsIn(withRedis, 'search');
    if (settings === undefined) throw new Error('the route has limits');
    expect(settings.unavailableRetryAfterSeconds).toBe(7);
    expect(settingsIn(planConfig, 'public')?.unavailableRetryAfterSeconds).toBe(5);
    const { backend } = recordingBackend(() => ({ unavailable: true }));
    const ctx = policyContext({ url: '/search' });
    const refused = await rateLimitStage.create(settings, { counters: backend, clock: { now: () => t0 } }).handle(ctx);
    expect(refused).toBeInstanceOf(PortierError);
    expect((refused as PortierError).code).toBe('rate_limiter_unavailable');
    expect((refused as PortierError).headers).toEqual({ 'Retry-After': '7' });
    expect(ctx.responseHeaders).toEqual([]);
  });

  it('rate-limit: an answer that comes later (the shared store) is a store span saying whether the request was admitted', async () => {
    const spans: ReadableSpan[] = [];
    const exporter: SpanExporter = {
      export: (batch, done) => {
        spans.push(...batch);
        done({ code: 0 });
      },
      shutdown: async () => undefined,
    };
    const tracing = new Tracing({ ...planConfig.tracing, enabled: true, sampleRatio: 1 }, pino({ level: 'silent' }), exporter);
    const settings = settingsIn(planConfig, 'public');
    if (settings === undefined) throw new Error('the route has limits');
    const counters = new LocalCounters();
    const answers: ((checks: readonly LimitCheck[]) => CounterAnswer)[] = [(checks) => counters.decide(checks, 4, t0), (checks) => counters.decide(checks, 1, t0), () => ({ unavailable: true })];
    const expected = [undefined, 'rate_limited', 'rate_limiter_unavailable'];
    for (const [index, answer] of answers.entries()) {
      const { backend } = recordingBackend(async (checks) => answer(checks));
      const ctx = policyContext({ url: '/public' });
      ctx.trace = tracing.startRequest(ctx.req);
      const decision = await rateLimitStage.create(settings, { counters: backend, clock: { now: () => t0 } }).handle(ctx);
      ctx.trace.span.end();
      expect((decision as PortierError | undefined)?.code).toBe(expected[index]);
    }
    await tracing.shutdown();
    const decisions = spans.filter((span) => span.name === 'rate-limit decision').map((span) => span.attributes);
    expect(decisions).toEqual([
      { 'db.system.name': 'redis', 'db.operation.name': 'EVALSHA', 'portier.rate_limit.admitted': true },
      { 'db.system.name': 'redis', 'db.operation.name': 'EVALSHA', 'portier.rate_limit.admitted': false },
      { 'db.system.name': 'redis', 'db.operation.name': 'EVALSHA', 'portier.rate_limit.admitted': false },
    ]);
  });
});

describe('rate-limit stage: config', () => {
  it('rate-limit: a built-in route that opts out of limits gets no stage; rate_limiter_unavailable only with Redis and a closed limit', () => {
    const route = planConfig.routes[0];
    if (route === undefined) throw new Error('rows');
    expect(rateLimitStage.settingsOf({ ...configuredSpec(route, planConfig), keyed: { limits: false } } as never, planConfig)).toBeUndefined();
    const closed = (redis: string) =>
      configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
auth: { instance: eu1, store: { sqlitePath: ':memory:' } }
${redis}
plans: { free: { limits: [{ name: day, limit: 5, per: day, whenStoreDown: closed }] } }
routes:
  - { id: a, path: /a, upstream: app, auth: {}, limits: [{ name: minute, limit: 2, per: minute, by: [key], whenStoreDown: open }] }
  - { id: b, path: /b, upstream: app, limits: [{ name: minute, limit: 2, per: minute, by: [ip], whenStoreDown: closed }] }
  - { id: c, path: /c, upstream: app, limits: [{ name: minute, limit: 2, per: minute, by: [ip], whenStoreDown: local }] }
`);
    const codesOf = (from: PortierConfig, id: string) => rateLimitStage.codes(settingsIn(from, id) as RateLimitSettings, from);
    const withRedis = closed("rateLimits: { redis: { url: 'redis://127.0.0.1:9' } }");
    expect(codesOf(withRedis, 'a')).toEqual(['rate_limited', 'rate_limiter_unavailable']);
    expect(codesOf(withRedis, 'b')).toEqual(['rate_limited', 'rate_limiter_unavailable']);
    expect(codesOf(withRedis, 'c')).toEqual(['rate_limited']);
    expect(codesOf(closed(''), 'b')).toEqual(['rate_limited']);
  });

  it('rate-limit: a route without its own config (a built-in one) gets its callers\' plan limits at cost 1; only keyed routes get plan limits', () => {
    const plain = planConfig.routes[1];
    const open = planConfig.routes[2];
    if (plain === undefined || open === undefined) throw new Error('routes');
    const builtIn = rateLimitStage.settingsOf({ ...configuredSpec(plain, planConfig), config: undefined }, planConfig);
    expect(builtIn?.cost).toBe(1);
    expect([...(builtIn?.limits.byPlan.keys() ?? [])]).toEqual(['free']);
    expect(builtIn?.limits.withoutPlan).toEqual([]);
    const anonymous = compileRouteLimits({ id: open.id, path: open.path, limits: open.limits, auth: undefined }, planConfig);
    expect(anonymous?.byPlan.size).toBe(0);
    expect([...(anonymous?.policyHeader ?? [])]).toEqual([['', '"burst";q=4;w=10']]);
  });

  it('rate-limit: with Redis and replicas, each limit\'s local fallback is its share', () => {
    const replicated = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
rateLimits: { redis: { url: 'redis://127.0.0.1:9', replicas: 3 } }
routes: [{ id: search, path: /search, upstream: app, limits: [{ name: minute, limit: 10, per: minute, by: [ip] }] }]
`);
    const limit = settingsIn(replicated, 'search')?.limits.withoutPlan[0]?.limit;
    expect(limit?.limit).toBe(10);
    expect(limit?.localFallback?.limit).toBe(3);
    expect(settingsIn(planConfig, 'public')?.limits.withoutPlan[0]?.limit.localFallback?.limit).toBe(4);
  });

  it('rate-limit: config checks refuse key or account counts without auth, a parameter the path lacks and an unknown time zone', () => {
    const problems: string[] = [];
    const report = (path: readonly (string | number)[], message: string) => problems.push(`${path.join('.')}: ${message}`);
    const route = {
      ...(config.routes[0] as (typeof config.routes)[number]),
      path: '/search/:id',
      limits: [
        { name: 'a', limit: 1, per: 'minute', algorithm: 'sliding', timeZone: 'UTC', whenStoreDown: 'local', by: ['key', 'account', 'ip', 'route', 'param:id', 'param:other'] },
        { name: 'b', limit: 1, per: 'day', algorithm: 'fixed', timeZone: 'Mars/Olympus', whenStoreDown: 'local', by: ['ip'] },
      ],
    } as (typeof config.routes)[number];
    rateLimitStage.checkRoute?.(route, 3, config, report);
    expect(problems).toEqual([
      'routes.3.limits.0.by: "key" needs route auth: without a key every caller would share one counter',
      'routes.3.limits.0.by: "account" needs route auth: without a key every caller would share one counter',
      'routes.3.limits.0.by: the path has no parameter ":other"',
      'routes.3.limits.1.timeZone: unknown time zone "Mars/Olympus"',
    ]);
    problems.length = 0;
    rateLimitStage.checkRoute?.({ ...route, auth: { required: true, scopes: [] } } as never, 3, config, report);
    expect(problems).toEqual(['routes.3.limits.0.by: the path has no parameter ":other"', 'routes.3.limits.1.timeZone: unknown time zone "Mars/Olympus"']);
    problems.length = 0;
    rateLimitStage.checkRoute?.(config.routes[1] as (typeof config.routes)[number], 1, config, report);
    const plans = { free: { limits: [route.limits?.[0], route.limits?.[1]] }, pro: {} };
    rateLimitStage.checkConfig?.({ ...config, plans } as never, report);
    expect(problems).toEqual(['plans.free.limits.1.timeZone: unknown time zone "Mars/Olympus"']);
    expect(isKnownTimeZone('Europe/Paris')).toBe(true);
  });
});

describe('rate-limit usage', () => {
  const usageConfig = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
auth: { instance: eu1, store: { sqlitePath: ':memory:' } }
rateLimits: { usagePath: /usage }
plans:
  free:
    limits:
      - { name: day, limit: 100, per: day, algorithm: fixed, by: [account] }
      - { name: per-key, limit: 20, per: minute, by: [key] }
      - { name: per-base, limit: 7, per: minute, by: ['param:base', ip] }
      - { name: per-route, limit: 9, per: minute, by: [route] }
      - { name: per-doc, limit: 3, per: minute, by: ['param:doc'] }
  pro: {}
routes:
  - { id: rows, path: /bases/:base/rows, upstream: app, auth: { bindTo: base } }
  - { id: docs, path: /docs/:doc, upstream: app, auth: {} }
`);

  it('usage: each plan limit for every subject the request names, read without counting', async () => {
    const counters = new LocalCounters();
    const backend = localBackend(counters);
    const account = keyEntry('free').account;
    const base = { name: 'day', limit: 100, per: 'day', algorithm: 'fixed', timeZone: 'UTC', whenStoreDown: 'local', by: ['account'] } as const;
    counters.decide([{ limit: compileLimit(base), counterKey: 'p:free:day|acc1' }], 30, t0);
    const request = { account, keyIds: ['k1', 'k2'], params: { base: 'b1' }, ip: '10.0.0.9' };
    const usage = await describeUsage(usageConfig, backend, request, t0 + 1000);
    expect(usage).toEqual([
      { name: 'day', limit: 100, window: 'day', subject: { account: 'acc1' }, remaining: 70, used: 30, resetAt: '2026-12-03T00:00:00.000Z' },
      { name: 'per-key', limit: 20, window: 'minute', subject: { key: 'k1' }, remaining: 20, used: 0, resetAt: '2026-12-02T10:01:00.000Z' },
      { name: 'per-key', limit: 20, window: 'minute', subject: { key: 'k2' }, remaining: 20, used: 0, resetAt: '2026-12-02T10:01:00.000Z' },
      { name: 'per-base', limit: 7, window: 'minute', subject: { 'param:base': 'b1', ip: '10.0.0.9' }, remaining: 7, used: 0, resetAt: '2026-12-02T10:01:00.000Z' },
    ]);
    // Reading used nothing.
    expect((await describeUsage(usageConfig, backend, request, t0 + 1000))[0]?.remaining).toBe(70);
    // Without an address, the limits counting by it are left out; so is a plan without limits.
    expect((await describeUsage(usageConfig, backend, { ...request, ip: undefined, keyIds: [] }, t0)).map((entry) => entry.name)).toEqual(['day']);
    expect(await describeUsage(usageConfig, backend, { ...request, account: { ...account, plan: 'pro' } }, t0)).toEqual([]);
    expect(await describeUsage(usageConfig, backend, { ...request, account: { ...account, plan: 'gone' } }, t0)).toEqual([]);
  });

  it('usage: a counter store that cannot answer leaves the figures null', async () => {
    const { backend, asked } = recordingBackend(async () => ({ unavailable: true }));
    const usage = await describeUsage(usageConfig, backend, { account: keyEntry('free').account, keyIds: [], params: {}, ip: undefined }, t0);
    expect(usage).toEqual([{ name: 'day', limit: 100, window: 'day', subject: { account: 'acc1' }, remaining: null, used: null, resetAt: null }]);
    expect(asked).toEqual([{ keys: ['p:free:day|acc1'], cost: 0, now: t0 }]);
  });

  it('usage route: answers the caller\'s account, plan and limits as JSON with the stages\' headers', async () => {
    const terminal = createUsageTerminal(usageConfig, localBackend(new LocalCounters()), { now: () => t0 });
    expect(terminal.name).toBe('rate-limit-usage');
    const { res, written } = recordingResponse();
    const ctx = policyContext({ url: '/usage?base=b1', remoteAddress: '10.0.0.9' }, res);
    ctx.auth = keyEntry('free');
    ctx.responseHeaders.push('ratelimit', 'x');
    expect(await terminal.handle(ctx)).toBeUndefined();
    const answer = written();
    expect(answer.status).toBe(200);
    expect(answer.headers).toContain(usageConfig.correlation.header);
    expect(answer.headers.slice(-2)).toEqual(['ratelimit', 'x']);
    const body = JSON.parse(answer.body.toString()) as { account: string; plan: string; limits: { name: string; subject: unknown }[] };
    expect(body.account).toBe('acc1');
    expect(body.plan).toBe('free');
    expect(body.limits.map((entry) => [entry.name, entry.subject])).toEqual([
      ['day', { account: 'acc1' }],
      ['per-key', { key: 'key1' }],
      ['per-base', { 'param:base': 'b1', ip: '10.0.0.9' }],
    ]);
  });

  it('usage route: a bound key naming another resource is 403 key_not_bound; its own, or a parameter no route binds, is answered', async () => {
    expect([...boundUsageParams(usageConfig)]).toEqual(['base']);
    const terminal = createUsageTerminal(usageConfig, localBackend(new LocalCounters()), { now: () => t0 });
    const bound = keyEntry('free');
    const entry = { ...bound, key: { ...bound.key, bindings: ['b1'] } };
    const other = policyContext({ url: '/usage?base=b2' });
    other.auth = entry;
    const refused = await terminal.handle(other);
    expect(refused).toBeInstanceOf(PortierError);
    expect((refused as PortierError).code).toBe('key_not_bound');
    expect((refused as PortierError).params).toEqual({ param: 'base', value: 'b2' });
    for (const url of ['/usage?base=b1', '/usage', '/usage?doc=d9']) {
      const { res, written } = recordingResponse();
      const ctx = policyContext({ url }, res);
      ctx.auth = entry;
      expect(await terminal.handle(ctx), url).toBeUndefined();
      expect(written().status).toBe(200);
    }
    // An unbound key may read any resource's counters.
    const { res, written } = recordingResponse();
    const unbound = policyContext({ url: '/usage?base=b2' }, res);
    unbound.auth = bound;
    expect(await terminal.handle(unbound)).toBeUndefined();
    expect(written().status).toBe(200);
  });

  it('usage route: runs only after api-key-auth', async () => {
    const terminal = createUsageTerminal(usageConfig, localBackend(new LocalCounters()), { now: () => t0 });
    await expect(terminal.handle(policyContext({ url: '/usage' }))).rejects.toThrow('the usage route runs after api-key-auth');
  });
});

describe('rate-limit store down', () => {
  it('rate-limit: while the shared store is down, each limit does what whenStoreDown says, and the status counts it', async () => {
    // A real client to a port nothing listens on: never ready, so every decision is the fallback's.
    const redis = new RedisCounters({ url: 'redis://127.0.0.1:9', timeoutMs: 1000, keyPrefix: 'unused:', cluster: false, replicas: 2, retryAfterSeconds: 5 });
    try {
      const local = new LocalCounters();
      const backend = new RedisBackend(redis, local, pino({ level: 'silent' }));
      const limitOf = (whenStoreDown: 'open' | 'closed' | 'local', count = 4) =>
        compileLimit({ name: whenStoreDown, limit: count, per: 'minute', algorithm: 'fixed', timeZone: 'UTC', whenStoreDown, by: ['ip'] }, 2);
      const open = { limit: limitOf('open'), counterKey: 'o' };
      const counted = { limit: limitOf('local'), counterKey: 'l' };
      const closed = { limit: limitOf('closed'), counterKey: 'c' };
      expect(backend.status()).toEqual({ store: 'redis', available: false, fallbackDecisions: 0, trackedLocalCounters: 0 });
      expect(await backend.decide([open, closed], 1, t0)).toEqual({ unavailable: true });
      // `local` counts with its share of the limit (4 over 2 replicas); `open` is not counted at all.
      const first = await backend.decide([open, counted], 1, t0);
      expect(first).toEqual({ admitted: true, states: [{ limit: counted.limit.localFallback, remaining: 1, resetAt: t0 + 60_000 }] });
      expect(await backend.decide([open, counted], 1, t0)).toMatchObject({ admitted: true });
      expect(await backend.decide([open, counted], 1, t0)).toMatchObject({ admitted: false, rejectedBy: counted.limit.localFallback });
      expect(await backend.decide([open], 1, t0)).toEqual({ admitted: true, states: [] });
      // A limit compiled without a fallback share counts with its own limit.
      // (A share is such a limit: 2 over 2 replicas is 1.)
      const share = limitOf('local', 2).localFallback;
      if (share === undefined || share.localFallback !== undefined) throw new Error('a share has no share of its own');
      const bare = { limit: share, counterKey: 'b' };
      expect(await backend.decide([bare], 1, t0)).toMatchObject({ admitted: true });
      expect(await backend.decide([bare], 1, t0)).toMatchObject({ admitted: false });
      expect(backend.status()).toEqual({ store: 'redis', available: false, fallbackDecisions: 7, trackedLocalCounters: 2 });
      expect(localBackend(local).status()).toEqual({ store: 'local', available: true, fallbackDecisions: 0, trackedLocalCounters: 2 });
    } finally {
      void redis.close();
    }
  });
});

describe('rate-limit: what the headers report and which limits apply', () => {
  const twoLimits = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
auth: { instance: eu1, store: { sqlitePath: ':memory:' } }
plans:
  free:
    limits:
      - { name: key-base, limit: 5, per: minute, by: [key, 'param:base'] }
      - { name: per-key, limit: 6, per: minute, by: [key] }
routes:
  - { id: two, path: /two, upstream: app, limits: [{ name: a, limit: 10, per: minute, by: [ip] }, { name: b, limit: 100, per: minute, by: [ip] }] }
  - { id: keyed, path: /keyed, upstream: app, auth: {} }
`);

  async function headersFor(remaining: readonly number[]): Promise<string[]> {
    const settings = settingsIn(twoLimits, 'two');
    if (settings === undefined) throw new Error('the route has limits');
    const { backend } = recordingBackend((checks) => ({ admitted: true, states: checks.map((check, i) => ({ limit: check.limit, remaining: remaining[i] as number, resetAt: t0 + 60_000 })) }));
    const ctx = policyContext({ url: '/two' });
    expect(await rateLimitStage.create(settings, { counters: backend, clock: { now: () => t0 } }).handle(ctx)).toBeUndefined();
    return ctx.responseHeaders;
  }

  it('rate-limit: the RateLimit header names the limit with the least room relative to its limit, the first of equals', async () => {
    expect((await headersFor([2, 50]))[3]).toBe('"a";r=2;t=60');
    expect((await headersFor([5, 20]))[3]).toBe('"b";r=20;t=60');
    expect((await headersFor([5, 50]))[3]).toBe('"a";r=5;t=60');
  });

  it('rate-limit: a decision without any counted limit (all skipped while the store is down) adds no header', async () => {
    const settings = settingsIn(twoLimits, 'two');
    if (settings === undefined) throw new Error('the route has limits');
    const { backend } = recordingBackend(() => ({ admitted: true, states: [] }));
    const ctx = policyContext({ url: '/two' });
    expect(await rateLimitStage.create(settings, { counters: backend, clock: { now: () => t0 } }).handle(ctx)).toBeUndefined();
    expect(ctx.responseHeaders).toEqual([]);
  });

  it('rate-limit: a plan limit counting by a parameter the route lacks does not apply there, even with other subjects', () => {
    const route = twoLimits.routes.find((candidate) => candidate.id === 'keyed');
    if (route === undefined) throw new Error('keyed');
    expect(compileRouteLimits(route, twoLimits)?.byPlan.get('free')?.map((entry) => entry.limit.name)).toEqual(['per-key']);
  });

  it('time zones: an unknown zone is not known', () => {
    expect(isKnownTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('rate-limit usage: what is read and from where', () => {
  const usageConfig = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
auth: { instance: eu1, store: { sqlitePath: ':memory:' } }
rateLimits: { usagePath: /usage, redis: { url: 'redis://127.0.0.1:9', replicas: 3 } }
plans:
  free:
    limits:
      - { name: day, limit: 9, per: day, algorithm: fixed, by: [account], whenStoreDown: local }
      - { name: per-route, limit: 9, per: minute, by: [route] }
      - { name: per-base, limit: 7, per: minute, by: ['param:base'] }
  pro: {}
routes:
  - { id: rows, path: /bases/:base/rows, upstream: app, auth: { bindTo: base } }
  - { id: things, path: /things/:t, upstream: app, auth: { bindTo: t } }
  - { id: open, path: /open, upstream: app }
`);
  const account = keyEntry('free').account;

  it('usage: with the store down, a local limit reports its share of the limit among the replicas', async () => {
    const redis = new RedisCounters({ url: 'redis://127.0.0.1:9', timeoutMs: 1000, keyPrefix: 'unused:', cluster: false, replicas: 3, retryAfterSeconds: 5 });
    try {
      const backend = new RedisBackend(redis, new LocalCounters(), pino({ level: 'silent' }));
      const usage = await describeUsage(usageConfig, backend, { account, keyIds: [], params: {}, ip: undefined }, t0);
      expect(usage).toEqual([{ name: 'day', limit: 9, window: 'day', subject: { account: 'acc1' }, remaining: 3, used: 6, resetAt: '2026-12-03T00:00:00.000Z' }]);
    } finally {
      void redis.close();
    }
  });

  it('usage: nothing to report asks the counter store nothing, and a query parameter never stands for the route', async () => {
    const { backend, asked } = recordingBackend((checks) => new LocalCounters().decide(checks, 0, t0));
    expect(await describeUsage(usageConfig, backend, { account: { ...account, plan: 'pro' }, keyIds: [], params: {}, ip: undefined }, t0)).toEqual([]);
    expect(asked).toEqual([]);
    const usage = await describeUsage(usageConfig, backend, { account, keyIds: [], params: { '': 'x', base: 'b1' }, ip: undefined }, t0);
    expect(usage.map((entry) => entry.name)).toEqual(['day', 'per-base']);
  });

  it('usage route: only parameters that plan limits count by and routes bind are checked against a bound key', () => {
    // `t` is bound by a route, but no limit counts by `param:t` (`account` is no parameter).
    expect([...boundUsageParams(usageConfig)]).toEqual(['base']);
  });
});
