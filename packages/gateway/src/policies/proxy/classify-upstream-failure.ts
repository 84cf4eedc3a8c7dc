import { portierError, type PortierError } from '../../errors/portier-error.js';
import type { UpstreamClient } from './upstream-client.js';

/** Codes that say the upstream could not be reached or broke the exchange. */
const brokenCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_HEADERS_OVERFLOW',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_EXCEEDED_MAX_SIZE',
  'UND_ERR_RESPONSE_STATUS_CODE',
  'UND_ERR_INFO',
]);

/** An upstream failure as the gateway answers and logs it: never with the upstream's own bytes. */
export interface UpstreamFailure {
  readonly error: PortierError;
  /** Class and code of the low-level error, for the log (undici's parser errors carry the raw bytes in `data`). */
  readonly kind: string;
}

/**
 * Maps a failed upstream call to the honest catalog error: too slow is 504, refused, reset, not HTTP,
 * headers too large or a body cut short is 502. Returns undefined for errors that are not about the
 * upstream (undici refusing our own arguments is the gateway's bug, not the upstream's).
 */
export function classifyUpstreamFailure(error: unknown, upstream: UpstreamClient): UpstreamFailure | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  const kind = `${typeof name === 'string' ? name : 'Error'}${typeof code === 'string' ? ` ${code}` : ''}`;
  const service = upstream.serviceName;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { kind, error: portierError('gateway_timeout', { service, timeoutMs: upstream.config.connectTimeoutMs }, { service }) };
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return { kind, error: portierError('gateway_timeout', { service, timeoutMs: upstream.config.responseTimeoutMs }, { service }) };
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return { kind, error: portierError('gateway_timeout', { service, timeoutMs: upstream.config.bodyTimeoutMs }, { service }) };
  }
  // undici's HTTPParserError (bytes that are not an HTTP response) has a code only for some of its causes.
  const notHttp = name === 'HTTPParserError' || (typeof code === 'string' && code.startsWith('HPE_'));
  if (notHttp || (typeof code === 'string' && brokenCodes.has(code))) {
    return { kind, error: portierError('bad_gateway', { service }, { service }) };
  }
  return undefined;
}
