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

/**
 * What the account's plan allows, all 402: `trial_expired`, `feature_not_in_plan`,
 * `entity_limit_reached`. A create route takes an entity slot before forwarding and gives it back if
 * the upstream did not answer 2xx; a delete route frees one once the upstream answered 2xx.
 */
export function createPlanPolicy(routeAuth: RouteAuthConfig, deps: PlanDependencies): Policy {
  const { feature, featureWhen, entity } = routeAuth;
  const { plans, clock, store, logger } = deps;

  const release = (accountId: string, name: string): void => {
    store?.releaseEntity(accountId, name).catch((error: unknown) => logger.error({ err: error, accountId, entity: name }, 'could not release an entity slot'));
  };
  const isSuccess = (status: number | undefined): boolean => status !== undefined && status >= 200 && status < 300;
  const releaseUnlessCreated = (ctx: RequestContext): void => {
    if (entity !== undefined && ctx.auth !== undefined && !isSuccess(ctx.upstreamStatus)) release(ctx.auth.account.id, entity.name);
  };
  const countDelete = (ctx: RequestContext): void => {
    if (entity !== undefined && ctx.auth !== undefined && isSuccess(ctx.upstreamStatus)) release(ctx.auth.account.id, entity.name);
  };

  function checkEntities(ctx: RequestContext, account: Account, plan: PlanConfig): Decision | Promise<Decision> {
    if (entity === undefined || store === undefined) return undefined;
    if (entity.action === 'delete') {
      ctx.defer(countDelete);
      return undefined;
    }
    const limit = plan.entities[entity.name] ?? Number.MAX_SAFE_INTEGER;
    return store.reserveEntity(account.id, entity.name, limit).then(({ taken, usage }): Decision => {
      if (!taken) return portierError('entity_limit_reached', { plan: account.plan, entity: entity.name, limit, usage });
      ctx.defer(releaseUnlessCreated);
      return undefined;
    });
  }

  return {
    name: 'plan',
    handle: function checkPlan(ctx: RequestContext): Decision | Promise<Decision> {
      const account = ctx.auth?.account;
      if (account === undefined) return undefined;
      // An account on a plan that is no longer configured has no features and no trial to honour.
      const plan = plans[account.plan] ?? noPlan;
      if (plan.trialDays !== undefined) {
        const endsAt = account.planSince + plan.trialDays * dayMs;
        if (clock.now() >= endsAt) {
          return portierError('trial_expired', { plan: account.plan, trialDays: plan.trialDays, endedAt: new Date(endsAt).toISOString() });
        }
      }
      // A feature needed only by some bodies (`featureWhen`) is decided once the body may be read.
      if (feature !== undefined && featureWhen === undefined && !plan.features.includes(feature)) {
        return portierError('feature_not_in_plan', { plan: account.plan, feature });
      }
      return checkEntities(ctx, account, plan);
    },
  };
}
