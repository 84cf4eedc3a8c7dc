import { describe, expect, it } from 'vitest';
import { configOf, policyContext } from '../../../test/helpers/policy-context.js';
import type { KeyEntry } from '../../accounts/key-directory.js';
import type { Account, ApiKey } from '../../accounts/store/account-store.js';
import { configuredSpec } from '../../pipeline/compile-routes.js';
import { PortierError } from '../../errors/portier-error.js';
import type { Decision } from '../../pipeline/policy.js';
import { accessStage } from './index.js';

const now = Date.UTC(2026, 11, 2, 12, 0, 0);

const config = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
auth: { instance: eu1, store: { sqlitePath: ':memory:' } }
plans:
  free: { routes: [rows] }
  pro: {}
routes:
  - { id: rows, path: /bases/:base/rows, upstream: app, auth: { scopes: ['rows:read', 'rows:list'], bindTo: base } }
  - { id: admin, path: /admin, upstream: app, auth: {} }
  - { id: public, path: /public, upstream: app }
`);

const plainConfig = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
auth: { instance: eu1, store: { sqlitePath: ':memory:' } }
plans: { pro: {} }
routes: [{ id: open, path: /open, upstream: app, auth: {} }]
`);

function entry(key: Partial<ApiKey> = {}, account: Partial<Account> = {}): KeyEntry {
  return {
    key: { id: 'key1', accountId: 'acc1', name: 'k', scopes: ['rows:read', 'rows:list'], bindings: [], hash: Buffer.alloc(32), status: 'active', createdAt: 0, lastUsedAt: undefined, expiresAt: undefined, revokedAt: undefined, rotatedAt: undefined, graceUntil: undefined, replacedBy: undefined, ...key },
    account: { id: 'acc1', name: 'a', plan: 'pro', status: 'active', createdAt: 0, planSince: 0, ...account },
  };
}

function settingsFor(routeId: string, from = config) {
  const route = from.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(routeId);
  return accessStage.settingsOf(configuredSpec(route, from), from);
}

function check(routeId: string, auth: KeyEntry | undefined, params: Record<string, string> = {}): Decision {
  const settings = settingsFor(routeId);
  if (settings === undefined) throw new Error('the route has auth');
  const ctx = policyContext();
  ctx.auth = auth;
  ctx.params = params;
  return accessStage.create(settings, { clock: { now: () => now } }).handle(ctx) as Decision;
}

function refusal(decision: Decision): { code: string; params: unknown } {
  expect(decision).toBeInstanceOf(PortierError);
  const error = decision as PortierError;
  expect(error.status).toBe(403);
  return { code: error.code, params: error.params };
}

describe('access policy', () => {
  it('access: is left out of a route without auth', () => {
    expect(settingsFor('public')).toBeUndefined();
  });

  it('access: a route adds plan_excludes_route, key_not_bound and access_denied only when plans, bindTo and scopes call for them', () => {
    const base = ['key_revoked', 'key_obsolete', 'account_disabled'];
    expect(accessStage.codes(settingsFor('rows') as never, config)).toEqual([...base, 'plan_excludes_route', 'key_not_bound', 'access_denied']);
    expect(accessStage.codes(settingsFor('admin') as never, config)).toEqual([...base, 'plan_excludes_route']);
    expect(accessStage.codes(settingsFor('open', plainConfig) as never, plainConfig)).toEqual(base);
  });

  it('access: admits a key with every scope, on a plan that lists the route, bound to nothing', () => {
    expect(check('rows', entry({}, { plan: 'free' }), { base: 'b1' })).toBeUndefined();
    expect(check('admin', entry())).toBeUndefined();
  });

  it('access: without a key (optional auth) there is nothing to check', () => {
    expect(check('rows', undefined)).toBeUndefined();
  });

  it('access: a revoked key is 403 key_revoked with the date, or a phrase when none is known', () => {
    expect(refusal(check('admin', entry({ status: 'revoked', revokedAt: now - 1000 })))).toEqual({ code: 'key_revoked', params: { revokedAt: new Date(now - 1000).toISOString() } });
    expect(refusal(check('admin', entry({ status: 'revoked' })))).toEqual({ code: 'key_revoked', params: { revokedAt: 'an earlier date' } });
  });

  it('access: a rotated key works until its grace ends, then is 403 key_obsolete', () => {
    expect(check('admin', entry({ rotatedAt: now - 5000, graceUntil: now + 1 }))).toBeUndefined();
    expect(refusal(check('admin', entry({ rotatedAt: now - 5000, graceUntil: now })))).toEqual({ code: 'key_obsolete', params: { rotatedAt: new Date(now - 5000).toISOString() } });
  });

  it('access: a disabled account is 403 account_disabled, after revocation is checked', () => {
    expect(refusal(check('admin', entry({}, { status: 'disabled' }))).code).toBe('account_disabled');
    expect(refusal(check('admin', entry({ status: 'revoked' }, { status: 'disabled' }))).code).toBe('key_revoked');
  });

  it('access: a plan that does not list the route is 403 plan_excludes_route naming the plan', () => {
    expect(refusal(check('admin', entry({}, { plan: 'free' })))).toEqual({ code: 'plan_excludes_route', params: { plan: 'free' } });
    expect(check('admin', entry({}, { plan: 'gone' }))).toBeUndefined();
  });

  it('access: a key bound to resources may only use those, and a missing parameter counts as empty', () => {
    const bound = entry({ bindings: ['b1', 'b2'] });
    expect(check('rows', bound, { base: 'b2' })).toBeUndefined();
    expect(refusal(check('rows', bound, { base: 'b3' }))).toEqual({ code: 'key_not_bound', params: { param: 'base', value: 'b3' } });
    expect(refusal(check('rows', bound))).toEqual({ code: 'key_not_bound', params: { param: 'base', value: '' } });
  });

  it('access: bindings restrict only routes with bindTo: a bound key may use a route that names no resource', () => {
    expect(check('admin', entry({ bindings: ['b1'] }))).toBeUndefined();
  });

  it('access: the policy is named access (its span and log name)', () => {
    const settings = settingsFor('admin');
    if (settings === undefined) throw new Error('the route has auth');
    expect(accessStage.create(settings, { clock: { now: () => now } }).name).toBe('access');
  });

  it('access: a missing scope is 403 access_denied naming the first one missing', () => {
    expect(refusal(check('rows', entry({ scopes: ['rows:list'] }), { base: 'b' }))).toEqual({ code: 'access_denied', params: { scope: 'rows:read' } });
    expect(refusal(check('rows', entry({ scopes: ['rows:read'] }), { base: 'b' }))).toEqual({ code: 'access_denied', params: { scope: 'rows:list' } });
  });

  it('access: config check refuses a bindTo the path does not name', () => {
    const problems: string[] = [];
    const route = { ...(config.routes[0] as (typeof config.routes)[number]), path: '/rows' };
    accessStage.checkRoute?.(route, 0, config, (path, message) => problems.push(`${path.join('.')}: ${message}`));
    expect(problems).toEqual(['routes.0.auth.bindTo: the path has no parameter ":base"']);
    // Well formed: a bindTo the path names (rows), a key without bindTo (admin), no auth at all (public).
    for (const [index, well] of config.routes.entries()) accessStage.checkRoute?.(well, index, config, (path, message) => problems.push(message));
    expect(problems).toHaveLength(1);
  });
});
