import { describe, expect, it } from 'vitest';
import { configOf, policyContext, type RequestShape } from '../../../test/helpers/policy-context.js';
import type { KeyEntry } from '../../accounts/key-directory.js';
import type { PortierConfig } from '../../config/config-types.js';
import { configuredSpec } from '../../pipeline/compile-routes.js';
import { PortierError } from '../../errors/portier-error.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { featureConditionStage } from './index.js';
import { matchesCondition } from './matches-condition.js';

const config = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
auth: { instance: eu1, store: { sqlitePath: ':memory:' } }
plans:
  free: {}
  pro: { features: [fast-sync] }
routes:
  - id: schedule
    path: /schedule
    methods: [POST]
    upstream: app
    maxBodyBytes: 50
    validation: { maxDepth: 3 }
    auth: { feature: fast-sync, featureWhen: { pointer: /settings/*/hours, lessThan: 24 } }
  - { id: sync, path: /sync, upstream: app, auth: { feature: fast-sync } }
  - { id: public, path: /public, upstream: app }
`) as PortierConfig;

function settingsFor(routeId: string) {
  const route = config.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(routeId);
  return featureConditionStage.settingsOf(configuredSpec(route, config), config);
}

const schedule = (() => {
  const settings = settingsFor('schedule');
  if (settings === undefined) throw new Error('schedule has a featureWhen');
  return featureConditionStage.create(settings, undefined);
})();

function contextOn(plan: string, shape: RequestShape = {}): RequestContext {
  const ctx = policyContext({ method: 'POST', url: '/schedule', ...shape });
  ctx.auth = { account: { id: `acct-${plan}`, plan }, key: { id: 'key1' } } as unknown as KeyEntry;
  return ctx;
}

function refusal(decision: unknown): PortierError {
  if (!(decision instanceof PortierError)) throw new Error(`expected a refusal, got ${String(decision)}`);
  return decision;
}

describe('feature-condition policy', () => {
  it("feature-condition: only on routes with a featureWhen, reading the route's body and depth caps", () => {
    expect(settingsFor('sync')).toBeUndefined();
    expect(settingsFor('public')).toBeUndefined();
    expect(settingsFor('schedule')).toMatchObject({ feature: 'fast-sync', maxDepth: 3, maxBodyBytes: 50 });
    const open = configuredSpec(config.routes[0] as never, config);
    expect(featureConditionStage.settingsOf({ ...open, keyed: { acceptTokens: true, plan: false, limits: true } }, config)).toBeUndefined();
    expect(featureConditionStage.codes(settingsFor('schedule') as never, config)).toEqual(['feature_not_in_plan', 'payload_too_large', 'invalid_json']);
  });

  it('feature-condition: needs the feature only when the body matches, reading the body onto ctx', async () => {
    const matching = contextOn('free', { body: '{"settings":[{"hours":48},{"hours":1}]}' });
    expect(refusal(await schedule.handle(matching)).params).toEqual({ plan: 'free', feature: 'fast-sync' });
    const other = contextOn('free', { body: '{"settings":[{"hours":48}]}' });
    expect(await schedule.handle(other)).toBeUndefined();
    expect(other.body?.toString()).toBe('{"settings":[{"hours":48}]}');
    expect(await schedule.handle(contextOn('free'))).toBeUndefined();
    // A plan no longer configured has no features: the condition decides.
    expect(refusal(await schedule.handle(contextOn('retired', { body: '{"settings":[{"hours":2}]}' }))).code).toBe('feature_not_in_plan');
  });

  it('feature-condition: a plan with the feature, or no account, leaves the body unread for the upstream', () => {
    const pro = contextOn('pro', { body: '{"settings":[{"hours":1}]}' });
    expect(schedule.handle(pro)).toBeUndefined();
    expect(pro.body).toBeUndefined();
    const anonymous = policyContext({ method: 'POST', body: '{"settings":[{"hours":1}]}' });
    expect(schedule.handle(anonymous)).toBeUndefined();
    expect(anonymous.body).toBeUndefined();
  });

  it('feature-condition: a body over the cap is 413, and one that is not JSON or too deep is 400 invalid_json', async () => {
    expect(refusal(await schedule.handle(contextOn('free', { body: `{"a":"${'x'.repeat(60)}"}` }))).code).toBe('payload_too_large');
    expect(refusal(await schedule.handle(contextOn('free', { body: '{"a":' }))).code).toBe('invalid_json');
    expect(refusal(await schedule.handle(contextOn('free', { body: '[[[[1]]]]' }))).code).toBe('invalid_json');
  });

  it('feature-condition: matchesCondition reads pointers with escapes and wildcards, and every bound must hold', () => {
    expect(matchesCondition({ 'a/b': { '~c': 5 } }, { pointer: '/a~1b/~0c', equals: 5 })).toBe(true);
    expect(matchesCondition({ a: 5 }, { pointer: '/a', lessThan: 10, greaterThan: 1 })).toBe(true);
    expect(matchesCondition({ a: 5 }, { pointer: '/a', lessThan: 5 })).toBe(false);
    expect(matchesCondition({ a: 5 }, { pointer: '/a', greaterThan: 5 })).toBe(false);
    expect(matchesCondition({ a: '1' }, { pointer: '/a', lessThan: 10 })).toBe(false);
    expect(matchesCondition({ a: '1' }, { pointer: '/a', greaterThan: 0 })).toBe(false);
    expect(matchesCondition({ a: { x: 1, y: 20 } }, { pointer: '/a/*', greaterThan: 10 })).toBe(true);
    expect(matchesCondition({ a: [{ b: [1, 2] }] }, { pointer: '/a/0/b', equals: [1, 2] })).toBe(true);
    expect(matchesCondition({ a: null }, { pointer: '/a', equals: null })).toBe(true);
    expect(matchesCondition({}, { pointer: '/a', equals: null })).toBe(false);
    expect(matchesCondition({ a: null }, { pointer: '/a/b', equals: null })).toBe(false);
    expect(matchesCondition('x', { pointer: '/a', equals: 'x' })).toBe(false);
    expect(matchesCondition(3, { pointer: '', equals: 3 })).toBe(true);
    expect(matchesCondition({ toString: 1 }, { pointer: '/constructor', equals: {} })).toBe(false);
    expect(matchesCondition({ a: 2 }, { pointer: '/a', equals: 3 })).toBe(false);
    // Only `*` stands for every member; another segment names one.
    expect(matchesCondition({ a: 1, b: 5 }, { pointer: '/b', equals: 1 })).toBe(false);
    // A pointer does not index into a string.
    expect(matchesCondition({ a: 'xyz' }, { pointer: '/a/0', equals: 'x' })).toBe(false);
  });

  it('feature-condition: a condition with a pointer alone matches when the pointer reaches a value, null included', () => {
    expect(matchesCondition({ a: null }, { pointer: '/a' })).toBe(true);
    expect(matchesCondition({ a: { b: 0 } }, { pointer: '/a/b' })).toBe(true);
    expect(matchesCondition({}, { pointer: '/a' })).toBe(false);
    expect(matchesCondition({ a: 5 }, { pointer: '/a/b' })).toBe(false);
    expect(matchesCondition({ a: null }, { pointer: '/a/b' })).toBe(false);
    expect(matchesCondition({ a: [] }, { pointer: '/a/*' })).toBe(false);
    expect(matchesCondition({ a: [0] }, { pointer: '/a/*' })).toBe(true);
  });

  it('feature-condition: the depth cap is 64 when the route says none', () => {
    const spec = configuredSpec(config.routes[0] as never, config);
    expect(featureConditionStage.settingsOf({ ...spec, config: undefined }, config)).toMatchObject({ maxDepth: 64 });
    const withoutValidation = { ...spec, config: { ...spec.config, validation: undefined } };
    expect(featureConditionStage.settingsOf(withoutValidation as never, config)).toMatchObject({ maxDepth: 64 });
  });

  it('feature-condition: config check refuses featureWhen without a feature', () => {
    const problems: string[] = [];
    const route = { ...(config.routes[0] as (typeof config.routes)[number]) };
    route.auth = { ...route.auth, feature: undefined } as never;
    featureConditionStage.checkRoute?.(route, 0, config, (path, message) => problems.push(`${path.join('.')}: ${message}`));
    // Well formed: both (schedule), a feature alone (sync), no auth at all (public); each at its own index.
    for (const [index, well] of config.routes.entries()) {
      featureConditionStage.checkRoute?.(well, index + 1, config, (path, message) => problems.push(`${path.join('.')}: ${message}`));
    }
    expect(problems).toEqual(['routes.0.auth.featureWhen: featureWhen needs a `feature` to require']);
  });
});
