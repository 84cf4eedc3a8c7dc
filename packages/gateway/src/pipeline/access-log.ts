import type { AccessLog } from '../log/access-log.js';
import type { RequestContext } from './request-context.js';

/**
 * One JSON line per request, with the outcome `ctx.settle` fixed. Only chosen fields are logged: never
 * headers, query strings or bodies, which is where keys and tokens travel.
 */
export function logAccess(accessLog: AccessLog, ctx: RequestContext): void {
  if (!accessLog.enabled) return;
  const { req, res } = ctx;
  accessLog.write({
    correlationId: ctx.correlationId,
    method: req.method ?? '',
    path: ctx.path,
    route: ctx.route?.id,
    status: ctx.status,
    code: ctx.errorCode,
    account: ctx.auth?.account.id,
    keyId: ctx.auth?.key.id,
    totalMs: ctx.totalMs,
    upstreamMs: ctx.upstreamMs,
    brokenMidResponse: ctx.brokenMidResponse,
    clientClosed: !res.writableEnded,
  });
}
