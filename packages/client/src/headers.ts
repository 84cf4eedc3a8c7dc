/** Response headers as a plain object with lower-case names (what errors and reports carry). */
export type HeaderMap = Readonly<Record<string, string>>;

export function headerMap(headers: Headers): HeaderMap {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
}

/**
 * Seconds to wait from a Retry-After value: delay-seconds or an HTTP-date (RFC 9110). Undefined for
 * anything malformed or negative; a date in the past is 0. Values over `maxSeconds` are capped.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number, maxSeconds = 86_400): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text), maxSeconds);
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, Math.ceil((at - nowMs) / 1000)), maxSeconds);
}

/** `retry-after-ms` (OpenAI's and Stainless' header): milliseconds, undefined when malformed. */
export function parseRetryAfterMs(value: string | undefined, maxMs = 86_400_000): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  return Math.min(Math.ceil(Number(text)), maxMs);
}
