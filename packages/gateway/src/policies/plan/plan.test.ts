import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { configOf, policyContext, type RequestShape } from '../../../test/helpers/policy-context.js';
import { tempDbPath } from '../../../test/helpers/accounts.js';
import type { KeyEntry } from '../../accounts/key-directory.js';
import type { Account, AccountStore } from '../../accounts/store/account-store.js';
import { SqliteAccountStore } from '../../accounts/store/sqlite-account-store.js';
import { AccountAdmin } from '../../admin/account-admin.js';
import type { AuthConfig, PortierConfig } from '../../config/config-types.js';
import type { Logger } from '../../log/create-logger.js';
import { configuredSpec } from '../../pipeline/compile-routes.js';
import { PortierError } from '../../errors/portier-error.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { planStage, type PlanDeps } from './index.js';

const dayMs = 86_400_000;
const start = Date.UTC(2026, 11, 1);
const clock = { value: start, now: () => clock.value };

const config = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
auth: { instance: eu1, store: { sqlitePath: ':memory:' } }
plans:
  trial: { trialDays: 14, features: [sync] }
  free: { entities: { companies: 1 } }
  pro: { features: [sync, fast-sync], entities: { companies: 5 } }
routes:
  - { id: sync, path: /sync, upstream: app, auth: { feature: sync } }
  - id: schedule
    path: /schedule
    methods: [POST]
    upstream: app
    maxBodyBytes: 50
    validation: { maxDepth: 3 }
    auth: { feature: fast-sync, featureWhen: { pointer: /settings/*/hours, lessThan: 24 } }
  - { id: create, path: /companies, methods: [POST], upstream: app, auth: { entity: { name: companies, action: create } } }
  - { id: remove, path: /companies/:id, methods: [DELETE], upstream: app, auth: { entity: { name: companies, action: delete } } }
  - { id: open, path: /open, upstream: app, auth: {} }
  - { id: public, path: /public, upstream: app }
`) as PortierConfig & { auth: AuthConfig };

const store = new SqliteAccountStore(tempDbPath(), clock);
const admin = new AccountAdmin(store, config, 'test');
afterAll(() => store.close());

function settingsFor(routeId: string) {
  const route = config.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(routeId);
  return planStage.settingsOf(configuredSpec(route, config), config);
}

function policyFor(routeId: string, deps: Partial<PlanDeps> = {}) {
  const settings = settingsFor(routeId);
  if (settings === undefined) throw new Error('the route has auth');
  return planStage.create(settings, { clock, store, logger: pino({ level: 'silent' }), ...deps });
}

function contextFor(account: Account, shape: RequestShape = {}): RequestContext {
  const ctx = policyContext(shape);
  ctx.auth = { account, key: { id: 'key1' } } as unknown as KeyEntry;
  return ctx;
}

function refusal(decision: unknown): PortierError {
  expect(decision).toBeInstanceOf(PortierError);
  return decision as PortierError;
}

/** Lets the store's release (fire and forget) settle. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('plan policy', () => {
  it('plan: is left out of routes without auth and of built-in routes that skip the plan', () => {
    expect(settingsFor('public')).toBeUndefined();
    const open = configuredSpec(config.routes.find((route) => route.id === 'open') as never, config);
    expect(planStage.settingsOf({ ...open, keyed: { acceptTokens: true, plan: false, limits: true } }, config)).toBeUndefined();
    expect(planStage.settingsOf({ ...open, keyed: { acceptTokens: true, plan: true, limits: true } }, config)).toBeDefined();
  });

  it('plan: codes follow trials, features (a conditional one is not its own) and entity creates', () => {
    expect(planStage.codes(settingsFor('open') as never, config)).toEqual(['trial_expired']);
    expect(planStage.codes(settingsFor('sync') as never, config)).toEqual(['trial_expired', 'feature_not_in_plan']);
    expect(planStage.codes(settingsFor('schedule') as never, config)).toEqual(['trial_expired']);
    expect(planStage.codes(settingsFor('create') as never, config)).toEqual(['trial_expired', 'entity_limit_reached']);
    expect(planStage.codes(settingsFor('remove') as never, config)).toEqual(['trial_expired']);
    const noTrials = { ...config, plans: { pro: config.plans.pro } } as PortierConfig;
    const postgres = { ...noTrials, auth: { ...config.auth, store: { ...config.auth.store, postgres: { url: 'postgres://x' } } } } as PortierConfig;
    expect(planStage.codes({ ...(settingsFor('create') as object), plans: noTrials.plans } as never, postgres)).toEqual(['entity_limit_reached', 'account_store_unavailable']);
    // A config not checked yet (the docs' examples) may have no auth section: no store to fail then.
    expect(planStage.codes({ ...(settingsFor('create') as object), plans: noTrials.plans } as never, { ...noTrials, auth: undefined } as never)).toEqual(['entity_limit_reached']);
  });

  it('plan: the policy is named plan; counting entities without the account store is refused at boot', () => {
    expect(policyFor('sync').name).toBe('plan');
    expect(policyFor('sync', { store: undefined }).handle(contextFor({ id: 'a', plan: 'pro', planSince: start } as Account))).toBeUndefined();
    for (const routeId of ['create', 'remove']) expect(() => policyFor(routeId, { store: undefined })).toThrow(/entity counts are kept in the account store/);
  });

  it('plan: a trial admits until its last millisecond, then is 402 trial_expired with its end', async () => {
    clock.value = start;
    const account = await admin.createAccount('t', 'trial');
    clock.value = start + 14 * dayMs - 1;
    expect(policyFor('sync').handle(contextFor(account))).toBeUndefined();
    clock.value = start + 14 * dayMs;
    const error = refusal(policyFor('sync').handle(contextFor(account)));
    expect(error.code).toBe('trial_expired');
    expect(error.status).toBe(402);
    expect(error.params).toEqual({ plan: 'trial', trialDays: 14, endedAt: new Date(start + 14 * dayMs).toISOString() });
    clock.value = start;
  });

  it('plan: a feature the plan lacks is 402 feature_not_in_plan; a plan no longer configured has none', async () => {
    const free = await admin.createAccount('f', 'free');
    expect(refusal(policyFor('sync').handle(contextFor(free))).params).toEqual({ plan: 'free', feature: 'sync' });
    // A feature needed only by some bodies is the feature-condition stage's, once the body may be read.
    const conditional = contextFor(free, { method: 'POST', body: '{"settings":[{"hours":1}]}' });
    expect(policyFor('schedule').handle(conditional)).toBeUndefined();
    expect(conditional.body).toBeUndefined();
    const pro = await admin.createAccount('p', 'pro');
    expect(policyFor('sync').handle(contextFor(pro))).toBeUndefined();
    expect(refusal(policyFor('sync').handle(contextFor({ ...pro, plan: 'retired' }))).params).toEqual({ plan: 'retired', feature: 'sync' });
    expect(policyFor('open').handle(contextFor({ ...pro, plan: 'retired' }))).toBeUndefined();
  });

  it('plan: without an authenticated account there is nothing to check', () => {
    expect(policyFor('sync').handle(policyContext())).toBeUndefined();
  });

  it('plan: a create takes a slot up to the plan limit, then is 402 entity_limit_reached with limit and usage', async () => {
    const free = await admin.createAccount('e', 'free');
    const first = contextFor(free);
    expect(await policyFor('create').handle(first)).toBeUndefined();
    expect(await store.entityCounts(free.id)).toEqual({ companies: 1 });
    const error = refusal(await policyFor('create').handle(contextFor(free)));
    expect(error.code).toBe('entity_limit_reached');
    expect(error.params).toEqual({ plan: 'free', entity: 'companies', limit: 1, usage: 1 });
    first.upstreamStatus = 201;
    first.runDeferred();
    await settle();
    expect(await store.entityCounts(free.id)).toEqual({ companies: 1 });
  });

  it('plan: a create on a plan without a limit for that entity takes a slot every time', async () => {
    clock.value = start;
    const trial = await admin.createAccount('u', 'trial');
    for (let i = 0; i < 3; i++) expect(await policyFor('create').handle(contextFor(trial))).toBeUndefined();
    expect(await store.entityCounts(trial.id)).toEqual({ companies: 3 });
  });

  it('plan: a slot the store fails to give back is logged with the account and the entity', async () => {
    const lines: { level: number; msg: string; accountId?: string; entity?: string; err?: { message: string } }[] = [];
    const recorder = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) }) as unknown as Logger;
    const failing = { reserveEntity: () => Promise.resolve({ taken: true, usage: 1 }), releaseEntity: () => Promise.reject(new Error('down')) } as unknown as AccountStore;
    const free = await admin.createAccount('l', 'free');
    const ctx = contextFor(free);
    expect(await policyFor('create', { store: failing, logger: recorder }).handle(ctx)).toBeUndefined();
    ctx.upstreamStatus = 500;
    ctx.runDeferred();
    await settle();
    expect(lines.map((line) => [line.level, line.msg, line.accountId, line.entity, line.err?.message])).toEqual([[50, 'could not release an entity slot', free.id, 'companies', 'down']]);
  });

  it('plan: a create whose upstream did not answer 2xx gives its slot back once the exchange is over', async () => {
    const free = await admin.createAccount('r', 'free');
    for (const status of [500, 302, 199, undefined]) {
      const ctx = contextFor(free);
      expect(await policyFor('create').handle(ctx)).toBeUndefined();
      expect(await store.entityCounts(free.id)).toEqual({ companies: 1 });
      ctx.upstreamStatus = status;
      ctx.runDeferred();
      await settle();
      expect(await store.entityCounts(free.id), String(status)).toEqual({ companies: 0 });
    }
  });

  it('plan: a delete frees a slot only once the upstream answered 2xx', async () => {
    const pro = await admin.createAccount('d', 'pro');
    await admin.setEntityCount(pro.id, 'companies', 3);
    const failed = contextFor(pro);
    expect(policyFor('remove').handle(failed)).toBeUndefined();
    failed.upstreamStatus = 404;
    failed.runDeferred();
    await settle();
    expect(await store.entityCounts(pro.id)).toEqual({ companies: 3 });
    for (const status of [200, 299]) {
      const done = contextFor(pro);
      expect(policyFor('remove').handle(done)).toBeUndefined();
      done.upstreamStatus = status;
      done.runDeferred();
      await settle();
    }
    expect(await store.entityCounts(pro.id)).toEqual({ companies: 1 });
    const over = contextFor(pro);
    expect(policyFor('remove').handle(over)).toBeUndefined();
    over.upstreamStatus = 300;
    over.runDeferred();
    await settle();
    expect(await store.entityCounts(pro.id)).toEqual({ companies: 1 });
  });

});
