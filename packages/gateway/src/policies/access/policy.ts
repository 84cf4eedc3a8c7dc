import type { Clock } from '../../clock.js';
import type { PlanConfig, RouteAuthConfig } from '../../config/config-types.js';
import { portierError } from '../../errors/portier-error.js';
import type { Decision, Policy } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { checkRoutePermission } from './check-route-permission.js';

/**
 * What an authenticated key may do here, all 403: `key_revoked`, `key_obsolete` (rotated, grace over),
 * `account_disabled`, `plan_excludes_route`, `key_not_bound` (resource in the URL not among the key's
 * bindings), `access_denied` (a required scope missing).
 */
export function createAccessPolicy(
  routeId: string,
  routeAuth: RouteAuthConfig,
  plans: Readonly<Record<string, PlanConfig>>,
  clock: Clock,
): Policy {
  return {
    name: 'access',
    handle: function checkAccess(ctx: RequestContext): Decision {
      const entry = ctx.auth;
      if (entry === undefined) return undefined; // optional auth and no key: nothing to check
      const { key, account } = entry;
      if (key.status === 'revoked') return portierError('key_revoked', { revokedAt: isoDate(key.revokedAt) });
      // No grace end (a key never rotated) is an end that never comes: written so, the check has no
      // separate `!== undefined` guard, whose removal no test could tell (`now >= undefined` is false).
      if (clock.now() >= (key.graceUntil ?? Infinity)) {
        return portierError('key_obsolete', { rotatedAt: isoDate(key.rotatedAt) });
      }
      if (account.status === 'disabled') return portierError('account_disabled', {});
      return checkRoutePermission(entry, routeId, routeAuth, ctx.params, plans);
    },
  };
}

function isoDate(epochMs: number | undefined): string {
  return epochMs === undefined ? 'an earlier date' : new Date(epochMs).toISOString();
}
