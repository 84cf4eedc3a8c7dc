import type { Dispatcher } from 'undici';
import { handlerBody } from '../pipeline/handler-body.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log/create-logger.js';
import type { UpstreamClient } from '../policies/proxy/upstream-client.js';
import { classifyUpstreamFailure } from '../policies/proxy/classify-upstream-failure.js';
import { normalizeUpstreamError } from '../policies/proxy/normalize-upstream-error.js';
import { parseRetryAfter } from '../policies/proxy/parse-retry-after.js';
import { connectionScopedHeaders } from '../policies/proxy/hop-by-hop.js';
import { isResponseScopedHeader } from '../policies/idempotency/response-scoped-headers.js';
import { PortierError } from '../errors/portier-error.js';
import type { OperationAnswer, OperationHandler, OperationHandlers, OperationJob } from './operation-handler.js';
import { backoffDelay } from './backoff.js';
import type { Operation, OperationError, OperationResult, Outcome } from './operation.js';
import type { Operations } from './operations.js';
import { deliverWebhook } from './webhook.js';
import { single } from '../pipeline/single-header.js';
import type { Context, Span } from '@opentelemetry/api';
import { endHttpCall, markFailed, portierAttributes, traceContextHeaders, type Tracing } from '../tracing/tracing.js';

/** How often each gateway looks for due work it was not woken for (retries, other gateways' operations). */
const pollMs = 200;
/** Webhook deliveries in flight at most, and how long one may take. */
const webhookConcurrency = 4;
const webhookTimeoutMs = 10_000;

/** Upstream answers that mean "not now": the attempt is retried. */
const retryStatuses = new Set([408, 425, 429]);

/**
 * Forwards queued operations to their upstream, `concurrency` at a time, each attempt with the
 * operation id as its Idempotency-Key, so that a re-send after a crash or a lost answer is recognised
 * by the upstream. Upstream failures (5xx, 408, 425, 429, unreachable, too slow) are retried with
 * backoff until the route's deadline; other answers are final. Then the webhook, if any, is sent.
 */
export class OperationWorker {
  private running = 0;
  private webhooksRunning = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Set once `stop`'s grace is over: answers from then on are left to whoever takes the lease over. */
  private graceOver = false;
  private scheduled = false;
  /** A fill is claiming (claims are async); a wake during it runs one more fill after it. */
  private filling = false;
  private refill = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** The signals of app handlers running now. */
  private readonly attempting = new Set<AbortController>();

  constructor(
    private operations: Operations,
    private readonly upstreams: ReadonlyMap<string, UpstreamClient>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Present while tracing is on: each attempt is a span, linked to the request that queued it. */
    private readonly tracing?: Tracing,
    /** The work of async app routes, by route id (embedded Portier): run in place of an upstream call. */
    private readonly handlers: OperationHandlers = {},
  ) {}

  /** A reloaded config: attempts claimed from now on follow its async routes and queue settings. */
  use(operations: Operations): void {
    this.operations = operations;
  }

  /** Starts polling (once: a second call, or one after `stop`, does nothing). */
  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setInterval(() => this.wake(), pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks for due work on the next turn of the event loop (coalesced). */
  wake(): void {
    if (this.stopped || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.fill();
    });
  }

  /** Stops claiming work and waits for attempts under way, at most `graceMs`; unfinished ones are taken over after their lease. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    this.graceOver = true;
    // App handlers still running are told their answer will not be recorded.
    for (const aborter of this.attempting) aborter.abort(new Error('the operation worker stopped'));
  }

  private async fill(): Promise<void> {
    if (this.stopped) return;
    if (this.filling) {
      this.refill = true;
      return;
    }
    this.filling = true;
    const { store, config } = this.operations;
    const settings = config.operations;
    try {
      const free = settings.concurrency - this.running;
      if (free > 0) {
        for (const operation of await store.claim(this.clock.now(), settings.leaseMs, free)) this.track(this.attempt(operation));
      }
      const freeHooks = webhookConcurrency - this.webhooksRunning;
      if (freeHooks > 0) {
        for (const operation of await store.claimWebhooks(this.clock.now(), webhookTimeoutMs * 2, freeHooks)) this.track(this.notify(operation), true);
      }
    } catch (error) {
      this.logger.error({ err: error }, 'operation queue unavailable');
    } finally {
      this.filling = false;
    }
    if (this.refill) {
      this.refill = false;
      this.wake();
    }
  }

  private track(work: Promise<void>, webhook = false): void {
    if (webhook) this.webhooksRunning++;
    else this.running++;
    const done = work
      .catch((error: unknown) => this.logger.error({ err: error }, 'operation attempt failed unexpectedly'))
      .finally(() => {
        if (webhook) this.webhooksRunning--;
        else this.running--;
        this.inFlight.delete(done);
        this.wake();
      });
    this.inFlight.add(done);
  }

  private async attempt(operation: Operation): Promise<void> {
    const tracing = this.tracing;
    if (tracing === undefined) return this.run(operation, undefined);
    const attempt = tracing.startAttempt(operation.headers, {
      [portierAttributes.operationId]: operation.id,
      [portierAttributes.attempt]: operation.attempts,
      [portierAttributes.routeId]: operation.routeId,
      [portierAttributes.accountId]: operation.accountId,
      [portierAttributes.correlationId]: operation.correlationId,
    });
    try {
      await this.run(operation, attempt);
    } catch (error) {
      markFailed(attempt.span, error);
      throw error;
    } finally {
      attempt.span.end();
    }
  }

  private async run(operation: Operation, attempt: TracedAttempt | undefined): Promise<void> {
    const route = this.operations.routeOf(operation.routeId);
    const byApp = route !== undefined && route.upstream === undefined;
    const upstream = route?.upstream === undefined ? undefined : this.upstreams.get(route.upstream);
    const handler = byApp && Object.hasOwn(this.handlers, operation.routeId) ? this.handlers[operation.routeId] : undefined;
    const webhook = route?.async.webhook !== undefined;
    const now = this.clock.now();
    let outcome: Outcome;
    if (upstream === undefined && handler === undefined) {
      // The route was removed from the config while the operation waited.
      outcome = { kind: 'done', status: 'Failed', error: { code: 'not_found', status: 404, params: { method: operation.method, path: operation.url } }, webhook };
    } else if (now >= operation.deadlineAt) {
      outcome = this.timedOut(operation, webhook);
    } else if (handler !== undefined) {
      outcome = await this.runHandler(operation, handler, webhook);
    } else {
      outcome = await this.send(operation, upstream as UpstreamClient, webhook, attempt);
    }
    if (attempt !== undefined) describeOutcome(attempt.span, outcome);
    return this.settle(operation, outcome, this.clock.now());
  }

  private async send(operation: Operation, upstream: UpstreamClient, webhook: boolean, attempt: TracedAttempt | undefined): Promise<Outcome> {
    const maxResultBytes = this.operations.config.operations.maxResultBytes;
    const path = upstream.basePath + operation.url;
    // Traced, the upstream's parent is this attempt's call, not the context the operation was queued with.
    const queued = attempt === undefined ? operation.headers : withoutTraceContext(operation.headers);
    const headers = [...queued, 'idempotency-key', operation.id, 'x-portier-operation-id', operation.id, 'x-portier-attempt', String(operation.attempts)];
    if (operation.body !== undefined) headers.push('content-length', String(operation.body.length));
    const span = attempt === undefined || this.tracing === undefined ? undefined : this.tracing.startUpstreamCall(attempt.context, operation.method, upstream, path);
    if (span !== undefined) this.tracing?.inject(span, headers);
    let failure: PortierError | undefined;
    let hintMs: number | undefined;
    try {
      const response = await upstream.pool.request({
        method: operation.method as Dispatcher.HttpMethod,
        path,
        headers,
        body: operation.body ?? null,
      });
      const result = await readResult(response, maxResultBytes, this.operations.config.correlation.header.toLowerCase());
      const status = response.statusCode;
      if (span !== undefined) endHttpCall(span, status);
      if (status < 400) return { kind: 'done', status: 'Success', result, webhook };
      const error = normalizeUpstreamError(
        { statusCode: status, headers: response.headers, body: result.body?.toString('utf8') },
        upstream,
        this.clock,
      );
      if (status < 500 && !retryStatuses.has(status)) return { kind: 'done', status: 'Failed', result, error: toOperationError(error), webhook };
      failure = error;
      const retryAfter = parseRetryAfter(response.headers['retry-after'], this.clock.now());
      hintMs = retryAfter === undefined ? undefined : retryAfter * 1000;
    } catch (error) {
      failure = classifyUpstreamFailure(error, upstream)?.error;
      if (span !== undefined && span.isRecording()) endHttpCall(span, undefined, failure?.code ?? 'internal_error');
      if (failure === undefined) throw error;
    }
    const now = this.clock.now();
    const at = now + backoffDelay(operation.attempts, this.operations.config.operations.retry, hintMs);
    this.logger.warn({ correlationId: operation.correlationId, operationId: operation.id, attempt: operation.attempts, code: failure.code, retryInMs: at - now }, 'operation attempt failed');
    if (at >= operation.deadlineAt) return this.timedOut(operation, webhook);
    return { kind: 'retry', at };
  }

  /**
   * One attempt of an async app route: the app's handler in place of the upstream, its answer read
   * as an upstream's. A catalog error it throws ends the operation; anything else it throws, and an
   * answer of the retried kind, is retried with the same backoff and deadline.
   */
  private async runHandler(operation: Operation, handler: OperationHandler, webhook: boolean): Promise<Outcome> {
    const { maxResultBytes, leaseMs } = this.operations.config.operations;
    const correlationLower = this.operations.config.correlation.header.toLowerCase();
    const aborter = new AbortController();
    this.attempting.add(aborter);
    // Past its lease the attempt is someone else's to make again: its answer is not awaited any longer.
    let timer: NodeJS.Timeout | undefined;
    const leaseOver = new Promise<never>((_resolve, reject) => {
      aborter.signal.addEventListener('abort', () => reject(aborter.signal.reason as Error), { once: true });
      timer = setTimeout(() => aborter.abort(new Error(`the operation handler ran past its lease (operations.leaseMs: ${leaseMs})`)), leaseMs).unref();
    });
    let failure: { readonly code: string; readonly error?: unknown };
    let hintMs: number | undefined;
    try {
      const answer = await Promise.race([handler(jobOf(operation, aborter.signal)), leaseOver]);
      const result = answerResult(answer, maxResultBytes, correlationLower);
      const status = result.status;
      if (status < 400) return { kind: 'done', status: 'Success', result, webhook };
      if (status < 500 && !retryStatuses.has(status)) return { kind: 'done', status: 'Failed', result, webhook };
      failure = { code: `status ${status}` };
      const retryAfter = parseRetryAfter(headerOf(result.headers, 'retry-after'), this.clock.now());
      hintMs = retryAfter === undefined ? undefined : retryAfter * 1000;
    } catch (error) {
      if (error instanceof PortierError) return { kind: 'done', status: 'Failed', error: toOperationError(error), webhook };
      // Cut off by `stop`: not a failure of the handler; the operation is taken over after its lease.
      if (this.graceOver) return { kind: 'retry', at: this.clock.now() };
      failure = { code: 'thrown', error };
    } finally {
      clearTimeout(timer);
      this.attempting.delete(aborter);
    }
    const now = this.clock.now();
    const at = now + backoffDelay(operation.attempts, this.operations.config.operations.retry, hintMs);
    this.logger.warn(
      { correlationId: operation.correlationId, operationId: operation.id, attempt: operation.attempts, failure: failure.code, err: failure.error, retryInMs: at - now },
      'operation attempt failed: the app\'s handler',
    );
    if (at >= operation.deadlineAt) return this.timedOut(operation, webhook);
    return { kind: 'retry', at };
  }

  private timedOut(operation: Operation, webhook: boolean): Outcome {
    const deadline = this.operations.routeOf(operation.routeId)?.async.deadline ?? '';
    return { kind: 'done', status: 'TimedOut', error: { code: 'operation_timed_out', status: 504, params: { operationId: operation.id, deadline } }, webhook };
  }

  private async settle(operation: Operation, outcome: Outcome, now: number): Promise<void> {
    // Past the grace `stop` gave it: leave the operation to whoever takes its lease over next. An
    // attempt that ended within the grace is recorded: that is what the grace is for.
    if (this.graceOver) return;
    if (!(await this.operations.store.settle(operation, outcome, now))) {
      this.logger.warn({ correlationId: operation.correlationId, operationId: operation.id }, 'operation lease lost: another worker took it over; this answer is dropped');
      return;
    }
    // A retry due before the next poll is picked up on time.
    if (outcome.kind === 'retry' && outcome.at - now < pollMs) setTimeout(() => this.wake(), Math.max(0, outcome.at - now)).unref();
    if (outcome.kind === 'done') {
      this.logger.info({ correlationId: operation.correlationId, operationId: operation.id, status: outcome.status, attempts: operation.attempts }, 'operation finished');
    }
  }

  private async notify(operation: Operation): Promise<void> {
    const hook = this.operations.routeOf(operation.routeId)?.async.webhook;
    const { store } = this.operations;
    if (hook === undefined) return store.webhookSettled(operation.id, 'failed', null);
    const body = JSON.stringify(this.operations.bodyOf(operation));
    const delivered = await deliverWebhook(hook, body, this.clock.now(), webhookTimeoutMs);
    if (delivered) return store.webhookSettled(operation.id, 'delivered', null);
    if (operation.webhookAttempts >= hook.maxAttempts) {
      this.logger.error({ correlationId: operation.correlationId, operationId: operation.id, attempts: operation.webhookAttempts }, 'webhook abandoned');
      return store.webhookSettled(operation.id, 'failed', null);
    }
    const next = this.clock.now() + backoffDelay(operation.webhookAttempts, this.operations.config.operations.retry, undefined);
    await store.webhookSettled(operation.id, 'pending', next);
  }
}

/** An attempt's span and the context its upstream call descends from. */
interface TracedAttempt {
  readonly span: Span;
  readonly context: Context;
}

/** Queued headers without the trace context they were stored with (the attempt sends its own). */
function withoutTraceContext(headers: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (!traceContextHeaders.includes(name)) out.push(name, headers[i + 1] as string);
  }
  return out;
}

function describeOutcome(span: Span, outcome: Outcome): void {
  span.setAttribute(portierAttributes.outcome, outcome.kind === 'done' ? outcome.status : 'Retry');
  if (outcome.kind === 'done' && outcome.error !== undefined) span.setAttribute(portierAttributes.errorCode, outcome.error.code);
  if (outcome.kind === 'done' && outcome.status !== 'Success') markFailed(span, undefined, outcome.error?.code ?? outcome.status);
}

function toOperationError(error: PortierError): OperationError {
  return { code: error.code, status: error.status, params: error.params, ...(error.service === undefined ? {} : { service: error.service }) };
}

/**
 * Reads the upstream's answer, keeping its body up to `maxBytes` (over it, the status and headers only),
 * and of its headers only those that describe the answer (no cookie set for the worker, no CORS).
 */
async function readResult(response: Dispatcher.ResponseData, maxBytes: number, correlationHeader: string): Promise<OperationResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) overflow = true;
    else chunks.push(chunk);
  }
  const skip = connectionScopedHeaders(single(response.headers['connection']));
  const headers: string[] = [];
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined || skip.has(name) || isResponseScopedHeader(name, correlationHeader)) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.push(name, item);
  }
  return { status: response.statusCode, headers, body: overflow ? undefined : Buffer.concat(chunks) };
}

/** What the app's handler sees of a stored operation. */
function jobOf(operation: Operation, signal: AbortSignal): OperationJob {
  // No prototype, as Node's own `req.headers`: a header named `__proto__` is kept as a header.
  const headers = Object.create(null) as Record<string, string>;
  for (let i = 0; i < operation.headers.length; i += 2) {
    const name = operation.headers[i] as string;
    const value = operation.headers[i + 1] as string;
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value;
  }
  const question = operation.url.indexOf('?');
  return {
    operationId: operation.id,
    attempt: operation.attempts,
    routeId: operation.routeId,
    accountId: operation.accountId,
    // Set by Portier's auth stage on every queued request (a forged one from the caller is dropped first).
    keyId: headers['x-portier-key-id'],
    method: operation.method,
    path: question === -1 ? operation.url : operation.url.slice(0, question),
    query: new URLSearchParams(question === -1 ? '' : operation.url.slice(question + 1)),
    params: operation.params,
    headers,
    body: handlerBody(operation.body, headers['content-type']),
    correlationId: operation.correlationId,
    requestedAt: operation.requestedAt,
    deadlineAt: operation.deadlineAt,
    signal,
  };
}

/** A header name (an RFC 9110 token) and value (visible characters, spaces and tabs): what Node's `writeHead` accepts. */
const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const headerValue = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The handler's answer as an operation result: what `readResult` makes of an upstream's. */
function answerResult(answer: OperationAnswer, maxBytes: number, correlationHeader: string): OperationResult {
  const status = answer?.status;
  if (!Number.isInteger(status) || status < 200 || status > 599) throw new Error(`the operation handler answered no valid status (${String(status)}): it must return { status, headers?, body? }`);
  const headers: string[] = [];
  let hasType = false;
  for (const [key, value] of Object.entries(answer.headers ?? {})) {
    const name = key.toLowerCase();
    if (name === 'content-type') hasType = true;
    if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection' || isResponseScopedHeader(name, correlationHeader)) continue;
    for (const item of Array.isArray(value) ? (value as readonly string[]) : [String(value)]) {
      // Checked now, as Node checks an upstream's: a header the result's answer could not carry would make
      // the operation a Success whose result every GET fails on. Thrown, it is a failed attempt, logged.
      const text = String(item);
      if (!headerName.test(name) || !headerValue.test(text)) throw new Error(`the operation handler answered a header HTTP cannot carry ("${name}": a name that is not a token, or a line break or control character in the value)`);
      headers.push(name, text);
    }
  }
  const raw = answer.body;
  let body: Buffer;
  if (raw === undefined || raw === null) body = Buffer.alloc(0);
  else if (Buffer.isBuffer(raw)) body = raw;
  else if (typeof raw === 'string') {
    body = Buffer.from(raw, 'utf8');
    if (!hasType) headers.push('content-type', 'text/plain; charset=utf-8');
  } else {
    body = Buffer.from(JSON.stringify(raw), 'utf8');
    if (!hasType) headers.push('content-type', 'application/json');
  }
  return { status, headers, body: body.length > maxBytes ? undefined : body };
}

/** The first value of a header in flat pairs. */
function headerOf(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}
