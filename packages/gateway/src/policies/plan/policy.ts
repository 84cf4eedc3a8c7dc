import type { Clock } from '../../clock.js';
import type { PlanConfig, RouteAuthConfig } from '../../config/config-types.js';
import { portierError } from '../../errors/portier-error.js';
import type { Account, AccountStore } from '../../accounts/store/account-store.js';
import type { Logger } from '../../log/create-logger.js';
import type { Decision, Policy } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';

const dayMs = 86_400_000;
const noPlan: PlanConfig = { features: [], entities: {} };

export interface PlanDependencies {
  readonly plans: Readonly<Record<string, PlanConfig>>;
  readonly clock: Clock;
  readonly store: AccountStore | undefined;
  readonly logger: Logger;
}

type EntityCheck = (ctx: RequestContext, account: Account, plan: PlanConfig) => Decision | Promise<Decision>;

/**
 * What the account's plan allows, all 402: `trial_expired`, `feature_not_in_plan`,
 * `entity_limit_reached`. A create route takes an entity slot before forwarding and gives it back if
 * the upstream did not answer 2xx; a delete route frees one once the upstream answered 2xx.
 */
export function createPlanPolicy(routeAuth: RouteAuthConfig, deps: PlanDependencies): Policy {
  const { feature, featureWhen, entity } = routeAuth;
  const { plans, clock, store, logger } = deps;
  // A feature needed only by some bodies (`featureWhen`) is decided once the body may be read.
  const needed = featureWhen === undefined ? feature : undefined;
  const checkEntities = entity === undefined ? undefined : entityCheckOf(entity, store, logger);

  return {
    name: 'plan',
    handle: function checkPlan(ctx: RequestContext): Decision | Promise<Decision> {
      const account = ctx.auth?.account;
      if (account === undefined) return undefined;
      // An account on a plan that is no longer configured has no features and no trial to honour.
      const plan = plans[account.plan] ?? noPlan;
      const trialDays = plan.trialDays ?? Infinity;
      const endsAt = account.planSince + trialDays * dayMs;
      if (clock.now() >= endsAt) {
        return portierError('trial_expired', { plan: account.plan, trialDays, endedAt: new Date(endsAt).toISOString() });
      }
      if (needed !== undefined && !plan.features.includes(needed)) {
        return portierError('feature_not_in_plan', { plan: account.plan, feature: needed });
      }
      return checkEntities?.(ctx, account, plan);
    },
  };
}

/** No status (the upstream never answered) is not a success. */
function isSuccess(status = 0): boolean {
  return status >= 200 && status < 300;
}

/**
 * A create takes a slot up to the plan's limit and gives it back once the exchange is over unless the
 * upstream answered 2xx; a delete frees one once the upstream answered 2xx.
 */
function entityCheckOf(entity: NonNullable<RouteAuthConfig['entity']>, store: AccountStore | undefined, logger: Logger): EntityCheck {
  if (store === undefined) throw new Error('plan: entity counts are kept in the account store, which the gateway opens with the auth section');
  const release = (accountId: string): void => {
    store.releaseEntity(accountId, entity.name).catch((error: unknown) => logger.error({ err: error, accountId, entity: entity.name }, 'could not release an entity slot'));
  };
  if (entity.action === 'delete') {
    return function countDelete(ctx, account) {
      ctx.defer((done) => {
        if (isSuccess(done.upstreamStatus)) release(account.id);
      });
      return undefined;
    };
  }
  return function reserveEntity(ctx, account, plan) {
    const limit = plan.entities[entity.name] ?? Number.MAX_SAFE_INTEGER;
    return store.reserveEntity(account.id, entity.name, limit).then(({ taken, usage }): Decision => {
      if (!taken) return portierError('entity_limit_reached', { plan: account.plan, entity: entity.name, limit, usage });
      ctx.defer((done) => {
        if (!isSuccess(done.upstreamStatus)) release(account.id);
      });
      return undefined;
    });
  };
}
