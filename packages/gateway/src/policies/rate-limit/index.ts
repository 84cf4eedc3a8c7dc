import type { Clock } from '../../clock.js';
import type { PortierConfig } from '../../config/config-types.js';
import type { ErrorCode } from '../../errors/catalog.js';
import type { RouteStageModule } from '../../pipeline/policy.js';
import { compileRouteLimits, type RouteLimits } from './compile-limits.js';
import { createRateLimitPolicy } from './policy.js';
import type { CounterBackend } from './shared-counters.js';

export interface RateLimitSettings {
  readonly routeId: string;
  readonly limits: RouteLimits;
  /** Request units one call uses (route `cost`). */
  readonly cost: number;
  readonly headers: PortierConfig['rateLimits']['headers'];
  /** Retry-After of 503 `rate_limiter_unavailable`. */
  readonly unavailableRetryAfterSeconds: number;
}

export interface RateLimitDeps {
  readonly counters: CounterBackend;
  readonly clock: Clock;
}

/** Where some limit can apply: the route's own, or its callers' plans' (built-in routes that count). */
export const rateLimitStage: RouteStageModule<'rate-limit', RateLimitSettings, RateLimitDeps> = {
  name: 'rate-limit',
  scope: 'route',
  summary: 'every window that applies (plan and route), decided at once; RateLimit headers on the responses of routes that have limits',
  emits: ['rate_limited', 'rate_limiter_unavailable'],
  settingsOf(route, config) {
    if (route.keyed?.limits === false) return undefined;
    const limits = compileRouteLimits({ id: route.id, path: route.path, limits: route.config?.limits, auth: route.auth }, config);
    if (limits === undefined) return undefined;
    return {
      routeId: route.id,
      limits,
      cost: route.config?.cost ?? 1,
      headers: config.rateLimits.headers,
      unavailableRetryAfterSeconds: config.rateLimits.redis?.retryAfterSeconds ?? 5,
    };
  },
  codes({ limits }, config) {
    const codes: ErrorCode[] = ['rate_limited'];
    const all = [...limits.withoutPlan, ...[...limits.byPlan.values()].flat()];
    if (config.rateLimits.redis !== undefined && all.some((entry) => entry.limit.whenStoreDown === 'closed')) codes.push('rate_limiter_unavailable');
    return codes;
  },
  create: (settings, deps) =>
    createRateLimitPolicy(settings.routeId, settings.limits, settings.cost, { ...deps, headers: settings.headers, unavailableRetryAfterSeconds: settings.unavailableRetryAfterSeconds }),
};
