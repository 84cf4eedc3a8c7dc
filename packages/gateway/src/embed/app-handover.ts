import type { IncomingMessage } from 'node:http';
import type { AppDeps } from '../policies/app/index.js';
import { answered, type Decision } from '../pipeline/policy.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { isNodeRequest, isNodeResponse } from '../pipeline/exchange.js';
import { warningsHeader } from '../policies/proxy/warnings-header.js';
import { releaseBody } from '../policies/request-body/expect-continue.js';
import { describeRequest, type PortierRequest } from './portier-request.js';
import { handlerBody } from '../pipeline/handler-body.js';

/** A request Portier is running, admitted by the adapter: how to let the app continue with it. */
interface Admitted {
  /** The response is over: set once, by whichever of 'finish' and 'close' comes first. */
  settled: boolean;
  /** Runs the app's own handler (Express `next()`, Hono's `await next()`). */
  readonly proceed: () => void;
  /** Set while the app has the request: what its failure settles. */
  fail: ((error: unknown) => void) | undefined;
  /** The route handed over, for the log when no handler of the app answers it. */
  routeId: string | undefined;
}

/**
 * What a framework does when the app gets a request: put `portier` where handlers look, and the body
 * where its parsers look, when a stage has read the stream (`readBody`: the bytes, as validated).
 */
export type EnterApp = (req: IncomingMessage, portier: PortierRequest, readBody: Buffer | undefined) => void;

/**
 * The bridge between the pipeline's `app` stage and a framework: the adapter admits each request
 * with its continuation before running the pipeline; when every stage has passed, the stage hands
 * over here and the app answers on the same response (so an idempotency record captures it). The
 * route's answer is over when that response finishes: deferred actions run then, with the app's
 * status. A failure the app reports while it has the request is the pipeline's to render.
 */
/**
 * Where the admission is kept: a property of the request itself, read back by the hooks that follow.
 * Cheaper per request than a WeakMap (no ephemeron entry for the collector to trace and sweep).
 */
const admission = Symbol('portier.admitted');
type AdmittedRequest = IncomingMessage & { [admission]?: Admitted };

export class AppHandover implements AppDeps {

  constructor(
    /** Correlation header as sent to clients. */
    private readonly correlationHeader: string,
    private readonly enter: EnterApp,
  ) {}

  /** Called by the adapter for each request, before the pipeline runs it. */
  admit(req: IncomingMessage, proceed: () => void): void {
    (req as AdmittedRequest)[admission] = { settled: false, proceed, fail: undefined, routeId: undefined };
  }

  /** The app failed on `req`: true when Portier had handed it over and will render the failure. */
  fail(req: IncomingMessage, error: unknown): boolean {
    const admitted = (req as AdmittedRequest)[admission];
    if (admitted?.fail === undefined) return false;
    admitted.fail(error);
    return true;
  }

  /**
   * No handler of the app answered a route Portier handed over (`app: true` with no handler, or one
   * that called `next()`): true when it is then answered `internal_error`, the deployment's bug.
   */
  unanswered(req: IncomingMessage): boolean {
    const routeId = (req as AdmittedRequest)[admission]?.routeId;
    return routeId !== undefined && this.fail(req, new Error(`route ${routeId} is answered by the app (\`app: true\`), but no handler of the app answered it`));
  }

  handOver(ctx: RequestContext): Promise<Decision> {
    const { req, res } = ctx;
    // The frameworks Portier embeds in serve Node's own objects; the app answers on them.
    if (!isNodeRequest(req) || !isNodeResponse(res)) return Promise.reject(new Error('the app stage runs only under the Express, Fastify and Hono adapters'));
    const admitted = (req as AdmittedRequest)[admission];
    if (admitted === undefined) return Promise.reject(new Error('a request reached the app stage without being admitted by the adapter'));
    // What the stages add to every answer (RateLimit, CORS, the correlation ID) goes on the app's too.
    const added = ctx.responseHeaders;
    for (let i = 0; i < added.length; i += 2) res.appendHeader(added[i] as string, added[i + 1] as string);
    res.setHeader(this.correlationHeader, ctx.correlationId);
    if (ctx.warnings.length > 0) res.setHeader('x-portier-warnings', warningsHeader(ctx.warnings));
    this.enter(req, describeRequest(ctx, handlerBody(ctx.body, ctx.req.headers['content-type'])), ctx.body);
    // Every stage passed: a client still waiting on `Expect: 100-continue` (a server that listens to
    // 'checkContinue' and hands the request to the app) may send its body to the app now.
    releaseBody(ctx);
    return new Promise<Decision>((resolve, reject) => {
      admitted.fail = reject;
      admitted.routeId = ctx.route?.id;
      const settle = (): void => {
        if (admitted.settled) return;
        admitted.settled = true;
        // A failure reported after the answer is no longer Portier's to render: the framework's handler gets it.
        admitted.fail = undefined;
        // The stages' deferred actions read the answer's status as they would an upstream's (an entity slot kept on 2xx).
        ctx.upstreamStatus = res.headersSent ? res.statusCode : undefined;
        resolve(answered);
      };
      // Plain listeners, guarded by `settled`: `once` would wrap each in a closure of its own. Both stay
      // on this request's response, which is dropped with it.
      res.on('finish', settle);
      res.on('close', settle);
      admitted.proceed();
    });
  }
}
