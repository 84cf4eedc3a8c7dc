import { portierError } from '../../errors/portier-error.js';
import type { Decision, Policy } from '../../pipeline/policy.js';
import type { MaintenanceState } from './maintenance-state.js';

/** Answers 503 `maintenance` with the operator's message while a switch covers the route. */
export function createMaintenancePolicy(state: MaintenanceState, routeId: string): Policy {
  return {
    name: 'maintenance',
    handle: function checkMaintenance(): Decision {
      const active = state.activeFor(routeId);
      if (active === undefined) return undefined;
      return portierError(
        'maintenance',
        { message: active.message },
        { headers: { 'Retry-After': String(active.retryAfterSeconds) } },
      );
    },
  };
}
