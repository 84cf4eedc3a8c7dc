import type { PortierConfig } from './config-types.js';

/** A config location and what is wrong there. */
export interface LocatedProblem {
  readonly segments: (string | number)[];
  readonly message: string;
}

/**
 * Idempotency records are kept per account: a route without a required key would have to share them
 * by client address, and behind a load balancer one client would then get another's answer, or find
 * its keys squatted (422). Such a route is refused.
 */
export function checkIdempotencyScope(config: PortierConfig): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  config.routes.forEach((route, index) => {
    if (route.idempotency === undefined || route.auth?.required === true) return;
    problems.push({
      segments: ['routes', index, 'idempotency'],
      message:
        'idempotency needs route `auth` with a required key: records are kept per account, and without one every client behind the same address (a load balancer) would share them',
    });
  });
  return problems;
}
