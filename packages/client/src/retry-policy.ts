import { portierErrorCodes, type PortierErrorCode } from './error-codes.js';
import { parseRetryAfter, parseRetryAfterMs, type HeaderMap } from './headers.js';
import type { ParsedErrorBody } from './parse-error-body.js';
import type { RateLimitState } from './rate-limit-state.js';

const idempotentMethods = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const alwaysRetried = new Set([408, 429, 502, 503, 504]);

/**
 * Whether a failed answer may be retried: the server's should-retry header wins; then 408, 429, 502,
 * 503 and 504; a 409 the server marks retryable (in flight, not ready); a 500 only when repeating the
 * request cannot apply it twice (an idempotent method, or an Idempotency-Key).
 */
export function isRetryableStatus(status: number, method: string, hasIdempotencyKey: boolean, headers: HeaderMap, body: ParsedErrorBody | undefined): boolean {
  const should = headers['x-should-retry'];
  if (should === 'true') return true;
  if (should === 'false') return false;
  if (alwaysRetried.has(status)) return true;
  if (status === 409) return body?.retryable ?? (body?.code !== undefined && body.code in portierErrorCodes && portierErrorCodes[body.code as PortierErrorCode].retryable);
  if (status === 500) return idempotentMethods.has(method) || hasIdempotencyKey;
  return false;
}

/** A connection that failed or timed out may have delivered the request: retried only when that is safe. */
export function isRetryableFailure(method: string, hasIdempotencyKey: boolean): boolean {
  return idempotentMethods.has(method) || hasIdempotencyKey;
}

/**
 * The wait the server asked for, in ms: `retry-after-ms`, then `Retry-After` (seconds or date), then on a
 * 429 the reset of the exhausted rate limit. Undefined when the server gave no hint.
 */
export function serverRetryDelayMs(status: number, headers: HeaderMap, rateLimit: RateLimitState | undefined, nowMs: number): number | undefined {
  const ms = parseRetryAfterMs(headers['retry-after-ms']);
  if (ms !== undefined) return ms;
  const seconds = parseRetryAfter(headers['retry-after'], nowMs);
  if (seconds !== undefined) return seconds * 1000;
  if (status === 429 && rateLimit?.resetSeconds !== undefined) return rateLimit.resetSeconds * 1000;
  return undefined;
}
