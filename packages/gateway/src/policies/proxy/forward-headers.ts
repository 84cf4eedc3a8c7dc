import type { RequestHeaders, RequestView } from '../../pipeline/exchange.js';
import { connectionScopedHeaders } from './hop-by-hop.js';

export interface ForwardOptions {
  /** Lower-case name of the correlation header. */
  readonly correlationHeader: string;
  readonly trustForwardedHeaders: boolean;
  /** Lower-case names of request headers never forwarded (the caller's key, unless configured). */
  readonly dropHeaders: ReadonlySet<string>;
}

/**
 * Request headers the gateway itself sets or settles, so never copied from the client:
 * - `host`: undici sets the upstream's; the caller's travels as X-Forwarded-Host;
 * - the X-Forwarded-* trio, rebuilt below;
 * - `expect`: the gateway answers `100-continue` itself (undici refuses the header);
 * - `content-length`: set once from the parsed value (Node keeps the first of duplicates, undici
 *   refuses two), or left out for a chunked body;
 * - `proxy`: no meaning between a gateway and its upstream, and the httpoxy vector.
 */
const settledNames = new Set(['host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'expect', 'content-length', 'proxy']);

/**
 * Request headers for the upstream as flat name/value pairs: the one place that decides what a client
 * header may reach the upstream as, so that nothing a client sends makes undici refuse the request
 * on our side. Hop-by-hop headers (and those Connection names), `Proxy-*`, the settled names above,
 * the caller's credentials and forged `X-Portier-*` headers are dropped; the correlation ID, the
 * policies' headers (`extra`), X-Forwarded-For/-Proto/-Host (appended to only when trusted) and the
 * body's Content-Length are set.
 */
export function buildUpstreamHeaders(
  req: RequestView,
  correlationId: string,
  extra: readonly string[],
  options: ForwardOptions,
  /** Length of a body read ahead by a stage: it is sent with a Content-Length of its own. */
  bufferedLength?: number,
): string[] {
  const raw = req.rawHeaders;
  const skip = connectionScopedHeaders(joinHeader(req.headers.connection));
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (skip.has(lower) || settledNames.has(lower) || lower === options.correlationHeader || options.dropHeaders.has(lower)) continue;
    // X-Portier-* headers are the gateway's word to the upstream: a client must not be able to forge them.
    if (lower.startsWith('x-portier-') || lower.startsWith('proxy-')) continue;
    out.push(name, raw[i + 1] as string);
  }
  const headers = req.headers;
  const clientIp = req.socket.remoteAddress ?? '';
  const priorFor = options.trustForwardedHeaders ? joinHeader(headers['x-forwarded-for']) : undefined;
  out.push('x-forwarded-for', priorFor === undefined ? clientIp : `${priorFor}, ${clientIp}`);
  out.push('x-forwarded-proto', (options.trustForwardedHeaders && firstValue(headers, 'x-forwarded-proto')) || 'http');
  const host = (options.trustForwardedHeaders && firstValue(headers, 'x-forwarded-host')) || headers.host;
  if (host !== undefined && host !== '') out.push('x-forwarded-host', host);
  out.push(options.correlationHeader, correlationId);
  const length = bufferedLength === undefined ? streamedLength(req) : String(bufferedLength);
  if (length !== undefined) out.push('content-length', length);
  for (const item of extra) out.push(item);
  return out;
}

/** The Content-Length of a body streamed as received; none for a chunked one (undici chunks it too). */
function streamedLength(req: RequestView): string | undefined {
  if (req.headers['transfer-encoding'] !== undefined) return undefined;
  return req.headers['content-length'];
}

/** A header's value as one string; none for an empty one. */
function joinHeader(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.join(', ');
  return value === '' ? undefined : value;
}

function firstValue(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
