import { portierError, type PortierError } from '../../errors/portier-error.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { releaseBody } from './expect-continue.js';

/**
 * Reads the whole request body once, with the route's size cap, into `ctx.body`; the proxy then
 * forwards that buffer instead of the stream. For stages that must look inside the body before it is
 * forwarded. Returns an error (413) instead of reading past the cap.
 */
export async function readRequestBody(ctx: RequestContext, maxBytes: number): Promise<PortierError | undefined> {
  if (ctx.body !== undefined) return undefined;
  releaseBody(ctx);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += chunk.length;
    if (size > maxBytes) return portierError('payload_too_large', { limitBytes: maxBytes }, { headers: { Connection: 'close' } });
    chunks.push(chunk);
  }
  ctx.body = Buffer.concat(chunks);
  return undefined;
}
