import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type TextMapGetter, type TextMapSetter, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { PortierConfig } from '../config/config-types.js';
import { PortierError } from '../errors/portier-error.js';
import type { Logger } from '../log/create-logger.js';
import { redactUrl } from '../log/redact-url.js';
import type { RequestView } from '../pipeline/exchange.js';
import type { RequestContext } from '../pipeline/request-context.js';

/*
 * OpenTelemetry tracing, off by default (`tracing.enabled`). Off, nothing here is created: the gateway
 * holds `undefined` where a Tracing would be, and every request pays one check of it. On, each request
 * gets a server span (its parent taken from the caller's `traceparent`), the stages that wait on I/O add
 * child spans through the request's RequestTrace, the upstream gets a `traceparent` naming the proxy's
 * span, and the async worker's attempts are spans of their own, linked to the enqueue span of the
 * request that queued them. Spans are exported in batches over OTLP/HTTP (JSON); nothing is global: two
 * gateways in one process trace apart.
 *
 * What a span never holds: the caller's key or token, any header, the query string, any body. Spans
 * carry ids (route, account, operation, correlation) and what the semantic conventions name.
 */

/** Attributes of Portier's own, beside the semantic conventions' names. */
export const portierAttributes = {
  routeId: 'portier.route.id',
  errorCode: 'portier.error.code',
  accountId: 'portier.account.id',
  correlationId: 'portier.correlation_id',
  upstream: 'portier.upstream',
  operationId: 'portier.operation.id',
  attempt: 'portier.operation.attempt',
  outcome: 'portier.operation.outcome',
  admitted: 'portier.rate_limit.admitted',
  idempotencyResult: 'portier.idempotency.result',
} as const;

/** Methods the semantic conventions know; any other is `_OTHER`, with the original beside it. */
const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

/** How long an export may take, and how long shutdown waits for the last spans to go out. */
const exportTimeoutMs = 10_000;
const flushOnShutdownMs = 5_000;

/** Reads `traceparent`/`tracestate` from Node's lower-cased request headers. */
const headerGetter: TextMapGetter<RequestView['headers']> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/** Reads them from flat name/value pairs with lower-case names (a queued operation's headers). */
const pairGetter: TextMapGetter<readonly string[]> = {
  keys: (carrier) => carrier.filter((_value, index) => index % 2 === 0),
  get: (carrier, key) => {
    for (let i = 0; i < carrier.length; i += 2) if (carrier[i] === key) return carrier[i + 1];
    return undefined;
  },
};

const pairSetter: TextMapSetter<string[]> = {
  set: (carrier, key, value) => {
    carrier.push(key, value);
  },
};

/** The trace context headers: what is dropped from forwarded headers while tracing is on, and set anew. */
export const traceContextHeaders: readonly string[] = ['traceparent', 'tracestate'];

/** An upstream as spans describe it (UpstreamClient has it). */
export interface TracedUpstream {
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly scheme: string;
}

/** The gateway's tracer: built once from the config when `tracing.enabled`, shut down (flushed) last. */
export class Tracing {
  readonly tracer: Tracer;
  private readonly provider: BasicTracerProvider;
  private readonly propagator = new W3CTraceContextPropagator();

  constructor(settings: PortierConfig['tracing'], logger: Logger, exporter?: SpanExporter) {
    const otlp = exporter ?? new OTLPTraceExporter({ url: settings.endpoint, headers: { ...settings.headers }, timeoutMillis: exportTimeoutMs });
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
      spanProcessors: [new BatchSpanProcessor(new ReportingExporter(otlp, logger, redactUrl(settings.endpoint)), { exportTimeoutMillis: exportTimeoutMs })],
    });
    this.tracer = this.provider.getTracer('portier');
  }

  /** The server span of a request, child of the caller's `traceparent` when it sent a valid one. */
  startRequest(req: RequestView): RequestTrace {
    const parent = req.headers.traceparent === undefined ? ROOT_CONTEXT : this.propagator.extract(ROOT_CONTEXT, req.headers, headerGetter);
    const method = req.method ?? 'GET';
    const known = knownMethods.has(method);
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: known ? method : '_OTHER',
      [ATTR_URL_SCHEME]: 'http',
      [ATTR_URL_PATH]: pathOf(req.url),
    };
    if (!known) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = method;
    const client = req.socket.remoteAddress;
    if (client !== undefined) attributes[ATTR_CLIENT_ADDRESS] = client;
    const span = this.tracer.startSpan(known ? method : 'HTTP', { kind: SpanKind.SERVER, attributes }, parent);
    return new RequestTrace(this, span, trace.setSpan(parent, span));
  }

  /**
   * The span of one attempt of a queued operation: a trace of its own (the attempt runs later, maybe
   * on another gateway), linked to the span that queued it when its headers name one.
   */
  startAttempt(headers: readonly string[], attributes: Attributes): { readonly span: Span; readonly context: Context } {
    const queued = trace.getSpanContext(this.propagator.extract(ROOT_CONTEXT, headers, pairGetter));
    const links = queued === undefined || !trace.isSpanContextValid(queued) ? [] : [{ context: queued }];
    const span = this.tracer.startSpan('operation attempt', { kind: SpanKind.CONSUMER, attributes, links, root: true }, ROOT_CONTEXT);
    return { span, context: trace.setSpan(ROOT_CONTEXT, span) };
  }

  /** An HTTP call to an upstream, child of `parent`: the span the upstream is told is its parent. */
  startUpstreamCall(parent: Context, method: string, upstream: TracedUpstream, path: string): Span {
    return this.tracer.startSpan(
      method,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: knownMethods.has(method) ? method : '_OTHER',
          [ATTR_SERVER_ADDRESS]: upstream.address,
          [ATTR_SERVER_PORT]: upstream.port,
          [ATTR_URL_SCHEME]: upstream.scheme,
          [ATTR_URL_PATH]: pathOf(path),
          [portierAttributes.upstream]: upstream.key,
        },
      },
      parent,
    );
  }

  /** Appends `traceparent` (and `tracestate`, when there is one) naming `span` to flat header pairs. */
  inject(span: Span, headers: string[]): void {
    this.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, pairSetter);
  }

  /** Ends the spans still open and sends what is batched, for at most a few seconds. */
  async shutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.provider.shutdown().catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, flushOnShutdownMs)))]);
    clearTimeout(timer);
  }
}

/** The request's server span and its context, which the stages' child spans descend from. */
export class RequestTrace {
  constructor(
    private readonly tracing: Tracing,
    readonly span: Span,
    readonly context: Context,
  ) {}

  /** A child span of the request's server span, for a stage that waits on a store (kind CLIENT). */
  startStore(name: string, system: string, operation: string): Span {
    return this.tracing.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: { [ATTR_DB_SYSTEM_NAME]: system, [ATTR_DB_OPERATION_NAME]: operation } }, this.context);
  }

  /** A child span of another kind (the PRODUCER span of an enqueue). */
  start(name: string, kind: SpanKind, attributes: Attributes): Span {
    return this.tracing.tracer.startSpan(name, { kind, attributes }, this.context);
  }

  /** The proxy's call to its upstream. */
  startUpstreamCall(method: string, upstream: TracedUpstream, path: string): Span {
    return this.tracing.startUpstreamCall(this.context, method, upstream, path);
  }

  inject(span: Span, headers: string[]): void {
    this.tracing.inject(span, headers);
  }

  /** Ends the server span with what the exchange came to; the access log line's fields, less the key id. */
  end(ctx: RequestContext): void {
    const { span } = this;
    if (!span.isRecording()) return span.end();
    const route = ctx.route;
    const status = ctx.res.statusCode;
    if (route !== undefined) {
      span.updateName(`${methodOf(ctx.req.method)} ${route.path}`);
      span.setAttribute(ATTR_HTTP_ROUTE, route.path);
      span.setAttribute(portierAttributes.routeId, route.id);
    }
    if (ctx.path !== '') span.setAttribute(ATTR_URL_PATH, ctx.path);
    if (ctx.res.headersSent) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    span.setAttribute(portierAttributes.correlationId, ctx.correlationId);
    const account = ctx.auth?.account.id;
    if (account !== undefined) span.setAttribute(portierAttributes.accountId, account);
    if (ctx.errorCode !== undefined) span.setAttribute(portierAttributes.errorCode, ctx.errorCode);
    if (ctx.brokenMidResponse) {
      span.setAttribute(ATTR_ERROR_TYPE, 'broken_mid_response');
      span.setStatus({ code: SpanStatusCode.ERROR });
    } else if (status >= 500 && ctx.res.headersSent) {
      // A server span's error is the gateway's failing answer; 4xx are the caller's (semantic conventions).
      span.setAttribute(ATTR_ERROR_TYPE, ctx.errorCode ?? String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  }
}

/**
 * `pending` with a store span around it (`startStore`) while the request is traced, and as it is when it
 * is not: the one way a stage traces a call to a store.
 */
export function tracedStoreCall<T>(
  trace: RequestTrace | undefined,
  call: { readonly name: string; readonly system: string; readonly operation: string },
  pending: Promise<T>,
  describe?: (span: Span, value: T) => void,
): Promise<T> {
  return trace === undefined ? pending : endWith(trace.startStore(call.name, call.system, call.operation), pending, describe);
}

/** Ends a span around a promise: its value described by `describe`, a failure marked as the span's error. */
export function endWith<T>(span: Span, pending: Promise<T>, describe?: (span: Span, value: T) => void): Promise<T> {
  return pending.then(
    (value) => {
      describe?.(span, value);
      span.end();
      return value;
    },
    (error: unknown) => {
      markFailed(span, error);
      span.end();
      throw error;
    },
  );
}

/**
 * Marks a span failed with the error's kind only: a catalog code, or the error's class name. Never its
 * message, which can quote what a store or a socket was given.
 */
export function markFailed(span: Span, error: unknown, type?: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, type ?? (error instanceof PortierError ? error.code : error instanceof Error ? error.name : 'unknown'));
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** Ends an HTTP client span with the upstream's status (none when no answer came). */
export function endHttpCall(span: Span, status: number | undefined, failure?: string): void {
  if (status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (failure !== undefined) markFailed(span, undefined, failure);
  else if (status !== undefined && status >= 400) {
    span.setAttribute(ATTR_ERROR_TYPE, String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

function methodOf(method: string | undefined): string {
  return method !== undefined && knownMethods.has(method) ? method : 'HTTP';
}

/** A request target without its query string (which is where a key sent as `?api_key=` travels). */
function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The OTLP exporter, with its failures logged: once when exports start failing (spans are dropped
 * meanwhile) and once when they work again, never once per batch.
 */
class ReportingExporter implements SpanExporter {
  private failing = false;

  constructor(
    private readonly inner: SpanExporter,
    private readonly logger: Logger,
    private readonly endpoint: string,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) {
        if (!this.failing) this.logger.warn({ endpoint: this.endpoint, err: result.error }, 'trace export failed: spans are dropped until the collector answers');
        this.failing = true;
      } else if (this.failing) {
        this.failing = false;
        this.logger.info({ endpoint: this.endpoint }, 'trace export works again');
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
