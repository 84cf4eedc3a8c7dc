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
]);

/** Hop-by-hop headers plus any the Connection header names. */
export function connectionScopedHeaders(connection: string | undefined): ReadonlySet<string> {
  if (connection === undefined || connection === '') return hopByHopHeaders;
  const named = new Set(hopByHopHeaders);
  for (const token of connection.split(',')) named.add(token.trim().toLowerCase());
  return named;
}
