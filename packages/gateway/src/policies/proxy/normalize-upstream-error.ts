import type { Readable } from 'node:stream';
import { portierError, type PortierError } from '../../errors/portier-error.js';
import type { Clock } from '../../clock.js';
import { parseRetryAfter } from './parse-retry-after.js';
import type { UpstreamClient } from './upstream-client.js';

/** Error bodies larger than this are not read for a message. */
const maxErrorBodyBytes = 64 * 1024;
const maxMessageLength = 500;
const messageFields = ['message', 'detail', 'error_msg', 'error_description', 'title', 'error'] as const;

export interface UpstreamErrorResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Readable;
}

/**
 * Turns an upstream 4xx/5xx into a catalog error with the same status, the upstream's message (when
 * its body is JSON with a message-like field) as detail and its name as `service`. An upstream 503
 * becomes `service_unavailable` with its Retry-After, or the configured default.
 */
export async function normalizeUpstreamError(
  response: UpstreamErrorResponse,
  upstream: UpstreamClient,
  clock: Clock,
): Promise<PortierError> {
  const service = upstream.serviceName;
  const status = response.statusCode;
  if (status === 503) {
    response.body.resume();
    const retryAfter =
      parseRetryAfter(response.headers['retry-after'], clock.now()) ?? upstream.config.unavailableRetryAfterSeconds;
    return portierError('service_unavailable', { service }, { service, headers: { 'Retry-After': String(retryAfter) } });
  }
  const message = await readMessage(response);
  const code = status >= 500 ? 'upstream_server_error' : 'upstream_client_error';
  return portierError(code, { message: message ?? '' }, { status, service });
}

async function readMessage(response: UpstreamErrorResponse): Promise<string | undefined> {
  const type = String(response.headers['content-type'] ?? '');
  if (!/[/+]json\b/i.test(type)) {
    response.body.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxErrorBodyBytes) {
      response.body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  try {
    return extractMessage(JSON.parse(Buffer.concat(chunks).toString('utf8')));
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
