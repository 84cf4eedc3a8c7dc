import { describe, expect, it } from 'vitest';
import { configOf, policyContext } from '../../../test/helpers/policy-context.js';
import type { KeyEntry } from '../../accounts/key-directory.js';
import { configuredSpec } from '../../pipeline/compile-routes.js';
import type { Policy } from '../../pipeline/policy.js';
import { rateLimitStage } from './index.js';
import { LocalCounters, type LimitCheck } from './local-counters.js';
import type { CounterBackend } from './shared-counters.js';

// The policy keeps the checks of lists that count only by key, account or route per key entry: these
// tests pin what that cache must not change (which counters a request uses, from request to request).

const config = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
auth: { instance: eu1, store: { sqlitePath: ':memory:' } }
plans:
  free: { limits: [{ name: day, limit: 100, per: day, algorithm: fixed, by: [account] }] }
  pro: { limits: [{ name: day, limit: 1000, per: day, algorithm: fixed, by: [account] }] }
routes:
  - { id: rows, path: /bases/:base/rows, upstream: app, auth: { required: false }, limits: [{ name: minute, limit: 2, per: minute, by: [key, route] }] }
  - { id: per-base, path: /bases/:base/docs, upstream: app, auth: {}, limits: [{ name: minute, limit: 5, per: minute, by: [key, 'param:base'] }] }
`);

const t0 = Date.UTC(2026, 11, 3, 10, 0, 0);

function entry(keyId: string, plan: string): KeyEntry {
  return {
    key: { id: keyId, accountId: `acc-${keyId}`, name: 'k', scopes: [], bindings: [], hash: Buffer.alloc(32), status: 'active', createdAt: 0, lastUsedAt: undefined, expiresAt: undefined, revokedAt: undefined, rotatedAt: undefined, graceUntil: undefined, replacedBy: undefined },
    account: { id: `acc-${keyId}`, name: 'a', plan, status: 'active', createdAt: 0, planSince: 0 },
  };
}

/** The route's policy over real local counters, and the counter keys of every decision asked. */
function policyOn(routeId: string): { readonly policy: Policy; readonly asked: string[][]; readonly lists: (readonly LimitCheck[])[] } {
  const route = config.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(routeId);
  const settings = rateLimitStage.settingsOf(configuredSpec(route, config), config);
  if (settings === undefined) throw new Error('the route has limits');
  const local = new LocalCounters();
  const asked: string[][] = [];
  const lists: (readonly LimitCheck[])[] = [];
  const counters: CounterBackend = {
    decide: (checks, cost, now) => {
      lists.push(checks);
      asked.push(checks.map((check) => check.counterKey));
      return local.decide(checks, cost, now);
    },
    status: () => ({ store: 'local', available: true, fallbackDecisions: 0, trackedLocalCounters: local.size }),
  };
  return { policy: rateLimitStage.create(settings, { counters, clock: { now: () => t0 } }), asked, lists };
}

async function call(policy: Policy, auth: KeyEntry | undefined, params: Record<string, string> = {}): Promise<string | undefined> {
  const ctx = policyContext({ url: '/bases/b1/rows' });
  ctx.auth = auth;
  ctx.params = params;
  const decision = await policy.handle(ctx);
  return decision === undefined ? undefined : (decision as { code?: string }).code;
}

describe('rate-limit: counter keys of repeated requests', () => {
  it('rate-limit: the same key entry keeps its counters from request to request, another key has its own', async () => {
    const { policy, asked } = policyOn('rows');
    const first = entry('key1', 'free');
    expect(await call(policy, first)).toBeUndefined();
    expect(await call(policy, first)).toBeUndefined();
    expect(await call(policy, first)).toBe('rate_limited');
    expect(await call(policy, entry('key2', 'free'))).toBeUndefined();
    expect(asked).toEqual([
      ['r:rows:minute|key1|rows', 'p:free:day|acc-key1'],
      ['r:rows:minute|key1|rows', 'p:free:day|acc-key1'],
      ['r:rows:minute|key1|rows', 'p:free:day|acc-key1'],
      ['r:rows:minute|key2|rows', 'p:free:day|acc-key2'],
    ]);
  });

  it('rate-limit: a new entry for the same key (a store write replaced it) follows its new plan, on the same counters', async () => {
    const { policy, asked } = policyOn('rows');
    const free = entry('key1', 'free');
    // The same key object with its account on another plan: the entry is what tells them apart.
    const pro: KeyEntry = { key: free.key, account: { ...free.account, plan: 'pro' } };
    expect(await call(policy, free)).toBeUndefined();
    expect(await call(policy, pro)).toBeUndefined();
    expect(await call(policy, pro)).toBe('rate_limited');
    expect(asked).toEqual([
      ['r:rows:minute|key1|rows', 'p:free:day|acc-key1'],
      ['r:rows:minute|key1|rows', 'p:pro:day|acc-key1'],
      ['r:rows:minute|key1|rows', 'p:pro:day|acc-key1'],
    ]);
  });

  it('rate-limit: requests without a key share the "-" counter, and a key used after them has its own', async () => {
    const { policy, asked } = policyOn('rows');
    expect(await call(policy, undefined)).toBeUndefined();
    expect(await call(policy, undefined)).toBeUndefined();
    expect(await call(policy, entry('key1', 'free'))).toBeUndefined();
    expect(await call(policy, undefined)).toBe('rate_limited');
    expect(asked).toEqual([['r:rows:minute|-|rows'], ['r:rows:minute|-|rows'], ['r:rows:minute|key1|rows', 'p:free:day|acc-key1'], ['r:rows:minute|-|rows']]);
  });

  it('rate-limit: the checks of limits by key, account or route are built once per entry; by a parameter, per request', async () => {
    const byKey = policyOn('rows');
    const first = entry('key1', 'free');
    await call(byKey.policy, first);
    await call(byKey.policy, first);
    await call(byKey.policy, entry('key2', 'free'));
    await call(byKey.policy, undefined);
    await call(byKey.policy, undefined);
    const [a, b, c, d, e] = byKey.lists;
    // One list for both requests of key1, and one for every request without a key.
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(e).toBe(d);
    const byParam = policyOn('per-base');
    const key = entry('key1', 'free');
    await call(byParam.policy, key, { base: 'b1' });
    await call(byParam.policy, key, { base: 'b1' });
    expect(byParam.lists[1]).not.toBe(byParam.lists[0]);
  });

  it('rate-limit: a limit counting by a route parameter takes each request\'s value, for the same key entry', async () => {
    const { policy, asked } = policyOn('per-base');
    const key = entry('key1', 'free');
    await call(policy, key, { base: 'b1' });
    await call(policy, key, { base: 'b2' });
    await call(policy, key, {});
    expect(asked).toEqual([
      ['r:per-base:minute|key1|b1', 'p:free:day|acc-key1'],
      ['r:per-base:minute|key1|b2', 'p:free:day|acc-key1'],
      ['r:per-base:minute|key1|-', 'p:free:day|acc-key1'],
    ]);
  });
});
