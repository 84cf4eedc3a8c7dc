/** Headers that describe one connection, not the message (RFC 9110 section 7.6.1): never forwarded. */
export const hopByHopHeaders: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // The h2c upgrade's settings travel with Upgrade and mean nothing without it.
  'http2-settings',
]);

/** Hop-by-hop headers plus any the Connection header names. */
export function connectionScopedHeaders(connection: string | undefined): ReadonlySet<string> {
  // The common values name nothing beyond the fixed set: no allocation on the hot path.
  if (connection === undefined || connection === '' || connection === 'keep-alive' || connection === 'close') {
    return hopByHopHeaders;
  }
  const named = new Set(hopByHopHeaders);
  for (const token of connection.split(',')) named.add(token.trim().toLowerCase());
  return named;
}
