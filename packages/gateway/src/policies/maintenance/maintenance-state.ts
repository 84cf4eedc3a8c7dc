import type { MaintenanceConfig, PortierConfig } from '../../config/config-types.js';

interface Switch {
  enabled: boolean;
  message: string;
  retryAfterSeconds: number;
}

/**
 * Maintenance switches at run time: seeded from config, changeable while running (admin API), read
 * per request by the maintenance policy.
 */
export class MaintenanceState {
  private global: Switch;
  private allowRoutes: Set<string>;
  private readonly perRoute = new Map<string, Switch>();

  constructor(config: PortierConfig) {
    this.global = toSwitch(config.maintenance);
    this.allowRoutes = new Set(config.maintenance.allowRoutes);
    this.seedRoutes(config);
  }

  /**
   * A reloaded config: the switches become what the file says, switches set through the admin API since
   * the start or the last reload included (the file is the source of truth).
   */
  reseed(config: PortierConfig): void {
    this.global = toSwitch(config.maintenance);
    this.allowRoutes = new Set(config.maintenance.allowRoutes);
    this.perRoute.clear();
    this.seedRoutes(config);
  }

  private seedRoutes(config: PortierConfig): void {
    for (const route of config.routes) {
      if (route.maintenance !== undefined) this.perRoute.set(route.id, toSwitch(route.maintenance));
    }
  }

  /** The switch that applies to a route right now, or undefined when it is reachable. */
  activeFor(routeId: string): Readonly<Switch> | undefined {
    const own = this.perRoute.get(routeId);
    if (own?.enabled === true) return own;
    if (this.global.enabled && !this.allowRoutes.has(routeId)) return this.global;
    return undefined;
  }

  /** Turns the global switch on or off. */
  setGlobal(update: Partial<Switch>): void {
    Object.assign(this.global, update);
  }

  /** Turns one route's switch on or off. */
  setRoute(routeId: string, update: Partial<Switch>): void {
    const current = this.perRoute.get(routeId) ?? { enabled: false, message: this.global.message, retryAfterSeconds: this.global.retryAfterSeconds };
    this.perRoute.set(routeId, { ...current, ...update });
  }
}

function toSwitch(config: MaintenanceConfig): Switch {
  return { enabled: config.enabled, message: config.message, retryAfterSeconds: config.retryAfterSeconds };
}
