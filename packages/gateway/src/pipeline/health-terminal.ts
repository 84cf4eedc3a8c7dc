import type { Decision, Terminal } from './policy.js';
import type { RequestContext } from './request-context.js';
import { sendJson } from './send-json.js';

const healthyBody = JSON.stringify({ status: 'ok' });

/** The built-in health check: the gateway answers it itself, no upstream involved. */
export function createHealthTerminal(correlationHeader: string): Terminal {
  return {
    name: 'health',
    handle: function answerHealth(ctx: RequestContext): Promise<Decision> {
      sendJson(ctx, 200, healthyBody, correlationHeader);
      return Promise.resolve(undefined);
    },
  };
}
