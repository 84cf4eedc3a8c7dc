import type { Clock } from '../../clock.js';
import type { PortierConfig } from '../../config/config-types.js';
import { portierError } from '../../errors/portier-error.js';
import type { Decision, Policy } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import type { RouteLimits, RouteLimit } from './compile-limits.js';
import type { LimitCheck, LimitState } from './local-counters.js';
import type { CounterAnswer, CounterBackend } from './shared-counters.js';
import type { Span } from '@opentelemetry/api';
import { portierAttributes, tracedStoreCall } from '../../tracing/tracing.js';

export interface RateLimitDependencies {
  readonly counters: CounterBackend;
  /** Retry-After of 503 `rate_limiter_unavailable`. */
  readonly unavailableRetryAfterSeconds: number;
  readonly clock: Clock;
  readonly headers: PortierConfig['rateLimits']['headers'];
}

/**
 * Every limit that applies to the request (the route's and the account's plan's), decided at once:
 * either all counters move or none does. Adds the RateLimit headers the deployment asked for to every
 * response; over a limit, 429 `rate_limited` with Retry-After.
 */
export function createRateLimitPolicy(routeId: string, limits: RouteLimits, cost: number, deps: RateLimitDependencies): Policy {
  const { counters, clock, headers } = deps;
  const ietf = headers.includes('ietf');
  const xRateLimit = headers.includes('x-ratelimit');
  const xRateDashLimit = headers.includes('x-rate-limit');

  // A list counting only by key, account or route uses the same counters on every request of one key.
  const fixedByKey = new Set([limits.withoutPlan, ...limits.byPlan.values()].filter((list) => list.every((entry) => entry.by.every((subject) => keySubjects.has(subject)))));
  /**
   * Checks of those lists by key entry (`noKey` for requests without one, which all use `withoutPlan`),
   * so their counter keys are not built, flattened and hashed again on every request. Held weakly: an
   * entry lives as long as the key cache keeps it (it is bounded by `auth.keyCache.maxKeys`, and every
   * store write replaces its entries), and its checks go with it.
   */
  const checksByKey = new WeakMap<object, readonly LimitCheck[]>();

  function checksOf(ctx: RequestContext, applicable: readonly RouteLimit[]): readonly LimitCheck[] {
    if (!fixedByKey.has(applicable)) return checksFor(ctx, applicable);
    // With a key, `applicable` follows from its entry (its account's plan); without one it is `withoutPlan`.
    const owner = ctx.auth ?? noKey;
    let checks = checksByKey.get(owner);
    if (checks === undefined) {
      checks = checksFor(ctx, applicable);
      checksByKey.set(owner, checks);
    }
    return checks;
  }

  function checksFor(ctx: RequestContext, applicable: readonly RouteLimit[]): LimitCheck[] {
    const checks: LimitCheck[] = [];
    for (const entry of applicable) {
      let key = entry.counterScope;
      for (const subject of entry.by) key += `|${subjectValue(ctx, subject, routeId)}`;
      checks.push({ limit: entry.limit, counterKey: key });
    }
    return checks;
  }

  function addHeaders(ctx: RequestContext, planKey: string, states: readonly LimitState[], now: number): void {
    const tightest = tightestOf(states);
    if (tightest === undefined) return;
    const resetSeconds = Math.max(0, Math.ceil((tightest.resetAt - now) / 1000));
    const out = ctx.responseHeaders;
    if (ietf) {
      // `planKey` is '' or a plan of `byPlan`: each has its header.
      out.push('ratelimit-policy', limits.policyHeader.get(planKey) as string);
      out.push('ratelimit', `"${tightest.limit.name}";r=${tightest.remaining};t=${resetSeconds}`);
    }
    if (xRateLimit || xRateDashLimit) {
      const resetEpoch = String(Math.ceil(tightest.resetAt / 1000));
      const prefix = xRateLimit ? 'x-ratelimit' : 'x-rate-limit';
      out.push(`${prefix}-limit`, String(tightest.limit.limit), `${prefix}-remaining`, String(tightest.remaining), `${prefix}-reset`, resetEpoch);
      if (xRateLimit && xRateDashLimit) {
        out.push('x-rate-limit-limit', String(tightest.limit.limit), 'x-rate-limit-remaining', String(tightest.remaining), 'x-rate-limit-reset', resetEpoch);
      }
    }
  }

  return {
    name: 'rate-limit',
    handle: function checkRateLimits(ctx: RequestContext): Decision | Promise<Decision> {
      // No key reads as plan '', which no plan is named (plan names are ids).
      const plan = ctx.auth?.account.plan ?? '';
      const planLimits = limits.byPlan.get(plan);
      const applicable = planLimits ?? limits.withoutPlan;
      if (applicable.length === 0) return undefined;
      const now = clock.now();
      const planKey = planLimits === undefined ? '' : plan;
      const answer = counters.decide(checksOf(ctx, applicable), cost, now);
      if (answer instanceof Promise) {
        // A promise is Redis deciding: the one I/O of this stage, and a span while tracing is on.
        const decided = tracedStoreCall(ctx.trace, decisionCall, answer, describeAnswer);
        return decided.then((settled) => conclude(ctx, planKey, settled, now));
      }
      return conclude(ctx, planKey, answer, now);
    },
  };

  function conclude(ctx: RequestContext, planKey: string, decision: CounterAnswer, now: number): Decision {
      if ('unavailable' in decision) {
        const retryAfter = String(deps.unavailableRetryAfterSeconds);
        return portierError('rate_limiter_unavailable', {}, { headers: { 'Retry-After': retryAfter } });
      }
      addHeaders(ctx, planKey, decision.states, now);
      if (decision.admitted) return undefined;
      const retryAfter = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      const hit = decision.rejectedBy;
      return portierError(
        'rate_limited',
        { limit: hit.limit, window: hit.per, name: hit.name, retryAfter },
        { headers: { 'Retry-After': String(retryAfter) } },
      );
  }
}

/** Subjects that a key's entry (or its absence) fixes. */
const keySubjects: ReadonlySet<string> = new Set(['key', 'account', 'route']);
/** Stands for "no key" in the checks cache. */
const noKey = {};

const decisionCall = { name: 'rate-limit decision', system: 'redis', operation: 'EVALSHA' };

function describeAnswer(span: Span, answer: CounterAnswer): void {
  // Redis failed and the limits' `whenStoreDown` decided: the answer says so, the span too.
  if ('unavailable' in answer) span.setAttribute(portierAttributes.admitted, false);
  else span.setAttribute(portierAttributes.admitted, answer.admitted);
}

/** The least room left, relative to its limit: what RateLimit and X-RateLimit-* report. */
function tightestOf(states: readonly LimitState[]): LimitState | undefined {
  let tightest: LimitState | undefined;
  for (const state of states) {
    if (tightest === undefined || state.remaining / state.limit.limit < tightest.remaining / tightest.limit.limit) tightest = state;
  }
  return tightest;
}

function subjectValue(ctx: RequestContext, subject: string, routeId: string): string {
  switch (subject) {
    case 'key':
      return ctx.auth?.key.id ?? '-';
    case 'account':
      return ctx.auth?.account.id ?? '-';
    case 'ip':
      return ctx.req.socket.remoteAddress ?? '-';
    case 'route':
      return routeId;
    default:
      return ctx.params[subject.slice(6)] ?? '-';
  }
}
