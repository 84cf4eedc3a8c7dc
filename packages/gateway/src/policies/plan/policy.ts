import type { Clock } from '../../clock.js';
import type { PlanConfig, RouteAuthConfig } from '../../config/config-types.js';
import { portierError } from '../../errors/portier-error.js';
import type { Decision, Policy } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';

const dayMs = 86_400_000;

/** What the account's plan allows, all 402: `trial_expired`, `feature_not_in_plan`. */
export function createPlanPolicy(routeAuth: RouteAuthConfig, plans: Readonly<Record<string, PlanConfig>>, clock: Clock): Policy {
  const { feature } = routeAuth;
  return {
    name: 'plan',
    handle: function checkPlan(ctx: RequestContext): Decision {
      const account = ctx.auth?.account;
      if (account === undefined) return undefined;
      // An account on a plan that is no longer configured has no features and no trial to honour.
      const plan: PlanConfig = plans[account.plan] ?? { features: [] };
      if (plan.trialDays !== undefined) {
        const endsAt = account.planSince + plan.trialDays * dayMs;
        if (clock.now() >= endsAt) {
          return portierError('trial_expired', { plan: account.plan, trialDays: plan.trialDays, endedAt: new Date(endsAt).toISOString() });
        }
      }
      if (feature !== undefined && !plan.features.includes(feature)) {
        return portierError('feature_not_in_plan', { plan: account.plan, feature });
      }
      return undefined;
    },
  };
}
