import type { RequestContext } from './request-context.js';

/** Answers a request the gateway serves itself (health, token exchange, usage, admin) with JSON. */
export function sendJson(ctx: RequestContext, status: number, body: string, correlationHeader: string): void {
  const headers = [
    'content-type',
    'application/json',
    'content-length',
    String(Buffer.byteLength(body)),
    'cache-control',
    'no-store',
    correlationHeader,
    ctx.correlationId,
  ];
  // Headers policies added (RateLimit, Location): gateway-answered routes carry them too.
  for (const item of ctx.responseHeaders) headers.push(item);
  ctx.res.writeHead(status, headers);
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body);
}
