import type { Clock } from '../../clock.js';
import type { PlanConfig, RouteAuthConfig } from '../../config/config-types.js';
import type { AccountStore } from '../../accounts/store/account-store.js';
import type { ErrorCode } from '../../errors/catalog.js';
import type { Logger } from '../../log/create-logger.js';
import type { RouteStageModule } from '../../pipeline/policy.js';
import { createPlanPolicy } from './policy.js';

export interface PlanSettings {
  readonly routeAuth: RouteAuthConfig;
  readonly plans: Readonly<Record<string, PlanConfig>>;
}

export interface PlanDeps {
  readonly clock: Clock;
  /** Where entity slots are counted; present with the auth section. */
  readonly store: AccountStore | undefined;
  readonly logger: Logger;
}

export const planStage: RouteStageModule<'plan', PlanSettings, PlanDeps> = {
  name: 'plan',
  scope: 'route',
  summary: 'trial length, plan features, entity counts; an entity slot is given back when the upstream did not create it',
  emits: ['trial_expired', 'feature_not_in_plan', 'entity_limit_reached', 'account_store_unavailable'],
  settingsOf(route, config) {
    if (route.auth === undefined || route.keyed?.plan === false) return undefined;
    return { routeAuth: route.auth, plans: config.plans };
  },
  codes({ routeAuth, plans }, config) {
    const codes: ErrorCode[] = [];
    if (Object.values(plans).some((plan) => plan.trialDays !== undefined)) codes.push('trial_expired');
    // A feature needed on a condition is the feature-condition stage's to refuse.
    if (routeAuth.feature !== undefined && routeAuth.featureWhen === undefined) codes.push('feature_not_in_plan');
    if (routeAuth.entity?.action === 'create') {
      codes.push('entity_limit_reached');
      if (config.auth?.store.postgres !== undefined) codes.push('account_store_unavailable');
    }
    return codes;
  },
  create: (settings, deps) => createPlanPolicy(settings.routeAuth, { ...deps, plans: settings.plans }),
};
