import type { RouteConfig } from '../../config/config-types.js';

/**
 * Idempotency records are kept per account: a route without a required key would have to share them
 * by client address, and behind a load balancer one client would then get another's answer, or find
 * its keys squatted (422). Such a route is refused; returns why, or undefined.
 */
export function idempotencyScopeProblem(route: RouteConfig): string | undefined {
  if (route.idempotency === undefined || route.auth?.required === true) return undefined;
  return 'idempotency needs route `auth` with a required key: records are kept per account, and without one every client behind the same address (a load balancer) would share them';
}
