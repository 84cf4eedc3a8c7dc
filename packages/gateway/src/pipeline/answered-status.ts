import type { RequestContext } from './request-context.js';

/** The status logged and counted for a client that left before any answer was sent (nginx's convention). */
export const clientClosedStatus = 499;

/**
 * The status the caller was sent. Node's `statusCode` says 200 until something is written, so a client
 * that went away first would be logged and counted as a success.
 */
export function answeredStatus(ctx: RequestContext): number {
  return ctx.res.headersSent ? ctx.res.statusCode : clientClosedStatus;
}
