import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { RequestContext } from './request-context.js';

/**
 * One JSON line per request. Only chosen fields are logged: never headers, query strings or bodies,
 * which is where keys and tokens travel.
 */
export function logAccess(logger: Logger, ctx: RequestContext): void {
  const { req, res } = ctx;
  logger.info(
    {
      correlationId: ctx.correlationId,
      method: req.method,
      path: ctx.path,
      route: ctx.route?.id,
      status: res.statusCode,
      code: ctx.errorCode,
      totalMs: round(performance.now() - ctx.startedAt),
      upstreamMs: ctx.upstreamMs === undefined ? undefined : round(ctx.upstreamMs),
      brokenMidResponse: ctx.brokenMidResponse || undefined,
      clientClosed: res.writableEnded ? undefined : true,
    },
    'request',
  );
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
