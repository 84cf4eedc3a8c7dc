import { portierError } from '../../errors/portier-error.js';
import type { Decision, Policy } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';

/**
 * Refuses a body whose declared Content-Length is over the route's cap before anything is read.
 * Bodies without a length (chunked) are counted while they stream (see limit-body-stream.ts).
 */
export function createBodyLimitPolicy(maxBodyBytes: number): Policy {
  return {
    name: 'request-body',
    handle: function checkBodyLimit(ctx: RequestContext): Decision {
      const declared = ctx.req.headers['content-length'];
      if (declared === undefined || Number(declared) <= maxBodyBytes) return undefined;
      return portierError('payload_too_large', { limitBytes: maxBodyBytes }, { headers: { Connection: 'close' } });
    },
  };
}
