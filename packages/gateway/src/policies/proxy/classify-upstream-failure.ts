import { portierError, type PortierError } from '../../errors/portier-error.js';
import type { UpstreamClient } from './upstream-client.js';

const unreachable = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_RESPONSE_STATUS_CODE',
  'HPE_INVALID_CONSTANT',
]);

/**
 * Maps a failed upstream call to the honest catalog error: too slow is 504, refused or broken is 502.
 * Returns undefined for errors that are not about the upstream (the caller treats them as our bug).
 */
export function classifyUpstreamFailure(error: unknown, upstream: UpstreamClient): PortierError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const service = upstream.serviceName;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return portierError('gateway_timeout', { service, timeoutMs: upstream.config.connectTimeoutMs }, { service, cause: error });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return portierError('gateway_timeout', { service, timeoutMs: upstream.config.responseTimeoutMs }, { service, cause: error });
  }
  if (typeof code === 'string' && (unreachable.has(code) || code.startsWith('HPE_') || code.startsWith('UND_ERR'))) {
    return portierError('bad_gateway', { service }, { service, cause: error });
  }
  return undefined;
}
