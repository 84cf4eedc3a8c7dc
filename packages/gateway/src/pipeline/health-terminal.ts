import { portierError } from '../errors/portier-error.js';
import type { Readiness } from '../server/readiness.js';
import type { Decision, Terminal } from './policy.js';
import type { RequestContext } from './request-context.js';
import { sendJson } from './send-json.js';

const healthyBody = JSON.stringify({ status: 'ok' });
const readyBody = JSON.stringify({ status: 'ready' });

/** The built-in liveness check: the gateway answers it itself, no upstream or store involved. */
export function createHealthTerminal(correlationHeader: string): Terminal {
  return {
    name: 'health',
    handle: function answerHealth(ctx: RequestContext): Promise<Decision> {
      sendJson(ctx, 200, healthyBody, correlationHeader);
      return Promise.resolve(undefined);
    },
  };
}

/**
 * The built-in readiness check: 200 while every store the config uses answers and the gateway is not
 * shutting down, else 503 `not_ready` naming the checks that failed (rendered in the route's envelope).
 * Results are cached by `Readiness`, so a probe under load costs no store round trip.
 */
export function createReadyTerminal(readiness: Readiness, correlationHeader: string): Terminal {
  return {
    name: 'ready',
    handle: async function answerReady(ctx: RequestContext): Promise<Decision> {
      const failed = await readiness.failedChecks();
      if (failed.length > 0) return portierError('not_ready', { checks: failed.join(', ') }, { headers: { 'Retry-After': '1' } });
      sendJson(ctx, 200, readyBody, correlationHeader);
      return undefined;
    },
  };
}
