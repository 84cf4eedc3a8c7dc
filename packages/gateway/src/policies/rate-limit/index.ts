import type { Clock } from '../../clock.js';
import type { PortierConfig } from '../../config/config-types.js';
import type { ErrorCode } from '../../errors/catalog.js';
import type { RouteStageModule } from '../../pipeline/policy.js';
import { compileRouteLimits, type RouteLimits } from './compile-limits.js';
import { createRateLimitPolicy } from './policy.js';
import type { CounterBackend } from './shared-counters.js';
import { isKnownTimeZone } from './is-known-time-zone.js';

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
  checkConfig(config, report) {
    for (const [name, plan] of Object.entries(config.plans ?? {})) {
      plan.limits?.forEach((limit, limitIndex) => {
        if (!isKnownTimeZone(limit.timeZone)) report(['plans', name, 'limits', limitIndex, 'timeZone'], `unknown time zone "${limit.timeZone}"`);
      });
    }
  },
  checkRoute(route, index, _config, report) {
    route.limits?.forEach((limit, limitIndex) => {
      for (const subject of limit.by) {
        if ((subject === 'key' || subject === 'account') && route.auth === undefined) {
          // Without a key every caller would share one bucket: refuse at boot instead.
          report(['routes', index, 'limits', limitIndex, 'by'], `"${subject}" needs route auth: without a key every caller would share one counter`);
        }
        if (subject.startsWith('param:') && !route.path.includes(`:${subject.slice(6)}`)) {
          report(['routes', index, 'limits', limitIndex, 'by'], `the path has no parameter ":${subject.slice(6)}"`);
        }
      }
      if (!isKnownTimeZone(limit.timeZone)) report(['routes', index, 'limits', limitIndex, 'timeZone'], `unknown time zone "${limit.timeZone}"`);
    });
  },
  create: (settings, deps) =>
    createRateLimitPolicy(settings.routeId, settings.limits, settings.cost, { ...deps, headers: settings.headers, unavailableRetryAfterSeconds: settings.unavailableRetryAfterSeconds }),
};
