import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '../policies/app/index.js';
import { answered, type Decision } from '../pipeline/policy.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { isNodeRequest, isNodeResponse } from '../pipeline/exchange.js';
import { warningsHeader } from '../policies/proxy/warnings-header.js';
import { releaseBody } from '../policies/request-body/expect-continue.js';
import { describeRequest, type PortierRequest } from './portier-request.js';
import { handlerBody } from '../pipeline/handler-body.js';

/** Where an admitted request is: Portier's stages run it, the app has it, or its response is over. */
export type AdmissionPhase = 'stages' | 'app' | 'over';

/**
 * One request an adapter admitted, with all that the hooks need of it until its response ends: one
 * record per request, made by the adapter (a subclass holding its framework's continuation), in place
 * of closures and properties spread over several objects.
 */
export abstract class Admission {
  phase: AdmissionPhase = 'stages';
  /** While the app has the request: its context, and what settles the app stage. */
  ctx: RequestContext | undefined = undefined;
  resolve: ((decision: Decision) => void) | undefined = undefined;
  reject: ((error: unknown) => void) | undefined = undefined;

  /**
   * Every stage passed: the app's handler answers (Express `next()`, Fastify's `done`), told `portier`;
   * `readBody` is the body when a stage read the stream (the bytes, as validated), for the app's parsers.
   */
  abstract enterApp(portier: PortierRequest, readBody: Buffer | undefined): void;

  /** The response ended while Portier's stages ran: Portier answered (a refusal, a replay, a built-in route), or the client left. */
  answered(): void {}
}

/**
 * Where the admission is kept: a property of the request itself, read back by the hooks that follow.
 * Cheaper per request than a WeakMap (no ephemeron entry for the collector to trace and sweep).
 */
const admission = Symbol('portier.admitted');
type AdmittedRequest = IncomingMessage & { [admission]?: Admission };

/**
 * The 'finish' and 'close' listener of every admitted response (one function for all, no closure per
 * request; guarded by the phase, so whichever event comes first counts): before the hand-over it is
 * Portier's answer (or the client leaving), after it the app's answer, which settles the app stage.
 */
function responseOver(this: ServerResponse): void {
  const admitted = (this.req as AdmittedRequest)[admission];
  if (admitted === undefined || admitted.phase === 'over') return;
  const handedOver = admitted.phase === 'app';
  admitted.phase = 'over';
  if (!handedOver) return admitted.answered();
  // The stages' deferred actions read the answer's status as they would an upstream's (an entity slot kept on 2xx).
  (admitted.ctx as RequestContext).upstreamStatus = this.headersSent ? this.statusCode : undefined;
  admitted.resolve?.(answered);
}

/**
 * The bridge between the pipeline's `app` stage and a framework: the adapter admits each request
 * with its continuation before running the pipeline; when every stage has passed, the stage hands
 * over here and the app answers on the same response (so an idempotency record captures it). The
 * route's answer is over when that response finishes: deferred actions run then, with the app's
 * status. A failure the app reports while it has the request is the pipeline's to render.
 */
export class AppHandover implements AppDeps {

  constructor(
    /** Correlation header as sent to clients. */
    private readonly correlationHeader: string,
  ) {}

  /** Called by the adapter for each request, before the pipeline runs it. */
  admit(req: IncomingMessage, res: ServerResponse, admitted: Admission): void {
    (req as AdmittedRequest)[admission] = admitted;
    // Plain listeners shared by every response, not `once` (a wrapper each); they stay on this
    // request's response, which is dropped with it.
    res.on('finish', responseOver);
    res.on('close', responseOver);
  }

  /** The app failed on `req`: true when Portier had handed it over and will render the failure. */
  fail(req: IncomingMessage, error: unknown): boolean {
    const admitted = (req as AdmittedRequest)[admission];
    // Once the response is over, a failure is no longer Portier's to render: the framework's handler gets it.
    if (admitted?.phase !== 'app') return false;
    admitted.reject?.(error);
    return true;
  }

  /**
   * No handler of the app answered a route Portier handed over (`app: true` with no handler, or one
   * that called `next()`): true when it is then answered `internal_error`, the deployment's bug.
   */
  unanswered(req: IncomingMessage): boolean {
    const routeId = (req as AdmittedRequest)[admission]?.ctx?.route?.id;
    return routeId !== undefined && this.fail(req, new Error(`route ${routeId} is answered by the app (\`app: true\`), but no handler of the app answered it`));
  }

  handOver(ctx: RequestContext): Promise<Decision> {
    const { req, res } = ctx;
    // The frameworks Portier embeds in serve Node's own objects; the app answers on them.
    if (!isNodeRequest(req) || !isNodeResponse(res)) return Promise.reject(new Error('the app stage runs only under the Express, Fastify and Hono adapters'));
    const admitted = (req as AdmittedRequest)[admission];
    if (admitted === undefined) return Promise.reject(new Error('a request reached the app stage without being admitted by the adapter'));
    // The response ended before every stage had passed (the client left while a stage waited): the
    // listeners have fired already, so the stage settles now, with nothing for the app to answer.
    if (admitted.phase === 'over') {
      ctx.upstreamStatus = res.headersSent ? res.statusCode : undefined;
      return Promise.resolve(answered);
    }
    // What the stages add to every answer (RateLimit, CORS, the correlation ID) goes on the app's too.
    // A name the response has not got yet is set: `appendHeader` would validate it, then call `setHeader`,
    // which validates it again (Node 20). A name it has (set earlier, or repeated in the list) is appended.
    const added = ctx.responseHeaders;
    for (let i = 0; i < added.length; i += 2) {
      const name = added[i] as string;
      if (res.hasHeader(name)) res.appendHeader(name, added[i + 1] as string);
      else res.setHeader(name, added[i + 1] as string);
    }
    res.setHeader(this.correlationHeader, ctx.correlationId);
    if (ctx.warnings.length > 0) res.setHeader('x-portier-warnings', warningsHeader(ctx.warnings));
    const portier = describeRequest(ctx, handlerBody(ctx.body, ctx.req.headers['content-type']));
    // Every stage passed: a client still waiting on `Expect: 100-continue` (a server that listens to
    // 'checkContinue' and hands the request to the app) may send its body to the app now.
    releaseBody(ctx);
    return new Promise<Decision>((resolve, reject) => {
      admitted.ctx = ctx;
      admitted.resolve = resolve;
      admitted.reject = reject;
      admitted.phase = 'app';
      admitted.enterApp(portier, ctx.body);
    });
  }
}
