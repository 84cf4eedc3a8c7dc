import { backoffDelay, defaultBackoff, type BackoffSettings } from './backoff.js';
import {
  AbortedError,
  ConnectionError,
  errorClassFor,
  OperationFailedError,
  PortierApiError,
  TimeoutError,
  type SentRequest,
} from './errors.js';
import { headerMap, type HeaderMap } from './headers.js';
import { sharedPacer, type Pacer } from './pacer.js';
import { items, parseErrorBody, type ErrorItem, type ParsedErrorBody } from './parse-error-body.js';
import { readRateLimit, type RateLimitState } from './rate-limit-state.js';
import { rememberCredential } from './redact.js';
import { isRetryableFailure, isRetryableStatus, serverRetryDelayMs } from './retry-policy.js';

/** How the key is sent: `Authorization: Bearer|Token|Basic`, or a header of its own. */
export type AuthScheme = 'bearer' | 'token' | 'basic' | { readonly header: string };

/** Time, injectable so that tests need not sleep. */
export interface ClientClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface RetryInfo {
  /** 1 for the first retry. */
  readonly retry: number;
  readonly delayMs: number;
  /** Whether the delay came from the server (Retry-After, retry-after-ms, RateLimit) or from backoff. */
  readonly source: 'server' | 'backoff';
  readonly status: number | undefined;
  readonly error: PortierApiError;
}

export interface ClientOptions {
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly scheme?: AuthScheme;
  /** Per attempt (default 60 s). */
  readonly timeoutMs?: number;
  /** Retries after the first attempt (default 2). */
  readonly maxRetries?: number;
  /** Total time retries may add (default 60 s): a longer server wait is not waited for. */
  readonly maxRetryTimeMs?: number;
  readonly backoff?: BackoffSettings;
  /** Slow down from the server's rate-limit headers before a 429 (shared per base URL and key). */
  readonly pacing?: boolean;
  readonly correlationHeader?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetch?: typeof fetch;
  readonly onRetry?: (info: RetryInfo) => void;
  readonly clock?: ClientClock;
  readonly random?: () => number;
  /** Base path of async operations, for `waitForOperation(id)` (default `/operations`). */
  readonly operationsPath?: string;
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestOptions {
  readonly query?: Query;
  /** A value is sent as JSON; strings, bytes, forms and streams as they are (a stream is never retried). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** The Idempotency-Key; POST and PATCH get one automatically, reused across retries. `false` sends none. */
  readonly idempotencyKey?: string | false;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly maxRetries?: number;
}

export interface ApiResponse<T> {
  readonly data: T;
  readonly status: number;
  readonly headers: HeaderMap;
  readonly correlationId: string | undefined;
  readonly rateLimit: RateLimitState | undefined;
  /** Non-fatal findings: `X-Portier-Warnings`, Braze's `errors` on success, Codat's `validation.warnings`. */
  readonly warnings: readonly ErrorItem[];
  /** The answer is a replay of an earlier request with the same Idempotency-Key. */
  readonly replayed: boolean;
}

export interface WaitOptions {
  /** First delay between polls (default 1 s); grows by half each poll up to `maxPollMs`, or follows Retry-After. */
  readonly pollMs?: number;
  readonly maxPollMs?: number;
  /** Give up after this long (default 10 minutes) with a TimeoutError. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface OperationOutcome<T> {
  /** The operation's final body, as the API shapes it. */
  readonly operation: Readonly<Record<string, unknown>>;
  /** The upstream's answer body, when the operation body carries it (Portier's default shape). */
  readonly result: T | undefined;
}

const systemClock: ClientClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted === true) return reject(signal.reason as Error);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

const idempotentByDefault = new Set(['POST', 'PATCH']);

/** A client for one API behind Portier (or with Codat-, Braze- or SeaTable-shaped errors). */
export class PortierClient {
  private readonly baseUrl: string;
  private readonly clock: ClientClock;
  private readonly fetchImpl: typeof fetch;
  private readonly pacer: Pacer | undefined;
  private readonly correlationHeader: string;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.clock = options.clock ?? systemClock;
    this.fetchImpl = options.fetch ?? ((...args) => globalThis.fetch(...args));
    this.pacer = options.pacing === true ? sharedPacer(this.baseUrl, options.apiKey) : undefined;
    this.correlationHeader = (options.correlationHeader ?? 'x-correlation-id').toLowerCase();
  }

  get<T = unknown>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path, options);
  }
  post<T = unknown>(path: string, body?: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, { ...options, body });
  }
  put<T = unknown>(path: string, body?: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('PUT', path, { ...options, body });
  }
  patch<T = unknown>(path: string, body?: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('PATCH', path, { ...options, body });
  }
  delete<T = unknown>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('DELETE', path, options);
  }

  /** Sends a request, retrying what may be retried, and returns the parsed answer or throws a typed error. */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const upper = method.toUpperCase();
    const url = this.urlOf(path, options.query);
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers, ...this.authHeaders(), ...options.headers };
    const { body, text, streamed } = encodeBody(options.body, headers);
    const key = options.idempotencyKey === undefined ? (idempotentByDefault.has(upper) ? globalThis.crypto.randomUUID() : undefined) : options.idempotencyKey || undefined;
    if (key !== undefined) headers['idempotency-key'] = key;
    const maxRetries = streamed ? 0 : (options.maxRetries ?? this.options.maxRetries ?? 2);
    const retryBudget = this.options.maxRetryTimeMs ?? 60_000;
    const startedAt = this.clock.now();
    let attempt = 0;
    for (;;) {
      attempt++;
      headers['x-retry-count'] = String(attempt - 1);
      const sent: SentRequest = { method: upper, url, headers: { ...headers }, body: text, startedAt: new Date(startedAt), attempts: attempt };
      rememberCredential(sent, this.options.apiKey);
      const outcome = await this.attempt(upper, url, headers, body, sent, options);
      if (!(outcome instanceof PortierApiError)) return outcome as ApiResponse<T>;
      const error = outcome;
      const retryable =
        error.status === undefined
          ? (error.kind === 'connection' || error.kind === 'timeout') && isRetryableFailure(upper, key !== undefined)
          : isRetryableStatus(error.status, upper, key !== undefined, error.headers, bodyOf(error));
      if (!retryable || attempt > maxRetries) throw error;
      const hint = error.status === undefined ? undefined : serverRetryDelayMs(error.status, error.headers, readRateLimit(error.headers, this.clock.now()), this.clock.now());
      const delayMs = hint ?? backoffDelay(attempt, this.options.backoff ?? defaultBackoff, this.options.random);
      if (this.clock.now() - startedAt + delayMs > retryBudget) throw error;
      this.options.onRetry?.({ retry: attempt, delayMs, source: hint === undefined ? 'backoff' : 'server', status: error.status, error });
      await this.sleep(delayMs, options.signal, sent);
    }
  }

  /**
   * Polls an async operation (its id, or the Location of its 202) until it is no longer Pending; returns
   * its final body, or throws OperationFailedError for `Failed` and `TimedOut`.
   */
  async waitForOperation<T = unknown>(idOrLocation: string, options: WaitOptions = {}): Promise<OperationOutcome<T>> {
    const path = idOrLocation.includes('/') ? idOrLocation : `${this.options.operationsPath ?? '/operations'}/${encodeURIComponent(idOrLocation)}`;
    const deadline = this.clock.now() + (options.timeoutMs ?? 600_000);
    let delay = options.pollMs ?? 1000;
    const requestOptions = options.signal === undefined ? {} : { signal: options.signal };
    for (;;) {
      const response = await this.get<Record<string, unknown>>(path, requestOptions);
      const operation = response.data;
      const status = operation['status'];
      if (status === 'Success') return { operation, result: responseBody(operation) as T | undefined };
      if (status === 'Failed' || status === 'TimedOut') throw operationError(operation, response, this.urlOf(path, undefined));
      const hinted = serverRetryDelayMs(200, response.headers, undefined, this.clock.now());
      const wait = Math.max(hinted ?? 0, delay);
      if (this.clock.now() + wait > deadline) {
        const sent: SentRequest = { method: 'GET', url: this.urlOf(path, undefined), headers: {}, body: undefined, startedAt: new Date(), attempts: 1 };
        throw new TimeoutError({ kind: 'timeout', status: undefined, body: undefined, headers: response.headers, rawBody: undefined, correlationId: response.correlationId, request: sent });
      }
      await this.sleep(wait, options.signal, undefined);
      delay = Math.min(delay * 1.5, options.maxPollMs ?? 10_000);
    }
  }

  private async attempt(method: string, url: string, headers: Record<string, string>, body: BodyInit | undefined, sent: SentRequest, options: RequestOptions): Promise<ApiResponse<unknown> | PortierApiError> {
    const failure = (kind: 'connection' | 'timeout' | 'aborted', cause: unknown): PortierApiError => {
      const type = kind === 'connection' ? ConnectionError : kind === 'timeout' ? TimeoutError : AbortedError;
      return new type({ kind, status: undefined, body: undefined, headers: {}, rawBody: undefined, correlationId: undefined, request: sent, cause });
    };
    if (this.pacer !== undefined) {
      try {
        await this.pacer.acquire(() => this.clock.now(), (ms, signal) => this.clock.sleep(ms, signal), options.signal);
      } catch (cause) {
        throw failure('aborted', cause);
      }
    }
    const controller = new AbortController();
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 60_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = (): void => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let rateLimit: RateLimitState | undefined;
    try {
      const init: RequestInit = { method, headers, signal: controller.signal };
      if (body !== undefined) init.body = body;
      if (isStream(body)) (init as { duplex?: string }).duplex = 'half';
      let response: Response;
      let text: string;
      try {
        response = await this.fetchImpl(url, init);
        text = await response.text();
      } catch (cause) {
        if (options.signal?.aborted === true) throw failure('aborted', cause);
        return failure(timedOut ? 'timeout' : 'connection', cause);
      }
      const responseHeaders = headerMap(response.headers);
      rateLimit = readRateLimit(responseHeaders, this.clock.now());
      const correlationId = responseHeaders[this.correlationHeader];
      if (response.ok) {
        const data = parseSuccess(text, responseHeaders['content-type']);
        return {
          data,
          status: response.status,
          headers: responseHeaders,
          correlationId,
          rateLimit,
          warnings: warningsOf(responseHeaders, data),
          replayed: responseHeaders['idempotent-replayed'] === 'true',
        };
      }
      const parsed = parseErrorBody(text);
      const { kind, type } = errorClassFor(response.status, parsed);
      const error = new type({ kind, status: response.status, body: parsed, headers: responseHeaders, rawBody: text, correlationId, request: sent });
      parsedBodies.set(error, parsed);
      return error;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      this.pacer?.release(rateLimit, this.clock.now());
    }
  }

  private async sleep(ms: number, signal: AbortSignal | undefined, sent: SentRequest | undefined): Promise<void> {
    try {
      await this.clock.sleep(ms, signal);
    } catch (cause) {
      const request = sent ?? { method: 'GET', url: this.baseUrl, headers: {}, body: undefined, startedAt: new Date(), attempts: 0 };
      throw new AbortedError({ kind: 'aborted', status: undefined, body: undefined, headers: {}, rawBody: undefined, correlationId: undefined, request, cause });
    }
  }

  private urlOf(path: string, query: Query | undefined): string {
    const url = new URL(/^https?:\/\//.test(path) ? path : `${this.baseUrl}${path.startsWith('/') ? '' : '/'}${path}`);
    for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    return url.toString();
  }

  private authHeaders(): Record<string, string> {
    const key = this.options.apiKey;
    if (key === undefined) return {};
    const scheme = this.options.scheme ?? 'bearer';
    if (typeof scheme === 'object') return { [scheme.header.toLowerCase()]: key };
    if (scheme === 'basic') return { authorization: `Basic ${base64(key)}` };
    return { authorization: `${scheme === 'token' ? 'Token' : 'Bearer'} ${key}` };
  }
}

export function createClient(options: ClientOptions): PortierClient {
  return new PortierClient(options);
}

/** Parsed error bodies, kept aside so that retry decisions can read `retryable` without re-parsing. */
const parsedBodies = new WeakMap<PortierApiError, ParsedErrorBody>();
function bodyOf(error: PortierApiError): ParsedErrorBody | undefined {
  return parsedBodies.get(error);
}

function encodeBody(value: unknown, headers: Record<string, string>): { body: BodyInit | undefined; text: string | undefined; streamed: boolean } {
  if (value === undefined) return { body: undefined, text: undefined, streamed: false };
  if (typeof value === 'string') return { body: value, text: value, streamed: false };
  if (isStream(value)) return { body: value as BodyInit, text: undefined, streamed: true };
  if (value instanceof Uint8Array || value instanceof ArrayBuffer || (typeof Blob !== 'undefined' && value instanceof Blob)) {
    return { body: value as BodyInit, text: undefined, streamed: false };
  }
  if (value instanceof URLSearchParams) return { body: value, text: value.toString(), streamed: false };
  if (typeof FormData !== 'undefined' && value instanceof FormData) return { body: value, text: undefined, streamed: false };
  const text = JSON.stringify(value);
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  return { body: text, text, streamed: false };
}

function isStream(value: unknown): boolean {
  return typeof ReadableStream !== 'undefined' && value instanceof ReadableStream;
}

function parseSuccess(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  if (contentType !== undefined && /[/+]json\b/i.test(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function warningsOf(headers: HeaderMap, data: unknown): ErrorItem[] {
  const found: ErrorItem[] = [];
  const header = headers['x-portier-warnings'];
  if (header !== undefined) {
    try {
      found.push(...items(JSON.parse(header)));
    } catch {
      // a malformed header carries no usable warnings
    }
  }
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const record = data as Record<string, unknown>;
    const fromHeader = new Set(found.map((item) => item.message));
    const inBody = [
      ...(record['message'] === 'success' ? items(record['errors']) : []),
      ...items((record['validation'] as Record<string, unknown> | undefined)?.['warnings']),
    ];
    for (const item of inBody) if (!fromHeader.has(item.message)) found.push(item);
  }
  return found;
}

function responseBody(operation: Record<string, unknown>): unknown {
  const response = operation['response'];
  return response !== null && typeof response === 'object' ? (response as Record<string, unknown>)['body'] : undefined;
}

function operationError(operation: Record<string, unknown>, response: ApiResponse<unknown>, url: string): OperationFailedError {
  const error = (operation['error'] ?? {}) as Record<string, unknown>;
  const statusCode = operation['statusCode'];
  const detail = typeof error['detail'] === 'string' ? error['detail'] : `operation ended ${String(operation['status'])}`;
  const body: ParsedErrorBody = {
    shape: 'problem',
    code: typeof error['code'] === 'string' ? error['code'] : undefined,
    title: typeof error['title'] === 'string' ? error['title'] : undefined,
    detail,
    correlationId: response.correlationId,
    service: typeof error['service'] === 'string' ? error['service'] : undefined,
    retryable: false,
    items: [],
    warnings: [],
  };
  const sent: SentRequest = { method: 'GET', url, headers: {}, body: undefined, startedAt: new Date(), attempts: 1 };
  const failure = new OperationFailedError({
    kind: 'operation_failed',
    status: typeof statusCode === 'number' ? statusCode : undefined,
    body,
    headers: response.headers,
    rawBody: JSON.stringify(operation),
    correlationId: response.correlationId,
    request: sent,
  });
  failure.operation = operation;
  return failure;
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
