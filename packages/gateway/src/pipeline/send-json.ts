import type { RequestContext } from './request-context.js';

/** Answers a request the gateway serves itself (health, token exchange, usage, admin) with JSON. */
export function sendJson(ctx: RequestContext, status: number, body: string, correlationHeader: string): void {
  ctx.res.writeHead(status, [
    'content-type',
    'application/json',
    'content-length',
    String(Buffer.byteLength(body)),
    'cache-control',
    'no-store',
    correlationHeader,
    ctx.correlationId,
  ]);
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body);
}
