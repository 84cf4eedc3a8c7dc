import type { Clock } from '../../clock.js';
import type { PlanConfig, RouteAuthConfig } from '../../config/config-types.js';
import type { ErrorCode } from '../../errors/catalog.js';
import type { RouteStageModule } from '../../pipeline/policy.js';
import { createAccessPolicy } from './policy.js';

export interface AccessSettings {
  readonly routeId: string;
  readonly routeAuth: RouteAuthConfig;
  readonly plans: Readonly<Record<string, PlanConfig>>;
}

export const accessStage: RouteStageModule<'access', AccessSettings, { readonly clock: Clock }> = {
  name: 'access',
  scope: 'route',
  summary: 'revocation, rotation grace, account status, plan routes, resource bindings, scopes',
  emits: ['key_revoked', 'key_obsolete', 'account_disabled', 'plan_excludes_route', 'key_not_bound', 'access_denied'],
  settingsOf: (route, config) => (route.auth === undefined ? undefined : { routeId: route.id, routeAuth: route.auth, plans: config.plans }),
  codes({ routeAuth, plans }) {
    const codes: ErrorCode[] = ['key_revoked', 'key_obsolete', 'account_disabled'];
    if (Object.values(plans).some((plan) => plan.routes !== undefined)) codes.push('plan_excludes_route');
    if (routeAuth.bindTo !== undefined) codes.push('key_not_bound');
    if (routeAuth.scopes.length > 0) codes.push('access_denied');
    return codes;
  },
  checkRoute(route, index, _config, report) {
    if (route.auth?.bindTo !== undefined && !route.path.includes(`:${route.auth.bindTo}`)) {
      report(['routes', index, 'auth', 'bindTo'], `the path has no parameter ":${route.auth.bindTo}"`);
    }
  },
  create: ({ routeId, routeAuth, plans }, { clock }) => createAccessPolicy(routeId, routeAuth, plans, clock),
};
