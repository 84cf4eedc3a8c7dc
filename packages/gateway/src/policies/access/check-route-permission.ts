import type { PlanConfig, RouteAuthConfig } from '../../config/config-types.js';
import type { KeyEntry } from '../../accounts/key-directory.js';
import { portierError, type PortierError } from '../../errors/portier-error.js';

/**
 * Whether a key may use one route for one resource, all 403: `plan_excludes_route`, `key_not_bound`
 * (the resource named by `bindTo` in `params` is not among the key's bindings), `access_denied` (a
 * required scope missing). The access stage asks it for the route being called; the operation routes
 * ask it for the route that created the operation, with the parameters that operation was created with.
 */
export function checkRoutePermission(
  entry: KeyEntry,
  routeId: string,
  routeAuth: Pick<RouteAuthConfig, 'scopes' | 'bindTo'>,
  params: Readonly<Record<string, string | undefined>>,
  plans: Readonly<Record<string, PlanConfig>>,
): PortierError | undefined {
  const { key, account } = entry;
  const allowed = plans[account.plan]?.routes;
  if (allowed !== undefined && !allowed.includes(routeId)) return portierError('plan_excludes_route', { plan: account.plan });
  const { bindTo } = routeAuth;
  if (bindTo !== undefined && key.bindings.length > 0) {
    const value = params[bindTo] ?? '';
    if (!key.bindings.includes(value)) return portierError('key_not_bound', { param: bindTo, value });
  }
  for (const scope of routeAuth.scopes) {
    if (!key.scopes.includes(scope)) return portierError('access_denied', { scope });
  }
  return undefined;
}
