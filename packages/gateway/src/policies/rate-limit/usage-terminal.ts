import type { Clock } from '../../clock.js';
import type { PortierConfig } from '../../config/config-types.js';
import type { Decision, Terminal } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { describeUsage } from './describe-usage.js';
import { sendJson } from '../../pipeline/send-json.js';
import type { CounterBackend } from './shared-counters.js';

/** The caller's own usage of its plan's limits (`rateLimits.usagePath`), read without using any. */
export function createUsageTerminal(config: PortierConfig, counters: CounterBackend, clock: Clock): Terminal {
  const correlationHeader = config.correlation.header;
  return {
    name: 'rate-limit-usage',
    handle: async function answerUsage(ctx: RequestContext): Promise<Decision> {
      const entry = ctx.auth;
      if (entry === undefined) throw new Error('the usage route runs after api-key-auth');
      const query = new URL(ctx.req.url ?? '/', 'http://portier').searchParams;
      const limits = await describeUsage(
        config,
        counters,
        { account: entry.account, keyIds: [entry.key.id], params: Object.fromEntries(query), ip: ctx.req.socket.remoteAddress },
        clock.now(),
      );
      sendJson(ctx, 200, JSON.stringify({ account: entry.account.id, plan: entry.account.plan, limits }), correlationHeader);
      return undefined;
    },
  };
}
