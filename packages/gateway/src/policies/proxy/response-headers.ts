import { connectionScopedHeaders } from './hop-by-hop.js';

/**
 * Upstream response headers as flat pairs for writeHead: hop-by-hop headers (and those the upstream's
 * Connection header names) and the upstream's own
 * correlation header dropped (ours wins), multi-valued headers (Set-Cookie) kept as separate pairs.
 */
export function buildClientHeaders(
  upstreamHeaders: Record<string, string | string[] | undefined>,
  correlationHeader: string,
): string[] {
  const connection = upstreamHeaders['connection'];
  const skip = connectionScopedHeaders(Array.isArray(connection) ? connection.join(',') : connection);
  const out: string[] = [];
  for (const name in upstreamHeaders) {
    if (skip.has(name) || name === correlationHeader) continue;
    const value = upstreamHeaders[name];
    if (value === undefined) continue;
    if (typeof value === 'string') out.push(name, value);
    else for (const item of value) out.push(name, item);
  }
  return out;
}
