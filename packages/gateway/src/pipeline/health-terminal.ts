import type { Decision, Terminal } from './policy.js';
import type { RequestContext } from './request-context.js';

const healthyBody = JSON.stringify({ status: 'ok' });

/** The built-in health check: the gateway answers it itself, no upstream involved. */
export function createHealthTerminal(correlationHeader: string): Terminal {
  return {
    name: 'health',
    handle: function answerHealth(ctx: RequestContext): Promise<Decision> {
      ctx.res.writeHead(200, [
        'content-type',
        'application/json',
        'content-length',
        String(healthyBody.length),
        'cache-control',
        'no-store',
        correlationHeader,
        ctx.correlationId,
      ]);
      ctx.res.end(ctx.req.method === 'HEAD' ? undefined : healthyBody);
      return Promise.resolve(undefined);
    },
  };
}
