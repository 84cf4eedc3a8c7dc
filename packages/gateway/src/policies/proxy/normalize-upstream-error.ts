import { portierError, type PortierError } from '../../errors/portier-error.js';
import type { Clock } from '../../clock.js';
import { parseRetryAfter } from './parse-retry-after.js';
import type { UpstreamClient } from './upstream-client.js';

/** Error bodies larger than this are not read for a message. */
export const maxErrorBodyBytes = 64 * 1024;
const maxMessageLength = 500;
const messageFields = ['message', 'detail', 'error_msg', 'error_description', 'title', 'error'] as const;

export interface UpstreamErrorResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The body as text, or undefined when it was too large to read. */
  readonly body: string | undefined;
}

/**
 * Turns an upstream 4xx/5xx into a catalog error with the same status, the upstream's message (when
 * its body is JSON with a message-like field) as detail and its name as `service`. An upstream 503
 * becomes `service_unavailable` with its Retry-After, or the configured default.
 */
export function normalizeUpstreamError(response: UpstreamErrorResponse, upstream: UpstreamClient, clock: Clock): PortierError {
  const service = upstream.serviceName;
  const status = response.statusCode;
  if (status === 503) {
    const retryAfter =
      parseRetryAfter(response.headers['retry-after'], clock.now()) ?? upstream.config.unavailableRetryAfterSeconds;
    return portierError('service_unavailable', { service }, { service, headers: { 'Retry-After': String(retryAfter) } });
  }
  const message = readMessage(response);
  const code = status >= 500 ? 'upstream_server_error' : 'upstream_client_error';
  return portierError(code, { message: message ?? '' }, { status, service });
}

function readMessage(response: UpstreamErrorResponse): string | undefined {
  const type = String(response.headers['content-type'] ?? '');
  if (response.body === undefined || !/[/+]json\b/i.test(type)) return undefined;
  try {
    return extractMessage(JSON.parse(response.body));
  } catch {
    return undefined;
  }
}

/** Finds the first message-like string in a JSON error body (`message`, `detail`, `error_msg`, ...). */
export function extractMessage(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  for (const field of messageFields) {
    const value = record[field];
    if (typeof value === 'string' && value.trim() !== '') return truncate(value.trim());
    if (field === 'error' && value !== null && typeof value === 'object') {
      const nested = extractMessage(value);
      if (nested !== undefined) return nested;
    }
  }
  return undefined;
}

function truncate(text: string): string {
  return text.length <= maxMessageLength ? text : `${text.slice(0, maxMessageLength - 1)}…`;
}
