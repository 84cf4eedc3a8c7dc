import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { connectionScopedHeaders } from './hop-by-hop.js';

export interface ForwardOptions {
  /** Lower-case name of the correlation header. */
  readonly correlationHeader: string;
  readonly trustForwardedHeaders: boolean;
  /** Lower-case names of request headers never forwarded (the caller's key, unless configured). */
  readonly dropHeaders: ReadonlySet<string>;
}

const forwardedNames = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'host']);

/**
 * Request headers for the upstream as flat name/value pairs: hop-by-hop headers and the caller's
 * credentials dropped, the correlation ID and the policies' headers (`extra`) set,
 * X-Forwarded-For/-Proto/-Host set (appended to only when trusted).
 */
export function buildUpstreamHeaders(
  req: IncomingMessage,
  correlationId: string,
  extra: readonly string[],
  options: ForwardOptions,
  /** Length of a body read ahead by a stage: it is sent with a Content-Length of its own. */
  bufferedLength?: number,
): string[] {
  const raw = req.rawHeaders;
  const skip = connectionScopedHeaders(req.headers.connection);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (skip.has(lower) || forwardedNames.has(lower) || lower === options.correlationHeader || options.dropHeaders.has(lower)) continue;
    // X-Portier-* headers are the gateway's word to the upstream: a client must not be able to forge them.
    if (lower.startsWith('x-portier-')) continue;
    if (bufferedLength !== undefined && (lower === 'content-length' || lower === 'transfer-encoding')) continue;
    out.push(name, raw[i + 1] as string);
  }
  const headers = req.headers;
  const clientIp = req.socket.remoteAddress ?? '';
  const priorFor = options.trustForwardedHeaders ? joinHeader(headers['x-forwarded-for']) : undefined;
  out.push('x-forwarded-for', priorFor === undefined ? clientIp : `${priorFor}, ${clientIp}`);
  out.push('x-forwarded-proto', (options.trustForwardedHeaders && firstValue(headers, 'x-forwarded-proto')) || 'http');
  const host = (options.trustForwardedHeaders && firstValue(headers, 'x-forwarded-host')) || headers.host;
  if (host !== undefined) out.push('x-forwarded-host', host);
  out.push(options.correlationHeader, correlationId);
  if (bufferedLength !== undefined) out.push('content-length', String(bufferedLength));
  for (const item of extra) out.push(item);
  return out;
}

function joinHeader(value: string | string[] | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  return Array.isArray(value) ? value.join(', ') : value;
}

function firstValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
