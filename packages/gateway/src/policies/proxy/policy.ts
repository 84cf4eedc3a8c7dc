import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { Clock } from '../../clock.js';
import type { ValidationConfig } from '../../config/config-types.js';
import { portierError, PortierError } from '../../errors/portier-error.js';
import type { Decision, Terminal } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { isNodeRequest, isNodeResponse, type RequestView } from '../../pipeline/exchange.js';
import type { Logger } from '../../log/create-logger.js';
import { BodySizeLimiter } from '../request-body/limit-body-stream.js';
import { releaseBody } from '../request-body/expect-continue.js';
import { isClientAbort } from '../../pipeline/is-client-abort.js';
import { classifyUpstreamFailure } from './classify-upstream-failure.js';
import { BodyCollector } from './body-collector.js';
import { buildUpstreamHeaders, type ForwardOptions } from './forward-headers.js';
import { maxErrorBodyBytes, normalizeUpstreamError } from './normalize-upstream-error.js';
import { buildClientHeaders } from './response-headers.js';
import { warningsHeader } from './warnings-header.js';
import { mergeWarnings } from './merge-warnings.js';
import type { UpstreamClient } from './upstream-client.js';
import { UpstreamCall, type AnswerSink } from './upstream-call.js';
import { endHttpCall } from '../../tracing/tracing.js';

export interface ProxyOptions extends ForwardOptions {
  readonly maxBodyBytes: number;
  /** Merge the request's warnings into 2xx JSON answers (route `validation.warningsInBody`). */
  readonly warningsInBody: ValidationConfig['warningsInBody'];
  readonly clock: Clock;
  readonly unavailableRetryAfterSeconds: number;
  readonly logger: Logger;
}

type HttpMethod = Dispatcher.HttpMethod;

/** Failures of the upstream that count against its circuit breaker. */
const breakerStatuses = new Set([502, 503, 504]);

/** Per-request state the sink choice and the settling need. */
interface Exchange {
  readonly ctx: RequestContext;
  /** The client's response as Node's, which the upstream call writes the upstream's body into. */
  readonly res: ServerResponse;
  /** This request holds the half-open breaker's one trial. */
  readonly trial: boolean;
  /** The breaker has already been told about this exchange (a 502/503/504 status). */
  counted: boolean;
  readonly sentAt: number;
  collector: BodyCollector | undefined;
  /** A 2xx JSON answer held back to merge warnings into it. */
  successBody: BodyCollector | undefined;
  status: number;
  headers: IncomingHttpHeaders;
}

/**
 * Forwards the request to the route's upstream. The upstream body is written straight into the client
 * response (see UpstreamCall), with no intermediate stream. Errors before the response starts
 * are returned for the pipeline to render; after that the connection is cut so the client never
 * mistakes a truncated body for a whole one.
 */
export function createProxyTerminal(upstream: UpstreamClient, options: ProxyOptions): Terminal {
  const { breaker } = upstream;
  const normalize = upstream.config.errors === 'normalize';
  const service = upstream.serviceName;

  /** Called once the upstream's status and headers are in: decides where the body goes. */
  function chooseSink(exchange: Exchange, status: number, upstreamHeaders: IncomingHttpHeaders): AnswerSink {
    const { ctx } = exchange;
    ctx.upstreamMs = performance.now() - exchange.sentAt;
    ctx.upstreamStatus = status;
    // A failing status counts at once; a success only once the whole body has come (a body cut short
    // is a failure, not a success followed by one).
    if (breakerStatuses.has(status)) {
      breaker.recordFailure();
      exchange.counted = true;
    }
    if (status >= 400 && normalize) {
      exchange.status = status;
      exchange.headers = upstreamHeaders;
      exchange.collector = new BodyCollector(maxErrorBodyBytes);
      return exchange.collector;
    }
    if (options.warningsInBody !== undefined && ctx.warnings.length > 0 && status >= 200 && status < 300 && isJson(upstreamHeaders['content-type'])) {
      exchange.status = status;
      exchange.headers = upstreamHeaders;
      exchange.successBody = new BodyCollector(maxMergedBodyBytes);
      return exchange.successBody;
    }
    const headers = buildClientHeaders(upstreamHeaders, options.correlationHeader);
    headers.push(options.correlationHeader, ctx.correlationId);
    if (status === 503 && upstreamHeaders['retry-after'] === undefined) {
      headers.push('retry-after', String(options.unavailableRetryAfterSeconds));
    }
    for (const item of ctx.responseHeaders) headers.push(item);
    if (ctx.warnings.length > 0) headers.push('x-portier-warnings', warningsHeader(ctx.warnings));
    exchange.res.writeHead(status, headers);
    return exchange.res;
  }

  /**
   * Settles a failed exchange. Who caused it decides everything: the caller (body over the limit, a
   * client that left or broke its own body) gets the client's error and the breaker hears nothing;
   * only a failure of the upstream counts against it; anything else is our bug (internal_error).
   */
  function failed(error: unknown, exchange: Exchange, clientGone: Error | undefined, limiter: BodySizeLimiter | undefined): Decision {
    const { ctx, res } = exchange;
    ctx.upstreamMs ??= performance.now() - exchange.sentAt;
    // Judged by the error itself, not by socket state: when the upstream breaks, the request body is
    // destroyed before this runs. A client whose connection closed first caused whatever came after.
    const clientCaused = limiter?.exceeded === true || (clientGone !== undefined && error === clientGone) || isClientAbort(error);
    const failure = clientCaused ? undefined : classifyUpstreamFailure(error, upstream);
    if (failure === undefined) {
      if (exchange.trial) breaker.releaseTrial();
    } else {
      if (!exchange.counted) breaker.recordFailure();
      options.logger.warn({ correlationId: ctx.correlationId, upstream: upstream.key, failure: failure.kind, afterHeaders: res.headersSent }, 'upstream failed');
    }
    if (res.headersSent) {
      // The status line is out: the only honest end is a cut connection, never a short body that looks whole.
      if (!clientCaused) ctx.brokenMidResponse = true;
      res.destroy();
      return undefined;
    }
    if (limiter?.exceeded === true) {
      return portierError('payload_too_large', { limitBytes: options.maxBodyBytes }, { headers: { Connection: 'close' } });
    }
    if (clientCaused) return undefined; // the client left or broke its own request; nobody to answer
    if (failure === undefined) throw error;
    // The rest of the client's body is still on its way, unread: the connection cannot carry another request.
    if (!res.req.complete) res.setHeader('connection', 'close');
    return failure.error;
  }

  /** Sends a held-back success answer with the warnings merged in (or as it was, if it cannot be). */
  function sendMerged(ctx: RequestContext, exchange: Exchange, text: string | undefined): void {
    const merged = text === undefined || options.warningsInBody === undefined ? undefined : mergeWarnings(text, ctx.warnings, options.warningsInBody);
    const body = merged ?? text ?? '';
    const headers = buildClientHeaders(exchange.headers, options.correlationHeader);
    const pairs: string[] = [];
    for (let i = 0; i < headers.length; i += 2) if (headers[i] !== 'content-length') pairs.push(headers[i] as string, headers[i + 1] as string);
    pairs.push('content-length', String(Buffer.byteLength(body)), options.correlationHeader, ctx.correlationId);
    for (const item of ctx.responseHeaders) pairs.push(item);
    pairs.push('x-portier-warnings', warningsHeader(ctx.warnings));
    ctx.res.writeHead(exchange.status, pairs);
    ctx.res.end(body);
  }

  return {
    name: 'proxy',
    handle: async function proxyRequest(ctx: RequestContext): Promise<Decision> {
      const admission = breaker.admit();
      const waitSeconds = admission.waitSeconds;
      if (waitSeconds > 0) {
        return portierError('upstream_circuit_open', { service, retryAfterSeconds: waitSeconds }, { service, headers: { 'Retry-After': String(waitSeconds) } });
      }
      const { req, res } = ctx;
      // undici reads the body from Node's request and writes the answer into Node's response.
      if (!isNodeRequest(req) || !isNodeResponse(res)) throw new Error('the proxy stage needs a node:http server under the pipeline');
      const limiter = ctx.body === undefined && bodyNeedsCounting(req) ? new BodySizeLimiter(options.maxBodyBytes) : undefined;
      // req.url is the target the router matched, normalized by resolveRequestTarget.
      const path = upstream.basePath + (req.url as string);
      const headers = buildUpstreamHeaders(req, ctx.correlationId, ctx.forwardHeaders, options, ctx.body?.length);
      // Traced, the upstream is told this call's span is its parent (the client's traceparent was dropped).
      const trace = ctx.trace;
      const span = trace === undefined ? undefined : trace.startUpstreamCall(req.method as string, upstream, path);
      if (span !== undefined) trace?.inject(span, headers);
      const exchange: Exchange = { ctx, res, trial: admission.trial, counted: false, sentAt: performance.now(), collector: undefined, successBody: undefined, status: 0, headers: {} };
      /** Why the call failed, for its span: a catalog code, or what else ended it. */
      let failure: string | undefined;
      const body = ctx.body ?? requestBody(ctx, req, limiter);
      const call = new UpstreamCall(res, body, chooseSink, exchange);
      try {
        if (call.clientGone === undefined) upstream.pool.dispatch({ method: req.method as HttpMethod, path, headers, body }, call);
        await call.settled;
      } catch (error) {
        failure = 'internal_error';
        const decision = failed(error, exchange, call.clientGone, limiter);
        failure = decision instanceof PortierError ? decision.code : ctx.brokenMidResponse ? 'broken_mid_response' : 'client_closed';
        return decision;
      } finally {
        if (span !== undefined) endHttpCall(span, ctx.upstreamStatus, failure);
      }
      if (!exchange.counted) breaker.recordSuccess();
      if (exchange.successBody !== undefined) {
        sendMerged(ctx, exchange, exchange.successBody.text());
        return undefined;
      }
      if (exchange.collector === undefined) return undefined;
      return normalizeUpstreamError(
        { statusCode: exchange.status, headers: exchange.headers, body: exchange.collector.text() },
        upstream,
        options.clock,
      );
    },
  };
}


const maxMergedBodyBytes = 1024 * 1024;

function isJson(contentType: string | string[] | undefined): boolean {
  return typeof contentType === 'string' && /[/+]json\b/i.test(contentType);
}

function bodyNeedsCounting(req: RequestView): boolean {
  return req.headers['content-length'] === undefined && req.headers['transfer-encoding'] !== undefined;
}

/** The body streamed as it arrives; a client waiting on `Expect: 100-continue` is told to send it now. */
function requestBody(ctx: RequestContext, req: IncomingMessage, limiter: BodySizeLimiter | undefined): Readable | null {
  if (limiter !== undefined) {
    releaseBody(ctx);
    return req.pipe(limiter);
  }
  const length = req.headers['content-length'];
  if (length === undefined || length === '0') return null;
  releaseBody(ctx);
  return req;
}
