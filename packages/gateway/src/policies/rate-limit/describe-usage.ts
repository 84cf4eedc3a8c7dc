import type { LimitConfig, LimitSubject, PortierConfig } from '../../config/config-types.js';
import type { Account } from '../../accounts/store/account-store.js';
import { compileLimit } from './compile-limits.js';
import type { CompiledLimit, LimitCheck } from './local-counters.js';
import type { CounterBackend } from './shared-counters.js';

/** One limit's standing for one subject. */
export interface LimitUsage {
  readonly name: string;
  readonly limit: number;
  readonly window: string;
  readonly subject: Readonly<Record<string, string>>;
  readonly remaining: number | null;
  readonly used: number | null;
  readonly resetAt: string | null;
}

export interface UsageRequest {
  readonly account: Account;
  /** Key ids to report `by: [key]` limits for. */
  readonly keyIds: readonly string[];
  /** Values for `param:<name>` subjects (for example `{ base: 'b1' }`); limits lacking one are skipped. */
  readonly params: Readonly<Record<string, string>>;
  readonly ip: string | undefined;
}

/** Plan limits compiled once per config object (the usage route may be polled as often as the API). */
const compiled = new WeakMap<LimitConfig, CompiledLimit>();

function compiledLimit(config: LimitConfig, replicas: number): CompiledLimit {
  let limit = compiled.get(config);
  if (limit === undefined) compiled.set(config, (limit = compileLimit(config, replicas)));
  return limit;
}

/**
 * How much of each of its plan's limits an account has used, read with a zero-cost decision (nothing is
 * refused, nothing moves) so that both backends answer the same way. Route-only limits are not listed.
 * `remaining` is null when the counter store is down.
 */
export async function describeUsage(config: PortierConfig, counters: CounterBackend, request: UsageRequest, now: number): Promise<LimitUsage[]> {
  const limits = config.plans[request.account.plan]?.limits ?? [];
  const checks: { check: LimitCheck; subject: Record<string, string> }[] = [];
  for (const limitConfig of limits) {
    const limit = compiledLimit(limitConfig, config.rateLimits.redis?.replicas ?? 1);
    for (const subject of subjectsFor(limitConfig.by, request)) {
      let key = `p:${request.account.plan}:${limit.name}`;
      // `subject` names a value for every `by` (subjectsFor), as the policy's key does when it has one.
      for (const by of limitConfig.by) key += `|${subject[by] as string}`;
      checks.push({ check: { limit, counterKey: key }, subject });
    }
  }
  if (checks.length === 0) return [];
  const answer = await counters.decide(checks.map((entry) => entry.check), 0, now);
  return checks.map(({ check, subject }, i) => {
    const state = 'unavailable' in answer ? undefined : answer.states[i];
    return {
      name: check.limit.name,
      limit: check.limit.limit,
      window: check.limit.per,
      subject,
      remaining: state?.remaining ?? null,
      used: state === undefined ? null : check.limit.limit - state.remaining,
      resetAt: state === undefined ? null : new Date(state.resetAt).toISOString(),
    };
  });
}

/** Every combination of subject values the request can name for a limit's `by`. */
function subjectsFor(by: readonly LimitSubject[], request: UsageRequest): Record<string, string>[] {
  let combinations: Record<string, string>[] = [{}];
  for (const dimension of by) {
    const values = valuesOf(dimension, request);
    // A dimension without a value leaves no combination: the limit is not listed.
    combinations = combinations.flatMap((combination) => values.map((value) => ({ ...combination, [dimension]: value })));
  }
  return combinations;
}

function valuesOf(dimension: LimitSubject, request: UsageRequest): string[] {
  if (dimension === 'account') return [request.account.id];
  if (dimension === 'key') return [...request.keyIds];
  if (dimension === 'ip') return request.ip === undefined ? [] : [request.ip];
  if (dimension === 'route') return [];
  const value = request.params[dimension.slice(6)];
  return value === undefined ? [] : [value];
}
