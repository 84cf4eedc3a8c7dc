import type { ErrorCode } from '../errors/catalog.js';
import type { ErrorItem } from '../errors/portier-error.js';
import type { CompiledRoute } from './compiled-route.js';
import type { KeyEntry } from '../accounts/key-directory.js';
import type { RequestView, ResponseSink } from './exchange.js';
import type { RequestTrace } from '../tracing/tracing.js';
import { answeredStatus } from './answered-status.js';

const noParams: Readonly<Record<string, string | undefined>> = Object.freeze({});

/** The state of one request as it moves through the pipeline. One class so that its shape stays stable. */
export class RequestContext {
  correlationId = '';
  /** Request path without the query string. */
  path = '';
  route: CompiledRoute | undefined = undefined;
  params: Readonly<Record<string, string | undefined>> = noParams;
  /** Catalog code of the error answered or logged for this request, if any. */
  errorCode: ErrorCode | undefined = undefined;
  /** Time to the upstream's response headers, in ms. */
  upstreamMs: number | undefined = undefined;
  /** Set when the response was cut off after its headers were sent. */
  brokenMidResponse = false;
  /** Extra response headers added by policies, as flat name/value pairs. */
  readonly responseHeaders: string[] = [];
  /** Non-fatal findings that travel to the caller with the response. */
  readonly warnings: ErrorItem[] = [];
  /** The verified key and its account, when the route authenticates. */
  auth: KeyEntry | undefined = undefined;
  /** Extra headers for the upstream request, as flat name/value pairs. */
  readonly forwardHeaders: string[] = [];
  /** The request body, when a stage had to read it before forwarding (it is then sent from here). */
  body: Buffer | undefined = undefined;
  /** The client sent `Expect: 100-continue` and has not been told to send its body yet. */
  continuePending = false;
  /** The upstream's status, once its response headers arrived. */
  upstreamStatus: number | undefined = undefined;
  /** The pipeline is done with this request: logged, counted, its deferred actions run. */
  finished = false;
  /** The status the caller was sent (499 when nothing was), set by `settle` when the pipeline finishes. */
  status = 0;
  /** Time from arrival to the end of the exchange, in ms, set by `settle`. */
  totalMs = 0;
  /** The request's server span, while tracing is on (`tracing.enabled`); stages add child spans through it. */
  trace: RequestTrace | undefined = undefined;
  /** Work to do once the exchange is over, in the order `defer` was called; run last-first. */
  private deferred: ((ctx: RequestContext) => void)[] | undefined = undefined;

  constructor(
    /** The request, as any server can give it: stages read nothing else of it. */
    readonly req: RequestView,
    readonly res: ResponseSink,
    /** performance.now() when the request arrived. */
    readonly startedAt: number,
  ) {}

  /**
   * Fixes what the access log, the metrics and usage metering report of this request (its status and
   * total time), once for all three.
   */
  settle(now: number): void {
    this.status = answeredStatus(this);
    this.totalMs = now - this.startedAt;
  }

  /**
   * Runs `action` once the exchange is over, answered or not (release a reservation, count a
   * delete). Any number of stages may defer; actions run in reverse order, like a stack unwinding.
   */
  defer(action: (ctx: RequestContext) => void): void {
    (this.deferred ??= []).push(action);
  }

  /**
   * Runs what was deferred, each action once, last deferred first. One that throws does not keep the
   * others from running; the first error is thrown once all have run.
   */
  runDeferred(): void {
    const actions = this.deferred;
    if (actions === undefined) return;
    this.deferred = undefined;
    let failure: { error: unknown } | undefined;
    for (let i = actions.length - 1; i >= 0; i--) {
      try {
        (actions[i] as (ctx: RequestContext) => void)(this);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}
