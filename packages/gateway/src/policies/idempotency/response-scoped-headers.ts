import { hopByHopHeaders } from '../proxy/hop-by-hop.js';

/**
 * Headers that belong to one exchange rather than to the answer: the connection's, the body framing,
 * the date, cookies set for whoever received the original, CORS and `vary` (set again for the origin
 * asking now), rate-limit state and Retry-After (counted again now), and the replay markers. A stored
 * answer (an idempotent replay, an operation's `/result`) keeps none of them; whoever replays it adds
 * the fresh ones, so that no header goes out twice.
 */
const exchangeHeaders: ReadonlySet<string> = new Set([
  ...hopByHopHeaders,
  'content-length',
  'date',
  'set-cookie',
  'set-cookie2',
  'vary',
  'retry-after',
  'ratelimit',
  'ratelimit-policy',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-rate-limit-limit',
  'x-rate-limit-remaining',
  'x-rate-limit-reset',
  'idempotent-replayed',
  'x-portier-original-correlation-id',
  'x-portier-replay-body',
  'x-portier-operation-status',
  'x-portier-result-body',
]);

/** True for a header a stored answer must not keep; `correlationHeader` in lower case. */
export function isResponseScopedHeader(name: string, correlationHeader: string): boolean {
  return exchangeHeaders.has(name) || name.startsWith('access-control-') || name === correlationHeader;
}

/** The pairs of `headers` (names in lower case) that a stored answer may keep. */
export function storableHeaders(headers: readonly string[], correlationHeader: string): string[] {
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (!isResponseScopedHeader(name, correlationHeader)) kept.push(name, headers[i + 1] as string);
  }
  return kept;
}
