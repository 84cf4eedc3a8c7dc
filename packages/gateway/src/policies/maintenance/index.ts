import type { RouteStageModule } from '../../pipeline/policy.js';
import type { MaintenanceState } from './maintenance-state.js';
import { createMaintenancePolicy } from './policy.js';

export interface MaintenanceDeps {
  /** The switches, flipped at run time by the admin API. */
  readonly state: MaintenanceState;
}

/** Every route, built-in ones included: the switches can cover any of them. */
export const maintenanceStage: RouteStageModule<'maintenance', { readonly routeId: string }, MaintenanceDeps> = {
  name: 'maintenance',
  scope: 'route',
  summary: 'global switch with an allow-list, or per route',
  emits: ['maintenance'],
  settingsOf: (route) => ({ routeId: route.id }),
  codes: () => ['maintenance'],
  create: ({ routeId }, { state }) => createMaintenancePolicy(state, routeId),
};
