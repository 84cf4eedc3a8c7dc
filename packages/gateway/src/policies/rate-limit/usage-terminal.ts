import type { Clock } from '../../clock.js';
import type { PortierConfig } from '../../config/config-types.js';
import { portierError } from '../../errors/portier-error.js';
import type { Decision, Terminal } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { describeUsage } from './describe-usage.js';
import { sendJson } from '../../pipeline/send-json.js';
import type { CounterBackend } from './shared-counters.js';

/**
 * The route parameters that name a resource a key can be bound to (some route's `auth.bindTo`) and that
 * a plan limit counts by (`param:<name>`): the usage route reads their values from its query, so a bound
 * key may name only its own resources there, as on the routes themselves.
 */
export function boundUsageParams(config: PortierConfig): ReadonlySet<string> {
  const bound = new Set(config.routes.flatMap((route) => route.auth?.bindTo ?? []));
  const counted = Object.values(config.plans).flatMap((plan) => (plan.limits ?? []).flatMap((limit) => limit.by));
  return new Set(counted.flatMap((by) => (by.startsWith('param:') && bound.has(by.slice(6)) ? [by.slice(6)] : [])));
}

/**
 * The caller's own usage of its plan's limits (`rateLimits.usagePath`), read without using any. A key
 * bound to resources asking for another resource's counters (`?base=b2`) is 403 `key_not_bound`.
 */
export function createUsageTerminal(config: PortierConfig, counters: CounterBackend, clock: Clock): Terminal {
  const correlationHeader = config.correlation.header;
  const boundParams = boundUsageParams(config);
  return {
    name: 'rate-limit-usage',
    handle: async function answerUsage(ctx: RequestContext): Promise<Decision> {
      const entry = ctx.auth;
      if (entry === undefined) throw new Error('the usage route runs after api-key-auth');
      const params = Object.fromEntries(new URL(ctx.req.url as string, 'http://portier').searchParams);
      const { bindings } = entry.key;
      if (bindings.length > 0) {
        for (const name of boundParams) {
          const value = params[name];
          if (value !== undefined && !bindings.includes(value)) return portierError('key_not_bound', { param: name, value });
        }
      }
      const limits = await describeUsage(config, counters, { account: entry.account, keyIds: [entry.key.id], params, ip: ctx.req.socket.remoteAddress }, clock.now());
      sendJson(ctx, 200, JSON.stringify({ account: entry.account.id, plan: entry.account.plan, limits }), correlationHeader);
      return undefined;
    },
  };
}
