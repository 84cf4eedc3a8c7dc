import type { LimitConfig, LimitSubject, PortierConfig, RouteConfig } from '../../config/config-types.js';
import type { CompiledLimit } from './local-counters.js';
import { parseWindow, windowSeconds, WindowTracker } from './window.js';

/** A limit as it applies on one route: the limit, what it counts by, and where its counters are. */
export interface RouteLimit {
  readonly limit: CompiledLimit;
  readonly by: readonly LimitSubject[];
  /**
   * What every counter key of this limit starts with, built once: `p:<plan>:<name>` for a plan limit
   * (shared by every route), `r:<route>:<name>` for a route limit (counted per route).
   */
  readonly counterScope: string;
}

/** The limits of one route, for requests without a plan and for each plan. */
export interface RouteLimits {
  readonly withoutPlan: readonly RouteLimit[];
  readonly byPlan: ReadonlyMap<string, readonly RouteLimit[]>;
  /** RateLimit-Policy values by plan ('' without one), built once. */
  readonly policyHeader: ReadonlyMap<string, string>;
}

export function compileLimit(config: LimitConfig, replicas = 1): CompiledLimit {
  const spec = parseWindow(config.per, config.algorithm, config.timeZone);
  const base = { name: config.name, spec, window: new WindowTracker(spec), sliding: config.algorithm === 'sliding', windowSeconds: windowSeconds(spec), per: config.per, whenStoreDown: config.whenStoreDown };
  const localFallback: CompiledLimit = { ...base, limit: Math.max(1, Math.floor(config.limit / replicas)) };
  return { ...base, limit: config.limit, localFallback };
}

/** What limits depend on: a configured route, or a built-in keyed route (operation polling, keys). */
export interface LimitedRoute {
  readonly id: string;
  readonly path: string;
  readonly limits?: RouteConfig['limits'] | undefined;
  readonly auth?: RouteConfig['auth'] | undefined;
}

/**
 * Resolves which limits apply on a route: its own, plus its plan's (a route limit replaces a plan
 * limit of the same name). Plan limits counting by a route parameter the route lacks do not apply there.
 * Returns undefined when nothing can ever apply, so the route gets no rate-limit stage at all.
 */
export function compileRouteLimits(route: LimitedRoute, config: PortierConfig): RouteLimits | undefined {
  const replicas = config.rateLimits.redis?.replicas ?? 1;
  const own = (route.limits ?? []).map((limit) => routeLimit(compileLimit(limit, replicas), limit.by, `r:${route.id}`));
  const byPlan = new Map<string, readonly RouteLimit[]>();
  if (route.auth !== undefined) {
    for (const [planName, plan] of Object.entries(config.plans)) {
      const ownNames = new Set(own.map((entry) => entry.limit.name));
      const inherited = (plan.limits ?? [])
        .filter((limit) => !ownNames.has(limit.name) && limit.by.every((subject) => !subject.startsWith('param:') || route.path.includes(`:${subject.slice(6)}`)))
        .map((limit) => routeLimit(compileLimit(limit, replicas), limit.by, `p:${planName}`));
      if (own.length + inherited.length > 0) byPlan.set(planName, [...own, ...inherited]);
    }
  }
  if (own.length === 0 && byPlan.size === 0) return undefined;
  const policyHeader = new Map<string, string>([['', policyValue(own)]]);
  for (const [planName, limits] of byPlan) policyHeader.set(planName, policyValue(limits));
  return { withoutPlan: own, byPlan, policyHeader };
}

function routeLimit(limit: CompiledLimit, by: readonly LimitSubject[], namespace: string): RouteLimit {
  return { limit, by, counterScope: `${namespace}:${limit.name}` };
}

/** `"minute";q=300;w=60, "day";q=5000;w=86400` (IETF RateLimit header fields, draft 10). */
function policyValue(limits: readonly RouteLimit[]): string {
  return limits.map(({ limit }) => `"${limit.name}";q=${limit.limit};w=${limit.windowSeconds}`).join(', ');
}
