import type { RequestView, ResponseSink } from '../../pipeline/exchange.js';
import type { RequestContext } from '../../pipeline/request-context.js';

/** The test Node itself applies to `Expect` before it emits 'checkContinue'. */
export const continueExpectation = /(?:^|\W)100-continue(?:$|\W)/i;

/**
 * True when the client waits for `100 Continue` before it sends the body: the server listens to
 * 'checkContinue', so Node leaves the decision to the gateway.
 */
export function expectsContinue(req: RequestView): boolean {
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor !== 1) return false;
  const expect = req.headers.expect;
  return expect !== undefined && continueExpectation.test(expect);
}

/**
 * True when the server has already sent `100 Continue` on this response: Node does so itself, before
 * the request event, when no 'checkContinue' listener is there, as under an app's own server
 * (`portier/express`, `portier/fastify`, `portier/hono`). Read from Node's own flag (`_sent100`, set by
 * `writeContinue`) when the body is wanted, so that the client never gets a second 100.
 */
export function continueSent(res: ResponseSink): boolean {
  return (res as { _sent100?: unknown })._sent100 === true;
}

/**
 * Tells a client that waits on `Expect: 100-continue` to send its body. Called by whatever reads or
 * forwards the body, which happens only once every policy before it has passed. An answer sent
 * before that goes out without the 100, and Node then closes the connection by itself, so a body the
 * client sends anyway is never read as the next request.
 */
export function releaseBody(ctx: RequestContext): void {
  if (!ctx.continuePending) return;
  ctx.continuePending = false;
  if (!continueSent(ctx.res)) ctx.res.writeContinue();
}
