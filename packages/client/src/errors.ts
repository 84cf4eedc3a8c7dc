import type { PortierErrorCode } from './error-codes.js';
import type { HeaderMap } from './headers.js';
import type { ErrorItem, ParsedErrorBody } from './parse-error-body.js';
import { credentialsOf, hideOwn, redactBody, redactHeaders, redactText, redactUrl } from './redact.js';

/**
 * The request an error belongs to. On an error (`error.request`) its secrets are already replaced by
 * `[redacted]`, as in the support report, so that logging or printing the error shows no key.
 */
export interface SentRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The body when it was text; undefined for streams and binary bodies. */
  readonly body: string | undefined;
  readonly startedAt: Date;
  /** Attempts made, retries included. */
  readonly attempts: number;
}

export type ErrorKind =
  | 'authentication'
  | 'permission'
  | 'payment_required'
  | 'not_found'
  | 'conflict'
  | 'validation'
  | 'bad_request'
  | 'rate_limited'
  | 'server'
  | 'service_unavailable'
  | 'gateway_timeout'
  | 'connection'
  | 'timeout'
  | 'aborted'
  | 'operation_failed';

const brand = Symbol.for('@portier/client.error');

/** The request each error was made from, as sent: only `supportReport()` reads it, to redact it. */
const sentRequests = new WeakMap<object, SentRequest>();

/**
 * The request as an error shows it: the client's credential and every secret-looking value replaced.
 * `found` collects the values hidden for their name (a password field), to hide them elsewhere too.
 */
function redactedRequest(request: SentRequest, own: readonly string[], found: string[]): SentRequest {
  return {
    ...request,
    url: redactUrl(request.url, own, found),
    headers: redactHeaders(request.headers, own, found),
    body: redactBody(request.body, Number.POSITIVE_INFINITY, own, found, 0),
  };
}

/** Every form of the secrets hidden in a request, longest first, to hide them in what the server said. */
function secretsOf(own: readonly string[], found: readonly string[]): string[] {
  return [...new Set([...own, ...found.flatMap((value) => [value, encodeURIComponent(value)])])].sort((a, b) => b.length - a.length);
}

export interface PortierErrorFields {
  readonly kind: ErrorKind;
  /** HTTP status; undefined when no response arrived (connection, timeout, aborted). */
  readonly status: number | undefined;
  readonly body: ParsedErrorBody | undefined;
  readonly headers: HeaderMap;
  readonly rawBody: string | undefined;
  readonly correlationId: string | undefined;
  readonly request: SentRequest;
  readonly cause?: unknown;
}

/**
 * Base of every error the client throws. It carries what a caller needs to act (status, catalog code,
 * title, detail, items) and what support needs to find the request (correlation ID, the request itself,
 * timestamps): `supportReport()` writes it up with every secret removed.
 */
export class PortierApiError extends Error {
  readonly [brand] = true;
  readonly kind: ErrorKind;
  readonly status: number | undefined;
  /** Catalog code (`rate_limited`, `key_revoked`, ...), when the API sends one; other APIs may send their own. */
  readonly code: PortierErrorCode | (string & {}) | undefined;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  /** Every error item of the body (validation errors). */
  readonly items: readonly ErrorItem[];
  readonly warnings: readonly ErrorItem[];
  readonly correlationId: string | undefined;
  readonly headers: HeaderMap;
  readonly rawBody: string | undefined;
  readonly request: SentRequest;
  readonly occurredAt: Date;

  constructor(fields: PortierErrorFields) {
    // A server quoting the client's key back (a message naming the header it could not read) must not
    // put it in the message, the stack or any field that printing the error shows.
    const own = credentialsOf(fields.request);
    const found: string[] = [];
    const request = redactedRequest(fields.request, own, found);
    const secrets = secretsOf(own, found);
    const summary = fields.body?.detail ?? fields.body?.title ?? (fields.status === undefined ? fields.kind : `HTTP ${fields.status}`);
    const message = fields.status === undefined ? summary : `${fields.status} ${fields.body?.code ?? fields.kind}: ${summary}`;
    super(hideOwn(message, secrets), fields.cause === undefined ? undefined : { cause: fields.cause });
    const hide = (text: string | undefined): string | undefined => (text === undefined ? undefined : hideOwn(text, secrets));
    const hideItems = (items: readonly ErrorItem[] | undefined): ErrorItem[] => (items ?? []).map((item) => ({ ...item, message: hideOwn(item.message, secrets) }));
    this.name = new.target.name;
    this.kind = fields.kind;
    this.status = fields.status;
    this.code = fields.body?.code;
    this.title = hide(fields.body?.title);
    this.detail = hide(fields.body?.detail);
    this.items = hideItems(fields.body?.items);
    this.warnings = hideItems(fields.body?.warnings);
    this.correlationId = fields.correlationId ?? fields.body?.correlationId;
    this.headers = fields.headers;
    this.rawBody = hide(fields.rawBody);
    sentRequests.set(this, fields.request);
    this.request = request;
    this.occurredAt = new Date();
  }

  /**
   * The text support teams ask for: the full request (method, URL, headers, body) with the key and every
   * other secret redacted, the status, every error message, the correlation ID and the times.
   */
  supportReport(): string {
    const request = sentRequests.get(this) ?? this.request;
    const own = credentialsOf(request);
    // Values hidden for their name (a password field) are hidden wherever else they show up too.
    const found: string[] = [];
    const lines = [
      'Request',
      `  ${request.method} ${redactUrl(request.url, own, found)}`,
      ...Object.entries(redactHeaders(request.headers, own, found)).map(([name, value]) => `  ${name}: ${value}`),
    ];
    const body = redactBody(request.body, undefined, own, found);
    if (body !== undefined && body !== '') lines.push('', '  Body:', ...body.split('\n').map((line) => `    ${line}`));
    lines.push(
      '',
      'Response',
      `  Status: ${this.status === undefined ? `none (${this.kind})` : String(this.status)}`,
      `  Correlation ID: ${this.correlationId ?? 'none received'}`,
    );
    if (this.code !== undefined) lines.push(`  Code: ${this.code}`);
    if (this.title !== undefined) lines.push(`  Title: ${this.title}`);
    lines.push(`  Message: ${this.detail ?? this.message}`);
    for (const item of this.items) lines.push(`  Error: ${item.pointer === '' ? '' : `${item.pointer}: `}${item.message}`);
    for (const item of this.warnings) lines.push(`  Warning: ${item.pointer === '' ? '' : `${item.pointer}: `}${item.message}`);
    lines.push(
      '',
      'Times',
      `  First attempt: ${request.startedAt.toISOString()}`,
      `  Failed: ${this.occurredAt.toISOString()}`,
      `  Attempts: ${request.attempts}`,
      '',
      'Add what you were trying to do, and send this to the API provider\'s support.',
    );
    // The answer may echo a secret back (a message quoting the header it could not read): scan it all.
    return redactText(lines.join('\n'), secretsOf(own, found));
  }
}

export class AuthenticationError extends PortierApiError {}
export class PermissionDeniedError extends PortierApiError {}
export class PaymentRequiredError extends PortierApiError {}
export class NotFoundError extends PortierApiError {}
export class ConflictError extends PortierApiError {}
export class ValidationError extends PortierApiError {}
export class BadRequestError extends PortierApiError {}
export class RateLimitError extends PortierApiError {
  /** Seconds the server asked to wait, when it said. */
  get retryAfterSeconds(): number | undefined {
    const value = this.headers['retry-after'];
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  }
}
export class ServerError extends PortierApiError {}
export class ServiceUnavailableError extends PortierApiError {}
export class GatewayTimeoutError extends PortierApiError {}
export class ConnectionError extends PortierApiError {}
export class TimeoutError extends PortierApiError {}
export class AbortedError extends PortierApiError {}
/** An async operation ended `Failed` or `TimedOut`; `operation` is its last state. */
export class OperationFailedError extends PortierApiError {
  operation: unknown;
}

/** Which class an HTTP error status belongs to. */
export function errorClassFor(status: number, body: ParsedErrorBody | undefined): { kind: ErrorKind; type: typeof PortierApiError } {
  if (status === 401) return { kind: 'authentication', type: AuthenticationError };
  if (status === 402) return { kind: 'payment_required', type: PaymentRequiredError };
  if (status === 403) return { kind: 'permission', type: PermissionDeniedError };
  if (status === 404) return { kind: 'not_found', type: NotFoundError };
  if (status === 409) return { kind: 'conflict', type: ConflictError };
  if (status === 422 || (status === 400 && (body?.items.length ?? 0) > 0)) return { kind: 'validation', type: ValidationError };
  if (status === 429) return { kind: 'rate_limited', type: RateLimitError };
  if (status === 503) return { kind: 'service_unavailable', type: ServiceUnavailableError };
  if (status === 504) return { kind: 'gateway_timeout', type: GatewayTimeoutError };
  if (status >= 500) return { kind: 'server', type: ServerError };
  return { kind: 'bad_request', type: BadRequestError };
}

/** True for an error of this package, even one thrown by another copy of it (another version, a bundle). */
export function isPortierError(value: unknown): value is PortierApiError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}
